// Patch Manager in the console: the compliance dashboard's empty state, a custom Debian
// baseline built with the rule builder (only apt filter keys, no approval delay), the
// service's validation problems shown next to the form, editing, the default flag,
// patch groups, a deletion refused while the baseline is in use; the form posted without
// JavaScript; a real agent's node listed as not scanned, then tagged into a patch group,
// scanned from the dashboard, with its missing patches on its page (paged) and its
// baseline's effective patches; and a viewer, who sees the pages without their actions
// and whose forced requests the server refuses.

import { expect, test, type Page } from '@playwright/test';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  USER_PASSWORD,
  createUserInConsole,
  expectToast,
  freshContext,
  gotoHydrated,
  login,
  sidebar,
  uniqueName,
} from './fixtures';

/** The predefined Debian baseline (the default for Debian until another is registered). */
const DEBIAN_DEFAULT = { id: 'pb-0b05d3b1a0000000a', name: 'AWS-DebianDefaultPatchBaseline' };

/** Baseline names take letters, digits, _ - and . only. */
function baselineName(prefix: string): string {
  return uniqueName(prefix).replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** Rule `n` of the baseline form (its fieldset). */
function rule(page: Page, n: number) {
  return page.getByRole('group', { name: `Rule ${n}`, exact: true });
}

/** Creates a Debian baseline whose one rule approves every priority, security or not; ends on its page. */
async function createDebianBaseline(page: Page, name: string): Promise<string> {
  await gotoHydrated(page, '/patch/baselines/new');
  await page.getByLabel('Operating system').selectOption('DEBIAN');
  await page.getByLabel('Name', { exact: true }).fill(name);
  const r = rule(page, 1);
  await r.getByLabel('All (*)').check();
  await r.getByLabel('Also approve non-security updates').check();
  await page.getByRole('button', { name: 'Create baseline' }).click();
  await page.waitForURL(/\/patch\/baselines\/pb-[0-9a-f]{17}$/);
  await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
  return (await page.getByTestId('baseline-id').innerText()).trim();
}

/** Registers `baselineId` for `group` on the patch groups page. */
/**
 * Posts to a console server function from the page, as a script forcing an action the
 * page does not offer would: same origin, the session's cookie, a form-encoded body.
 */
async function forceServerFn(page: Page, endpoint: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  return page.evaluate(
    async ([url, form]) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      return { status: res.status, body: await res.text() };
    },
    [`/api/${endpoint}`, fields] as const,
  );
}

async function registerGroup(page: Page, group: string, baselineId: string): Promise<void> {
  await gotoHydrated(page, '/patch/groups');
  const form = page.getByRole('region', { name: 'Register a patch group' });
  await form.getByRole('textbox', { name: 'Patch group', exact: true }).fill(group);
  await form.getByLabel('Baseline', { exact: true }).selectOption(baselineId);
  await form.getByRole('button', { name: 'Register' }).click();
  await expectToast(page, 'Patch group registered.');
}

