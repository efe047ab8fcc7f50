import { expect, test, type Page } from '@playwright/test';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateMaintenanceWindowCommand,
  GetMaintenanceWindowExecutionCommand,
  RegisterTargetWithMaintenanceWindowCommand,
  RegisterTaskWithMaintenanceWindowCommand,
} from '@aws-sdk/client-ssm';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  USER_PASSWORD,
  createAccessKeyInConsole,
  createUserInConsole,
  expectToast,
  freshContext,
  gotoHydrated,
  login,
  sidebar,
  ssmClient,
  uniqueName,
  waitForHydration,
} from './fixtures';

// The viewer's zone differs from the windows' (UTC), so both columns say something.
test.use({ timezoneId: 'Asia/Tokyo' });

// One real agent, enrolled with the console's install line and running as a process.
async function enrolOne(page: Page): Promise<{ id: string; agent: ChildProcess; dir: string }> {
  await gotoHydrated(page, '/activations');
  await page.getByLabel('Default node name').fill('e2e-mw');
  await page.getByLabel('Registration limit').fill('1');
  await page.getByRole('button', { name: 'Create activation' }).click();
  const line = (await page.getByTestId('enrol-command').innerText()).trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-mw-'));
  const out = execSync(`${line.replace('sudo ', '')} --no-systemd --prefix ${dir}`, {
    shell: '/bin/sh',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  const id = out.match(/mi-[0-9a-f]{17}/)?.[0] ?? '';
  expect(id, out).toMatch(/^mi-[0-9a-f]{17}$/);
  const agent = spawn(path.join(dir, 'bin', 'bosun-agent'), ['run', '--state-dir', path.join(dir, 'var', 'lib', 'bosun-agent')], {
    stdio: 'ignore',
  });
  return { id, agent, dir };
}

/** Signs in as the admin, enrols one real agent, waits until the fleet page shows it
 * Online, runs `body` with its instance id, then stops the agent and removes its files. */
async function withOnlineAgent(page: Page, body: (id: string) => Promise<void>): Promise<void> {
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  const { id, agent, dir } = await enrolOne(page);
  try {
    await gotoHydrated(page, '/fleet');
    await expect(page.locator(`tr[data-node="${id}"]`).getByTestId('ping-status')).toHaveText('Online', { timeout: 20_000 });
    await body(id);
  } finally {
    agent.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `2026-11-27T03:04:05`: an instant `ms` from now on the UTC wall clock (no zone). */
function utcWallClock(ms: number): string {
  return new Date(Date.now() + ms).toISOString().slice(0, 19);
}

test('a window built in the console runs its Run Command task on a real agent, and its history drills down to the output', async ({ page, browser }) => {
  test.setTimeout(240_000);
  await withOnlineAgent(page, async (id) => {

    // The schedule builder: helpers write the expression, the preview follows as one types.
    await gotoHydrated(page, '/maintenance');
    await page.getByRole('link', { name: 'Create a window' }).click();
    await expect(page).toHaveURL(/\/maintenance\/new$/);
    // The server renders the form with its preview (no JavaScript needed to read it).
    const html = await (await page.request.get('/maintenance/new')).text();
    expect(html).toContain('data-testid="schedule-preview"');
    expect(html).toContain('02:00:00 UTC');
    await page.reload();
    await waitForHydration(page);
    const name = uniqueName('mw');
    await page.getByLabel('Name', { exact: true }).fill(name);
    const expression = page.getByLabel('Schedule expression');
    const runs = page.getByTestId('schedule-preview').locator('li');
    await expect(expression).toHaveValue('cron(0 2 ? * SUN *)');
    await expect(runs).toHaveCount(5);
    await expect(runs.first()).toContainText('02:00:00 UTC');
    // The viewer's zone (Tokyo) shows next to the window's.
    await expect(runs.first()).toContainText('11:00:00 JST');

    await page.getByLabel('Every…').check();
    await page.getByLabel('Every', { exact: true }).fill('30');
    await page.getByLabel('Unit').selectOption('minute');
    await expect(expression).toHaveValue('rate(30 minutes)');
    await expect(runs).toHaveCount(5);

    // An invalid expression shows its error inline, and no runs.
    await expression.fill('cron(0 2 * * *)');
    await expect(page.getByTestId('schedule-error')).toContainText('cron expression has 5 fields');
    await expect(runs).toHaveCount(0);
    await expression.fill('cron(0 2 ? * MON-FRI *)');
    await expect(page.getByTestId('schedule-error')).toHaveText('');
    await expect(runs).toHaveCount(5);

    // Once, an hour from now (UTC): one run.
    await page.getByLabel('Once', { exact: true }).check();
    const later = utcWallClock(3_600_000);
    await page.getByLabel("Once at (in the window's time zone)").fill(later);
    await expect(expression).toHaveValue(`at(${later})`);
    await expect(runs).toHaveCount(1);
    await page.getByRole('button', { name: 'Create window' }).click();
    await expect(page).toHaveURL(/\/maintenance\/mw-[0-9a-f]{17}$/);
    const windowUrl = new URL(page.url()).pathname;
    await expect(page.getByTestId('window-name')).toHaveText(name);
    await expect(page.getByTestId('next-runs').locator('li')).toHaveCount(1);

    // The list shows it with its next run in both zones; the calendar lists the run.
    await gotoHydrated(page, '/maintenance');
    const row = page.locator('tr[data-window]').filter({ hasText: name });
    await expect(row.getByTestId('window-time')).toContainText('UTC');
    await expect(row.getByTestId('viewer-time')).toContainText('JST');
    await expect(page.getByTestId('calendar-zone')).toHaveText('Days and times in Asia/Tokyo.');
    await expect(page.getByRole('list', { name: 'Upcoming runs by day' }).getByRole('link', { name })).toHaveCount(1);

    // Register the node as a target, and a Run Command task on it.
    await gotoHydrated(page, windowUrl);
    await page.locator(`input[data-node="${id}"]`).check();
    await page.getByLabel('Target name (optional)').fill('e2e-node');
    await page.getByRole('button', { name: 'Register target' }).click();
    await expectToast(page, 'Target saved.');
    await expect(page.getByRole('table', { name: 'Targets' })).toContainText(id);

    await expect(page.locator('[data-param="commands"]')).toBeVisible();
    await page.locator('[data-param="commands"]').fill('echo hello-from-window');
    await page.locator('input[data-window-target]').first().check();
    await page.getByLabel('Comment').fill('e2e maintenance');
    await page.getByRole('button', { name: 'Register task' }).click();
    await expectToast(page, 'Task saved.');
    const tasks = page.getByRole('table', { name: 'Tasks' });
    await expect(tasks).toContainText('AWS-RunShellScript');
    await expect(tasks).toContainText('e2e-node');

    // The target is in use: deregistering it is refused, clearly.
    await page.getByRole('button', { name: 'Deregister target e2e-node' }).click();
    await expect(page.getByTestId('target-error')).toContainText('still targets');

    // Move the run to 25 s from now, and watch the execution appear and succeed.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await expect(page).toHaveURL(/\/edit$/);
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Schedule expression')).toHaveValue(`at(${later})`);
    const soon = utcWallClock(25_000);
    await page.getByLabel('Schedule expression').fill(`at(${soon})`);
    await expect(page.getByTestId('schedule-preview').locator('li')).toHaveCount(1);
    await page.getByRole('button', { name: 'Save window' }).click();
    await expect(page).toHaveURL(new RegExp(`${windowUrl}$`));
    await expect(page.getByTestId('window-schedule')).toHaveText(`at(${soon})`);
    const execution = page.locator('tr[data-execution]').first();
    await expect(execution.getByTestId('execution-status')).toHaveText('SUCCESS', { timeout: 90_000 });

    // Drill down: the task's invocation on the node, then its Run Command command.
    await execution.getByRole('link').click();
    await expect(page).toHaveURL(/\/executions\//);
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByTestId('execution-status')).toHaveText('SUCCESS');
    const invocation = page.locator(`tr[data-node="${id}"]`);
    await expect(invocation.getByTestId('invocation-status')).toHaveText('SUCCESS');
    await invocation.getByTestId('command-link').click();
    await expect(page).toHaveURL(/\/commands\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('command-status')).toHaveText('Success');
    await expect(page.getByTestId('output')).toContainText('hello-from-window', { timeout: 15_000 });

    // A viewer reads the window but is offered no change.
    const viewerName = uniqueName('mwv');
    await createUserInConsole(page, viewerName, 'viewer');
    const ctx = await freshContext(browser);
    try {
      const viewer = await ctx.newPage();
      await login(viewer, viewerName, USER_PASSWORD);
      await expect(sidebar(viewer).getByRole('link', { name: 'Maintenance windows' })).toBeVisible();
      await gotoHydrated(viewer, '/maintenance');
      await expect(viewer.locator('tr[data-window]').filter({ hasText: name })).toBeVisible();
      await expect(viewer.getByRole('link', { name: 'Create a window' })).toHaveCount(0);
      await gotoHydrated(viewer, windowUrl);
      await expect(viewer.getByTestId('window-name')).toHaveText(name);
      await expect(viewer.getByRole('table', { name: 'Tasks' })).toContainText('AWS-RunShellScript');
      await expect(viewer.locator('tr[data-execution]')).toHaveCount(1);
      await expect(viewer.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0);
      await expect(viewer.getByRole('button', { name: 'Register target' })).toHaveCount(0);
      await expect(viewer.getByRole('button', { name: 'Register task' })).toHaveCount(0);
      await expect(viewer.getByRole('button', { name: /^Deregister/ })).toHaveCount(0);
      await expect(viewer.getByRole('button', { name: 'Delete…' })).toHaveCount(0);
    } finally {
      await ctx.close();
    }
  });
});

test('a running execution is cancelled from its page: the node\'s command is killed and the execution ends CANCELLED', async ({ page }) => {
  test.setTimeout(240_000);
  await withOnlineAgent(page, async (id) => {

    // A window that runs a long command on the node 20 s from now (set up through the API).
    const ssm = ssmClient(await createAccessKeyInConsole(page, uniqueName('mw-cancel')));
    const { WindowId } = await ssm.send(new CreateMaintenanceWindowCommand({
      Name: uniqueName('mw-cancel'),
      Schedule: `at(${utcWallClock(20_000)})`,
      Duration: 2,
      Cutoff: 0,
      AllowUnassociatedTargets: false,
    }));
    const { WindowTargetId } = await ssm.send(new RegisterTargetWithMaintenanceWindowCommand({
      WindowId,
      ResourceType: 'INSTANCE',
      Targets: [{ Key: 'InstanceIds', Values: [id] }],
    }));
    await ssm.send(new RegisterTaskWithMaintenanceWindowCommand({
      WindowId,
      TaskArn: 'AWS-RunShellScript',
      TaskType: 'RUN_COMMAND',
      Targets: [{ Key: 'WindowTargetIds', Values: [WindowTargetId!] }],
      MaxConcurrency: '1',
      MaxErrors: '0',
      TaskInvocationParameters: { RunCommand: { Parameters: { commands: ['echo long-task-started; sleep 300'] } } },
    }));

    // The execution starts; its page shows the node's invocation running.
    await gotoHydrated(page, `/maintenance/${WindowId}`);
    const execution = page.locator('tr[data-execution]').first();
    await expect(execution.getByTestId('execution-status')).toHaveText('IN_PROGRESS', { timeout: 90_000 });
    await execution.getByRole('link').click();
    await expect(page).toHaveURL(/\/executions\//);
    await page.reload();
    await waitForHydration(page);
    const executionId = page.url().split('/executions/')[1];
    const invocation = page.locator(`tr[data-node="${id}"]`);
    await expect(invocation.getByTestId('invocation-status')).toHaveText('IN_PROGRESS', { timeout: 30_000 });

    // Cancel: the execution and the node's invocation end CANCELLED (the agent kills the sleep).
    await page.getByTestId('cancel-execution').click();
    await expectToast(page, 'Cancel requested.');
    await expect(page.getByTestId('execution-status')).toHaveText('CANCELLED', { timeout: 30_000 });
    await expect(invocation.getByTestId('invocation-status')).toHaveText('CANCELLED', { timeout: 30_000 });
    await expect(page.getByTestId('cancel-execution')).toHaveCount(0);
    const got = await ssm.send(new GetMaintenanceWindowExecutionCommand({ WindowExecutionId: executionId }));
    expect(got.Status).toBe('CANCELLED');

    // The node's Run Command command was cancelled after its first line.
    await invocation.getByTestId('command-link').click();
    await expect(page).toHaveURL(/\/commands\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('command-status')).toHaveText('Cancelled');
    await expect(page.getByTestId('output')).toContainText('long-task-started', { timeout: 15_000 });
  });
});

test('a window is disabled and enabled, edited with its rate counted from its last schedule change, emptied and deleted', async ({ page }) => {
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/maintenance/new');
  const name = uniqueName('mwl');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Every…').check();
  await page.getByLabel('Every', { exact: true }).fill('1');
  await page.getByLabel('Unit').selectOption('day');
  const expression = page.getByLabel('Schedule expression');
  await expect(expression).toHaveValue('rate(1 day)');
  await page.getByRole('button', { name: 'Create window' }).click();
  await expect(page).toHaveURL(/\/maintenance\/mw-[0-9a-f]{17}$/);
  const createdAt = Date.now();
  const windowUrl = new URL(page.url()).pathname;
  await expect(page.getByTestId('window-state')).toHaveText('Enabled');
  const nextRun = page.getByTestId('next-runs').locator('li .mono').first();
  const firstRun = (await nextRun.innerText()).trim();

  // Disabled: no run ahead. Enabled again: the same runs (the schedule did not change).
  await page.getByRole('button', { name: 'Disable', exact: true }).click();
  await expectToast(page, 'Window updated.');
  await expect(page.getByTestId('window-state')).toHaveText('Disabled');
  await expect(page.getByTestId('next-runs-none')).toBeVisible();
  await page.getByRole('button', { name: 'Enable', exact: true }).click();
  await expect(page.getByTestId('window-state')).toHaveText('Enabled');
  await expect(nextRun).toHaveText(firstRun);

  // The edit form previews a daily rate from when it was saved, not from now (the
  // preview shows seconds: let a few pass first), until the schedule changes.
  await expect.poll(() => Date.now() - createdAt).toBeGreaterThan(2_000);
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await expect(page).toHaveURL(/\/edit$/);
  await page.reload();
  await waitForHydration(page);
  const preview = page.getByTestId('schedule-preview').locator('li .mono').first();
  await expect(preview).toHaveText(firstRun);
  await page.getByLabel('Name', { exact: true }).fill(`${name}-renamed`);
  await expect(preview).toHaveText(firstRun);
  await expression.fill('rate(2 days)');
  await expect(preview).not.toHaveText(firstRun);
  await expression.fill('rate(1 day)');
  await expect(preview).toHaveText(firstRun);

  // A target by tag and a task on it, then both deregistered.
  await gotoHydrated(page, windowUrl);
  await page.getByLabel('By tag', { exact: true }).check();
  await page.getByLabel('Tag key', { exact: true }).fill('env');
  await page.getByLabel('Tag values (comma-separated)').fill('e2e-nowhere');
  await page.getByLabel('Target name (optional)').fill('by-tag');
  await page.getByRole('button', { name: 'Register target' }).click();
  await expectToast(page, 'Target saved.');
  await expect(page.getByRole('table', { name: 'Targets' })).toContainText('e2e-nowhere');
  await expect(page.locator('[data-param="commands"]')).toBeVisible();
  await page.locator('[data-param="commands"]').fill('echo never');
  await page.locator('input[data-window-target]').first().check();
  await page.getByLabel('Task name (optional)').fill('e2e-task');
  await page.getByRole('button', { name: 'Register task' }).click();
  await expectToast(page, 'Task saved.');
  const deregisterTask = page.getByRole('button', { name: 'Deregister task e2e-task' });
  await deregisterTask.click();
  await expectToast(page, 'Task deregistered.');
  await expect(deregisterTask).toHaveCount(0);
  const deregisterTarget = page.getByRole('button', { name: 'Deregister target by-tag' });
  await deregisterTarget.click();
  await expectToast(page, 'Target deregistered.');
  await expect(deregisterTarget).toHaveCount(0);

  // Deleted after a confirmation: back to the list, without it.
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete this window' }).click();
  await expect(page).toHaveURL(/\/maintenance$/);
  await expect(page.locator('tr[data-window]').filter({ hasText: name })).toHaveCount(0);
  await gotoHydrated(page, windowUrl);
  await expect(page.locator('.alert-error').first()).toContainText('does not exist');
});
