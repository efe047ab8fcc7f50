import { expect, test } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USER, BASE_URL, expectToast, gotoHydrated, login, sidebar } from './fixtures';

// The real agent binary (cargo xtask test builds it next to the server).
const agentBin = process.env.BOSUN_AGENT_BIN ?? '/var/tmp/bosun-target/debug/bosun-agent';

test('a machine enrolled with a console activation appears Online live, gets a tag, and is deregistered', async ({ page }) => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-agent-'));
  let agent: ChildProcess | undefined;
  try {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await gotoHydrated(page, '/activations');
    await page.getByLabel('Default node name').fill('e2e-web');
    await page.getByRole('button', { name: 'Create activation' }).click();
    const activationId = (await page.getByTestId('new-activation-id').innerText()).trim();
    const activationCode = (await page.getByTestId('new-activation-code').innerText()).trim();
    await expect(page.getByTestId('enrol-command')).toContainText(`--activation-id ${activationId}`);

    // Enrol with the real agent, as an operator would on the machine.
    const instanceId = execFileSync(
      agentBin,
      ['register', '--server', BASE_URL, '--activation-id', activationId, '--activation-code', activationCode, '--state-dir', stateDir],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .toString()
      .trim();
    expect(instanceId).toMatch(/^mi-[0-9a-f]{17}$/);

    await sidebar(page).getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect(page).toHaveURL(/\/fleet$/);
    const row = page.locator(`tr[data-node="${instanceId}"]`);
    await expect(row.getByTestId('ping-status')).toHaveText('ConnectionLost');

    // Start the agent: the page shows it Online without a reload.
    agent = spawn(agentBin, ['run', '--state-dir', stateDir], { stdio: 'ignore' });
    await expect(row.getByTestId('ping-status')).toHaveText('Online', { timeout: 20_000 });
    await expect(row).toContainText('e2e-web');

    await row.getByLabel(`Tag ${instanceId}: key`).fill('Environment');
    await row.getByLabel(`Tag ${instanceId}: value`).fill('prod');
    await row.getByRole('button', { name: 'Tag', exact: true }).click();
    await expectToast(page, 'Tag saved.');
    await expect(row.locator('.tag')).toContainText('Environment=prod');

    // Deregister takes a confirmation; the agent is cut off and stops for good.
    const exited = new Promise<number | null>((resolve) => agent?.on('exit', (code) => resolve(code)));
    await row.getByRole('button', { name: `Deregister ${instanceId}` }).click();
    await row.getByRole('button', { name: `Confirm: Deregister ${instanceId}` }).click();
    await expectToast(page, 'Node deregistered.');
    await expect(row.getByTestId('ping-status')).toHaveText('Inactive', { timeout: 20_000 });
    expect(await exited).not.toBe(0);
  } finally {
    agent?.kill('SIGKILL');
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
