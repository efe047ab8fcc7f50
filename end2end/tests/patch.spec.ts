// Patch Manager in the console: the compliance dashboard's empty state, a custom Debian
// baseline built with the rule builder (only apt filter keys, no approval delay), the
// service's validation problems shown next to the form, editing, the default flag,
// patch groups, a deletion refused while the baseline is in use; the form posted without
// JavaScript; and a real agent's node, tagged into a patch group, scanned from the
// dashboard, with its missing patches on its page.

import { expect, test, type Page } from '@playwright/test';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USER, expectToast, gotoHydrated, login, sidebar, uniqueName } from './fixtures';

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
  await expect(page.getByRole('table', { name: "Nodes' patch compliance" })).toContainText('No node matches.');
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

test('a real node in a patch group is scanned from the dashboard; its patch state and missing patches show', async ({ page }) => {
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

    // Online, then tagged into the patch group on its page.
    await gotoHydrated(page, `/fleet/${id}`);
    await expect(page.getByTestId('ping-status')).toHaveText('Online', { timeout: 20_000 });
    await page.getByLabel('Tag key').fill('Patch Group');
    await page.getByLabel('Tag value').fill(group);
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expectToast(page, 'Tag saved.');

    // Before a scan, its patch page says so.
    await page.getByTestId('node-patches-link').click();
    await expect(page).toHaveURL(new RegExp(`/patch/nodes/${id}$`));
    await expect(page.getByTestId('no-patch-state')).toBeVisible();

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
  } finally {
    agent?.kill('SIGKILL');
    fs.rmSync(prefix, { recursive: true, force: true });
  }
});
