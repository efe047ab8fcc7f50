import { expect, test } from '@playwright/test';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USER, BASE_URL, expectToast, gotoHydrated, login, sidebar } from './fixtures';

test('a machine enrolled with the console install line appears Online live, gets a tag, and is deregistered from its page', async ({ page }) => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-node-'));
  let agent: ChildProcess | undefined;
  try {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await gotoHydrated(page, '/activations');
    await page.getByLabel('Default node name').fill('e2e-web');
    await page.getByRole('button', { name: 'Create activation' }).click();
    const activationId = (await page.getByTestId('new-activation-id').innerText()).trim();
    const line = (await page.getByTestId('enrol-command').innerText()).trim();
    expect(line).toMatch(new RegExp(`^curl -fsSL ${BASE_URL}/agent/install\\.sh \\| sudo sh -s -- --id ${activationId} --code \\S+$`));

    // Run the shown line on "the machine", as an operator would (without sudo and
    // systemd, installed under a prefix).
    const output = execSync(`${line.replace('sudo ', '')} --no-systemd --prefix ${prefix}`, {
      shell: '/bin/sh',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    const instanceId = output.match(/mi-[0-9a-f]{17}/)?.[0] ?? '';
    expect(instanceId, output).toMatch(/^mi-[0-9a-f]{17}$/);

    await sidebar(page).getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect(page).toHaveURL(/\/fleet$/);
    const row = page.locator(`tr[data-node="${instanceId}"]`);
    await expect(row.getByTestId('ping-status')).toHaveText('ConnectionLost');

    // Start the installed agent: the page shows it Online without a reload.
    agent = spawn(path.join(prefix, 'bin', 'bosun-agent'), ['run', '--state-dir', path.join(prefix, 'var', 'lib', 'bosun-agent')], {
      stdio: 'ignore',
    });
    await expect(row.getByTestId('ping-status')).toHaveText('Online', { timeout: 20_000 });
    await expect(row).toContainText('e2e-web');

    // The node's page: properties, a tag, deregistration.
    await row.getByRole('link', { name: 'e2e-web' }).click();
    await expect(page).toHaveURL(new RegExp(`/fleet/${instanceId}$`));
    await expect(page.getByTestId('node-id')).toHaveText(instanceId);
    await expect(page.getByTestId('node-platform')).toContainText('Linux');
    await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText(instanceId);
    await page.getByLabel('Tag key').fill('Environment');
    await page.getByLabel('Tag value').fill('prod');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expectToast(page, 'Tag saved.');
    await expect(page.locator('tr[data-tag="Environment"]')).toContainText('prod');
    // A bad key is refused with a readable message next to the field.
    await page.getByLabel('Tag key').fill('aws:reserved');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect(page.locator('.alert-error')).toContainText('reserved prefix aws:');

    // Deregister takes a confirmation; the agent is cut off and stops for good.
    const exited = new Promise<number | null>((resolve) => agent?.on('exit', (code) => resolve(code)));
    await page.getByRole('button', { name: 'Deregister…' }).click();
    await page.getByRole('button', { name: 'Confirm: deregister this node' }).click();
    await expectToast(page, 'Node deregistered.');
    await expect(page.getByTestId('ping-status')).toHaveText('Inactive', { timeout: 20_000 });
    expect(await exited).not.toBe(0);
    await page.getByRole('link', { name: 'Fleet', exact: true }).first().click();
    await expect(page.locator(`tr[data-node="${instanceId}"]`).locator('.tag')).toContainText('Environment=prod');
  } finally {
    agent?.kill('SIGKILL');
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});
