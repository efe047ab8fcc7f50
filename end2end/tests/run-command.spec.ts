import { expect, test, type Page } from '@playwright/test';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USER, gotoHydrated, login, waitForHydration } from './fixtures';

// Two real agents, enrolled with the console's install line and running as processes.
async function enrolTwo(page: Page): Promise<{ ids: string[]; agents: ChildProcess[]; dirs: string[] }> {
  await gotoHydrated(page, '/activations');
  await page.getByLabel('Default node name').fill('e2e-run');
  await page.getByLabel('Registration limit').fill('2');
  await page.getByRole('button', { name: 'Create activation' }).click();
  const line = (await page.getByTestId('enrol-command').innerText()).trim();
  const ids: string[] = [];
  const agents: ChildProcess[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-run-'));
    dirs.push(prefix);
    const out = execSync(`${line.replace('sudo ', '')} --no-systemd --prefix ${prefix}`, {
      shell: '/bin/sh',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    const id = out.match(/mi-[0-9a-f]{17}/)?.[0] ?? '';
    expect(id, out).toMatch(/^mi-[0-9a-f]{17}$/);
    ids.push(id);
    agents.push(
      spawn(path.join(prefix, 'bin', 'bosun-agent'), ['run', '--state-dir', path.join(prefix, 'var', 'lib', 'bosun-agent')], {
        // The agent's log is kept next to it, and shown if the node does not come Online.
        stdio: ['ignore', 'ignore', fs.openSync(path.join(prefix, 'agent.log'), 'a')],
      }),
    );
  }
  return { ids, agents, dirs };
}

async function runOn(page: Page, ids: string[], script: string): Promise<void> {
  await gotoHydrated(page, '/commands/new');
  await page.locator('[data-param="commands"]').fill(script);
  for (const id of ids) {
    await page.locator(`input[data-node="${id}"]`).check();
  }
  await expect(page.getByTestId('target-count')).toHaveText(`${ids.length} node(s) match.`);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/commands\/[0-9a-f-]{36}$/);
}

test('output streams live from two real agents, hostile output stays text, and a long command is cancelled', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  const { ids, agents, dirs } = await enrolTwo(page);
  try {
    // Both nodes online before running.
    await gotoHydrated(page, '/fleet');
    for (const [i, id] of ids.entries()) {
      try {
        await expect(page.locator(`tr[data-node="${id}"]`).getByTestId('ping-status')).toHaveText('Online', { timeout: 20_000 });
      } catch (e) {
        const log = fs.readFileSync(path.join(dirs[i], 'agent.log'), 'utf8');
        throw new Error(`${id} did not come Online; its agent's log:\n${log}\n${e}`);
      }
    }

    // line1 is on screen while the command still runs (the script: three lines, a second apart).
    await runOn(page, ids, 'for i in 1 2 3; do echo line$i; sleep 1; done');
    const output = page.getByTestId('output');
    await expect(output).toContainText('line1', { timeout: 10_000 });
    await expect(page.getByTestId('command-status')).not.toHaveText('Success');
    expect(await output.innerText()).not.toContain('line3');
    await expect(page.getByTestId('command-status')).toHaveText('Success', { timeout: 20_000 });
    await expect(output).toContainText('line3');
    await expect(page.getByTestId('progress-text')).toContainText('2 of 2 done (100%): 2 succeeded');
    await expect(page.getByTestId('cli-line')).toContainText("aws ssm send-command --document-name 'AWS-RunShellScript'");
    // The full output downloads as a file.
    const href = await page.getByRole('link', { name: 'Download' }).getAttribute('href');
    const file = await page.request.get(href ?? '');
    expect(file.headers()['content-disposition']).toContain('attachment');
    expect(await file.text()).toBe('line1\nline2\nline3\n');

    // Hostile output: markup, terminal escapes, a NUL and invalid UTF-8 render as text.
    const corpus = String.raw`printf '<script>window.__xss=1</script></pre><img src=x onerror="window.__xss=2">\n'; printf '\033]0;evil\007\033[31mred\033[0m plain\000nul \377\n'`;
    await runOn(page, [ids[0]], corpus);
    await expect(page.getByTestId('command-status')).toHaveText('Success', { timeout: 20_000 });
    await expect(output).toContainText('<script>window.__xss=1</script></pre><img src=x onerror="window.__xss=2">');
    await expect(output.locator('span.ansi-fg-1')).toHaveText('red');
    await expect(output).toContainText('\u2400nul \uFFFD');
    expect(await output.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // The server-rendered page (no streaming) shows the same text.
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByTestId('output')).toContainText('</pre><img src=x');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // Cancel a long command from its page.
    await runOn(page, [ids[1]], 'echo waiting; sleep 120');
    await expect(output).toContainText('waiting', { timeout: 10_000 });
    await page.getByTestId('cancel-command').click();
    await expect(page.getByTestId('command-status')).toHaveText('Cancelled', { timeout: 10_000 });
    await expect(page.locator(`tr[data-node="${ids[1]}"]`).getByTestId('invocation-status')).toHaveText('Cancelled');

    // History lists the commands, newest first (this spec's: other specs run
    // AWS-RunPatchBaseline as admin, and maintenance windows AWS-RunShellScript as
    // their window, on the same server).
    await gotoHydrated(page, `/commands?document=AWS-RunShellScript&user=${ADMIN_USER}`);
    await expect(page.locator('tr[data-command]')).toHaveCount(3);
    await expect(page.locator('tr[data-command]').first()).toContainText('Cancelled');
  } finally {
    for (const a of agents) a.kill('SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
});