test('patch compliance: with no node reporting, the dashboard says so', async ({ page }) => {
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/patch/compliance');
  await expect(sidebar(page).getByRole('link', { name: 'Compliance' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Patch compliance' })).toBeVisible();
  await expect(page.getByTestId('compliance-empty')).toContainText('No node has reported its patches yet.');
  // The whole fleet is listed: nodes enrolled by earlier specs, if any, as not scanned.
  const table = page.getByRole('table', { name: "Nodes' patch compliance" });
  await expect(table).toBeVisible();
  await expect(table.getByLabel('Loading')).toHaveCount(0);
  const badges = await table.getByTestId('node-compliance').allInnerTexts();
  expect(badges.every((b) => b === 'Not scanned')).toBe(true);
  if (badges.length === 0) {
    await expect(table).toContainText('No node matches.');
  }
  if (badges.length < 25) {
    await expect(page.getByTestId('count-not-scanned')).toHaveText(String(badges.length));
  }
  await expect(page.getByTestId('count-reporting')).toHaveText('0');
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs).toContainText('Patch Manager');
  await expect(crumbs).toContainText('Compliance');
  // Operators get the scan and install actions.
  const group = page.getByRole('group', { name: 'Patch group' });
  await expect(group.getByRole('button', { name: 'Scan now' })).toBeVisible();
  await expect(group.getByRole('button', { name: 'Install now' })).toBeVisible();
});

test('patch baselines: a Debian baseline from the rule builder, refusals explained, edit, default, patch group, delete', async ({ page }) => {
  test.setTimeout(120_000);
  let dialogs = 0;
  page.on('dialog', async (d) => {
    dialogs++;
    await d.dismiss();
  });
  await login(page, ADMIN_USER, ADMIN_PASSWORD);

  // The list: predefined baselines, with the default flag and the owner filter.
  await gotoHydrated(page, '/patch/baselines');
  await expect(sidebar(page).getByRole('link', { name: 'Patch baselines' })).toBeVisible();
  const predefined = page.locator(`tr[data-name="${DEBIAN_DEFAULT.name}"]`);
  await expect(predefined).toContainText('Debian');
  await expect(predefined).toContainText('AWS');
  await expect(predefined.getByTestId('default-cell')).toContainText('Default');
  await page.getByLabel('Owner').selectOption('Self');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/owner=Self/);
  await expect(predefined).toHaveCount(0);

  // The rule builder offers the operating system's filter keys and approval options.
  await page.getByRole('link', { name: 'Create baseline' }).click();
  await expect(page).toHaveURL(/\/patch\/baselines\/new$/);
  await page.getByLabel('Operating system').selectOption('REDHAT_ENTERPRISE_LINUX');
  await expect(rule(page, 1).getByLabel('Key').locator('option')).toHaveText(['PRODUCT', 'CLASSIFICATION', 'SEVERITY']);
  await expect(rule(page, 1).getByLabel('Approve after days')).toBeVisible();
  await page.getByLabel('Operating system').selectOption('DEBIAN');
  const r1 = rule(page, 1);
  await expect(r1.getByLabel('Key').locator('option')).toHaveText(['PRODUCT', 'PRIORITY', 'SECTION']);
  await expect(r1.getByLabel('Key')).toHaveValue('PRIORITY');
  await expect(r1.getByLabel('Approve after days')).toHaveCount(0);
  await expect(r1.getByTestId('apt-approval')).toContainText('no approval delay');

  const name = baselineName('deb');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description', { exact: true }).fill('<img src=x onerror=alert(1)> web servers');
  await r1.getByLabel('Required', { exact: true }).check();
  await r1.getByLabel('Important', { exact: true }).check();
  await r1.getByLabel('Compliance level').selectOption('HIGH');
  await r1.getByRole('button', { name: 'Add filter' }).click();
  await r1.getByLabel('Key').nth(1).selectOption('PRODUCT');
  await r1.getByLabel('Rule 1 filter 2: values').fill('Debian12');
  // A second rule, then removed again.
  await page.getByRole('button', { name: 'Add rule' }).click();
  await expect(rule(page, 2)).toBeVisible();
  await page.getByRole('button', { name: 'Remove Rule 2', exact: true }).click();
  await expect(rule(page, 2)).toHaveCount(0);
  // A version in a Debian list: the service refuses it, and the form says where and why.
  await page.getByLabel('Rejected patches', { exact: true }).fill('telnet=0.17');
  await page.getByRole('button', { name: 'Create baseline' }).click();
  const problems = page.getByTestId('baseline-error');
  await expect(problems).toContainText('Rejected patches, entry 1');
  await expect(problems).toContainText('package names only');
  await expect(problems).toContainText('RejectedPatches[0]');
  await expect(page).toHaveURL(/\/patch\/baselines\/new$/);
  await page.getByLabel('Rejected patches', { exact: true }).fill('telnet');
  await page.getByLabel('Rejected patches action').selectOption('BLOCK');
  await page.getByRole('button', { name: 'Create baseline' }).click();

  // Its page: rules, lists, no default flag yet; hostile text stays text.
  await page.waitForURL(/\/patch\/baselines\/pb-[0-9a-f]{17}$/);
  await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
  const id = (await page.getByTestId('baseline-id').innerText()).trim();
  const rules = page.getByRole('table', { name: 'Approval rules' });
  await expect(rules).toContainText('PRIORITY: Required, Important');
  await expect(rules).toContainText('PRODUCT: Debian12');
  await expect(rules).toContainText('HIGH');
  await expect(rules).toContainText('When published');
  await expect(page.getByTestId('rejected-patches')).toHaveText('telnet');
  await expect(page.getByText('BLOCK', { exact: true })).toBeVisible();
  await expect(page.getByText('<img src=x onerror=alert(1)> web servers')).toBeVisible();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.getByTestId('default-flag')).toHaveCount(0);
  await expect(page.getByTestId('baseline-owner')).toHaveText('Custom');
  // No node uses it yet: no effective patches.
  await expect(page.getByRole('table', { name: 'Effective patches' })).toContainText('No effective patches yet.');

  // Edit: the form starts from the baseline; a positive delay cannot even be asked for.
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(new RegExp(`/patch/baselines/${id}/edit$`));
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(rule(page, 1).getByLabel('Required', { exact: true })).toBeChecked();
  await expect(rule(page, 1).getByLabel('Rule 1 filter 2: values')).toHaveValue('Debian12');
  await page.getByLabel('Description', { exact: true }).fill('web servers');
  await page.getByRole('button', { name: 'Save baseline' }).click();
  await page.waitForURL(new RegExp(`/patch/baselines/${id}$`));
  await expect(page.getByText('web servers', { exact: true })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Approval rules' })).toContainText('PRIORITY: Required, Important');

  // A patch group: registered, listed on the groups page and the baseline's page; a
  // second Debian baseline for the same group is refused.
  const group = uniqueName('web');
  await registerGroup(page, group, id);
  const row = page.locator(`tr[data-group="${group}"]`);
  await expect(row).toContainText(name);
  await expect(row).toContainText('Debian');
  await expect(row.getByTestId('group-nodes')).toHaveText('0');
  const form = page.getByRole('region', { name: 'Register a patch group' });
  await form.getByRole('textbox', { name: 'Patch group', exact: true }).fill(group);
  await form.getByLabel('Baseline', { exact: true }).selectOption(DEBIAN_DEFAULT.id);
  await form.getByRole('button', { name: 'Register' }).click();
  await expect(form.getByRole('alert').filter({ hasText: 'already registered' })).toBeVisible();
  await row.getByRole('link', { name }).click();
  await expect(page.getByTestId('baseline-groups')).toContainText(group);

  // Default for Debian: the flag on the page and in the list.
  await page.getByRole('button', { name: 'Set as default for Debian' }).click();
  await expectToast(page, 'Default baseline changed.');
  await expect(page.getByTestId('default-flag')).toHaveText('Default for Debian');
  await gotoHydrated(page, '/patch/baselines?os=DEBIAN');
  await expect(page.locator(`tr[data-baseline="${id}"]`).getByTestId('default-cell')).toContainText('Default');
  await expect(page.locator(`tr[data-name="${DEBIAN_DEFAULT.name}"]`).getByTestId('default-cell')).toHaveText('');

  // Deleting is refused while the baseline serves a group, then while it is the default.
  await gotoHydrated(page, `/patch/baselines/${id}`);
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete this baseline' }).click();
  await expect(page.getByTestId('delete-error')).toContainText(`is registered for the patch group(s) ${group}`);
  await gotoHydrated(page, '/patch/groups');
  await page.getByRole('button', { name: `Deregister ${group} from ${name}` }).click();
  await expectToast(page, 'Patch group deregistered.');
  await expect(page.locator(`tr[data-group="${group}"]`)).toHaveCount(0);
  await gotoHydrated(page, `/patch/baselines/${id}`);
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete this baseline' }).click();
  await expect(page.getByTestId('delete-error')).toContainText('is the default baseline for DEBIAN');

  // The predefined baseline is read-only, but can be the default again.
  await gotoHydrated(page, `/patch/baselines/${DEBIAN_DEFAULT.id}`);
  await expect(page.getByTestId('baseline-owner')).toHaveText('Predefined (AWS)');
  await expect(page.getByRole('link', { name: 'Edit' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete…' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Tags' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Set as default for Debian' }).click();
  await expectToast(page, 'Default baseline changed.');
  await expect(page.getByTestId('default-flag')).toHaveText('Default for Debian');

  // Now it goes.
  await gotoHydrated(page, `/patch/baselines/${id}`);
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete this baseline' }).click();
  await page.waitForURL((u) => u.pathname === '/patch/baselines');
  await expect(page.locator(`tr[data-baseline="${id}"]`)).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the baseline form is a plain form: it posts and lands on the new baseline', async ({ page }) => {
    await page.goto('/patch/baselines/new');
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/patch/baselines/new');
    await expect(page.locator('html')).not.toHaveClass(/hydrated/);
    const name = baselineName('nojs');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await rule(page, 1).getByLabel('Required', { exact: true }).check();
    await page.getByLabel('Approved patches', { exact: true }).fill('openssl\nbash');
    await page.getByRole('button', { name: 'Create baseline' }).click();
    await page.waitForURL(/\/patch\/baselines\/pb-[0-9a-f]{17}$/);
    await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Approval rules' })).toContainText('PRIORITY: Required');
    await expect(page.getByTestId('approved-patches')).toContainText('openssl');
    await expect(page.getByTestId('approved-patches')).toContainText('bash');
  });
});

test('a real node in a patch group is scanned from the dashboard; its patch state and missing patches show', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  const name = baselineName('scan');
  const baselineId = await createDebianBaseline(page, name);
  const group = uniqueName('scan');
  await registerGroup(page, group, baselineId);

  // Enrol this machine (a Debian system) with the console's install line, as run-command.spec.ts does.
  await gotoHydrated(page, '/activations');
  await page.getByLabel('Default node name').fill('e2e-patch');
  await page.getByRole('button', { name: 'Create activation' }).click();
  const line = (await page.getByTestId('enrol-command').innerText()).trim();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-e2e-patch-'));
  let agent: ChildProcess | undefined;
  try {
    const out = execSync(`${line.replace('sudo ', '')} --no-systemd --prefix ${prefix}`, {
      shell: '/bin/sh',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    const id = out.match(/mi-[0-9a-f]{17}/)?.[0] ?? '';
    expect(id, out).toMatch(/^mi-[0-9a-f]{17}$/);
    agent = spawn(path.join(prefix, 'bin', 'bosun-agent'), ['run', '--state-dir', path.join(prefix, 'var', 'lib', 'bosun-agent')], {
      stdio: 'ignore',
    });

    // Online; before any scan the dashboard lists it as not scanned.
    await gotoHydrated(page, `/fleet/${id}`);
    await expect(page.getByTestId('ping-status')).toHaveText('Online', { timeout: 20_000 });
    await gotoHydrated(page, `/patch/compliance?status=not_scanned&q=${id}`);
    const unscanned = page.locator(`tr[data-node="${id}"]`);
    await expect(unscanned.getByTestId('node-compliance')).toHaveText('Not scanned');
    await expect(unscanned).toContainText('Never scanned');
    await expect(unscanned).toContainText('e2e-patch');

    // Tagged into the patch group on its page.
    await gotoHydrated(page, `/fleet/${id}`);
    await page.getByLabel('Tag key').fill('Patch Group');
    await page.getByLabel('Tag value').fill(group);
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expectToast(page, 'Tag saved.');

    // Before a scan, its patch page says so; its trail leads back to the dashboard.
    await page.getByTestId('node-patches-link').click();
    await expect(page).toHaveURL(new RegExp(`/patch/nodes/${id}$`));
    await expect(page.getByTestId('no-patch-state')).toBeVisible();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await expect(crumbs.getByRole('listitem')).toHaveText(['Overview', 'Patch Manager', 'Compliance', id]);
    await expect(crumbs.getByRole('link', { name: 'Compliance' })).toHaveAttribute('href', '/patch/compliance');

    // Scan the patch group from the dashboard: the command's page follows it.
    await gotoHydrated(page, '/patch/compliance');
    const byGroup = page.getByRole('group', { name: 'Patch group' });
    await byGroup.getByRole('combobox', { name: 'Patch group', exact: true }).fill(group);
    await byGroup.getByRole('button', { name: 'Scan now' }).click();
    await expect(page).toHaveURL(/\/commands\/[0-9a-f-]{36}$/);
    await expect(page.getByText('AWS-RunPatchBaseline').first()).toBeVisible();
    await expect(page.getByTestId('command-status')).toHaveText('Success', { timeout: 90_000 });

    // The node's patch state: its group, our baseline, a scan with missing patches.
    await gotoHydrated(page, `/patch/nodes/${id}`);
    await expect(page.getByTestId('node-operation')).toHaveText('Scan');
    await expect(page.getByTestId('node-patch-group')).toHaveText(group);
    await expect(page.getByTestId('node-baseline')).toHaveText(baselineId);
    await expect(page.getByTestId('node-compliance')).toHaveText('Non-compliant');
    const missing = Number((await page.getByTestId('count-missing').innerText()).trim());
    expect(missing).toBeGreaterThan(0);
    await page.getByRole('navigation', { name: 'Patch state' }).getByRole('link', { name: 'Missing' }).click();
    await expect(page).toHaveURL(/state=Missing/);
    const patches = page.getByRole('table', { name: 'Patches' });
    await expect(patches.getByTestId('patch-state-badge').first()).toHaveText('MISSING');
    const states = await patches.getByTestId('patch-state-badge').allInnerTexts();
    expect(states.length).toBe(Math.min(missing, 25));
    expect(new Set(states)).toEqual(new Set(['MISSING']));
    await expect(page.getByText(`1–${Math.min(missing, 25)} of ${missing}`)).toBeVisible();
    if (missing > 25) {
      // One page at a time: the next one continues where this one ended.
      const firstPage = await patches.locator('tr[data-kb]').first().getAttribute('data-kb');
      await page.getByRole('link', { name: 'Next' }).click();
      await expect(page).toHaveURL(/page=2/);
      await expect(page.getByText(`26–${Math.min(missing, 50)} of ${missing}`)).toBeVisible();
      await expect(patches.locator(`tr[data-kb="${firstPage}"]`)).toHaveCount(0);
      await expect(patches.getByTestId('patch-state-badge').first()).toHaveText('MISSING');
    }

    // The baseline approves every update: its effective patches are what the node
    // reported, each APPROVED, a page at a time.
    await page.getByTestId('node-baseline').click();
    await expect(page).toHaveURL(new RegExp(`/patch/baselines/${baselineId}$`));
    const effective = page.getByRole('table', { name: 'Effective patches' });
    await expect(effective.getByTestId('deployment-status').first()).toHaveText('APPROVED');
    const statuses = await effective.getByTestId('deployment-status').allInnerTexts();
    expect(new Set(statuses)).toEqual(new Set(['APPROVED']));
    await expect(page.getByText(new RegExp(`^1–${statuses.length} of \\d+$`))).toBeVisible();

    // The dashboard and the groups page count the node.
    await gotoHydrated(page, '/patch/compliance');
    await expect(page.getByTestId('count-reporting')).toHaveText('1');
    await expect(page.getByTestId('count-non-compliant')).toHaveText('1');
    await expect(page.getByTestId('count-missing')).toHaveText(String(missing));
    const nodeRow = page.locator(`tr[data-node="${id}"]`);
    await expect(nodeRow.getByTestId('node-compliance')).toHaveText('Non-compliant');
    await expect(nodeRow.getByTestId('node-missing')).toHaveText(String(missing));
    await expect(nodeRow).toContainText(group);
    await gotoHydrated(page, '/patch/groups');
    await expect(page.locator(`tr[data-group="${group}"]`).getByTestId('group-nodes')).toHaveText('1');

    // A viewer reads the node's patches but is offered no scan or install.
    const viewerName = uniqueName('patch-viewer');
    await createUserInConsole(page, viewerName, 'viewer');
    const context = await freshContext(browser);
    try {
      const viewer = await context.newPage();
      await login(viewer, viewerName, USER_PASSWORD);
      await gotoHydrated(viewer, `/patch/nodes/${id}`);
      await expect(viewer.getByTestId('node-operation')).toHaveText('Scan');
      await expect(viewer.getByRole('table', { name: 'Patches' })).toBeVisible();
      await expect(viewer.getByRole('button', { name: /Scan now|Install now/ })).toHaveCount(0);
      const forced = await forceServerFn(viewer, 'run_patch_baseline', { operation: 'Scan', [`instance_ids[${id}]`]: id });
      expect(forced.status, forced.body).toBe(403);
      expect(forced.body).toContain('not authorized to perform SendCommand');
    } finally {
      await context.close();
    }
  } finally {
    agent?.kill('SIGKILL');
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});

test('a viewer sees the patch pages without their actions; the server refuses them when forced', async ({ page, browser }) => {
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  const baselineName_ = baselineName('viewed');
  const baselineId = await createDebianBaseline(page, baselineName_);
  const viewerName = uniqueName('viewer');
  await createUserInConsole(page, viewerName, 'viewer');

  const context = await freshContext(browser);
  try {
    const viewer = await context.newPage();
    await login(viewer, viewerName, USER_PASSWORD);
    for (const link of ['Compliance', 'Patch baselines', 'Patch groups']) {
      await expect(sidebar(viewer).getByRole('link', { name: link, exact: true })).toBeVisible();
    }

    // The dashboard: counters and the fleet's table, no scan or install, no selection.
    await gotoHydrated(viewer, '/patch/compliance');
    await expect(viewer.getByRole('heading', { level: 1, name: 'Patch compliance' })).toBeVisible();
    await expect(viewer.getByTestId('count-nodes')).toBeVisible();
    await expect(viewer.getByRole('table', { name: "Nodes' patch compliance" })).toBeVisible();
    await expect(viewer.getByRole('button', { name: /Scan now|Install now/ })).toHaveCount(0);
    await expect(viewer.getByRole('checkbox')).toHaveCount(0);

    // Baselines: listed and readable, nothing to create, edit, delete or make default.
    await gotoHydrated(viewer, '/patch/baselines');
    await expect(viewer.locator(`tr[data-baseline="${baselineId}"]`)).toContainText(baselineName_);
    await expect(viewer.getByRole('link', { name: 'Create baseline' })).toHaveCount(0);
    await gotoHydrated(viewer, `/patch/baselines/${baselineId}`);
    await expect(viewer.getByRole('heading', { level: 2, name: baselineName_, exact: true })).toBeVisible();
    await expect(viewer.getByRole('table', { name: 'Effective patches' })).toBeVisible();
    await expect(viewer.getByRole('link', { name: 'Edit' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /Set as default|Delete/ })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Add tag' })).toHaveCount(0);
    for (const form of ['/patch/baselines/new', `/patch/baselines/${baselineId}/edit`]) {
      await gotoHydrated(viewer, form);
      await expect(viewer.getByRole('alert').filter({ hasText: 'You do not have access to this page.' })).toBeVisible();
      await expect(viewer.getByRole('button', { name: /Create baseline|Save baseline/ })).toHaveCount(0);
    }

    // Patch groups: the table, no registration form, no deregister buttons.
    await gotoHydrated(viewer, '/patch/groups');
    await expect(viewer.getByRole('table', { name: 'Patch groups' })).toBeVisible();
    await expect(viewer.getByRole('region', { name: 'Register a patch group' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /Deregister/ })).toHaveCount(0);

    // What the pages do not offer, the services refuse (and say why).
    const group = uniqueName('forced');
    const forced: [string, Record<string, string>][] = [
      ['run_patch_baseline', { operation: 'Scan', patch_group: group }],
      ['run_patch_baseline', { operation: 'Install', patch_group: group }],
      [
        'create_patch_baseline',
        { operating_system: 'DEBIAN', name: baselineName('forced'), description: '', approved_patches: '', rejected_patches: '' },
      ],
      [
        'update_patch_baseline',
        { baseline_id: baselineId, name: baselineName_, description: 'changed', approved_patches: '', rejected_patches: '' },
      ],
      ['set_default_patch_baseline', { baseline_id: baselineId }],
      ['delete_patch_baseline', { baseline_id: baselineId }],
      ['register_patch_group', { patch_group: group, baseline_id: baselineId }],
    ];
    for (const [endpoint, fields] of forced) {
      const res = await forceServerFn(viewer, endpoint, fields);
      expect(res.status, `${endpoint}: ${res.body}`).toBe(403);
      expect(res.body, endpoint).toContain('is not authorized to perform');
    }
  } finally {
    await context.close();
  }

  // Nothing changed.
  await gotoHydrated(page, `/patch/baselines/${baselineId}`);
  await expect(page.getByTestId('default-flag')).toHaveCount(0);
  await expect(page.getByText('changed', { exact: true })).toHaveCount(0);
  await gotoHydrated(page, '/patch/groups');
  await expect(page.getByRole('table', { name: 'Patch groups' }).getByRole('row').filter({ hasText: 'e2e-forced' })).toHaveCount(0);
});
