// Parameter Store in the console: the hierarchy, SecureStrings that stay masked until
// revealed, versions with a diff, labels, inline validation, and what a viewer may not do.

import { expect, test, type Page } from '@playwright/test';
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

type NewParameter = {
  name: string;
  type?: 'String' | 'StringList' | 'SecureString';
  value: string;
  description?: string;
  allowedPattern?: string;
};

/** Waits until the page shows the parameter `name`. */
async function expectParameterPage(page: Page, name: string): Promise<void> {
  await page.waitForURL((u) => u.pathname === '/parameters/view' && u.searchParams.get('name') === name);
  await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
}

/** Creates a parameter through the console's form; ends on the parameter's page. */
async function createParameter(page: Page, p: NewParameter): Promise<void> {
  await gotoHydrated(page, '/parameters/new');
  await page.getByLabel('Name', { exact: true }).fill(p.name);
  await page.getByLabel('Type', { exact: true }).selectOption(p.type ?? 'String');
  await page.getByLabel('Value', { exact: true }).fill(p.value);
  if (p.description) await page.getByLabel('Description', { exact: true }).fill(p.description);
  if (p.allowedPattern) await page.getByLabel('Allowed pattern', { exact: true }).fill(p.allowedPattern);
  await page.getByRole('button', { name: 'Create parameter' }).click();
  await expectParameterPage(page, p.name);
}

function tableRow(page: Page, name: string) {
  return page.getByRole('table', { name: 'Parameters' }).locator(`tr[data-parameter="${name}"]`);
}

test('parameters: a hierarchy to browse, search and filter; hostile text stays text; delete', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', async (d) => {
    dialogs++;
    await d.dismiss();
  });
  const root = `/${uniqueName('ps')}`;
  const host = `${root}/app/db/host`;
  const port = `${root}/app/db/port`;
  const hosts = `${root}/app/web/hosts`;
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/parameters');
  await expect(sidebar(page).getByRole('link', { name: 'Parameter Store' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Parameter Store' })).toBeVisible();

  await createParameter(page, { name: host, value: 'db.internal', description: '<img src=x onerror=alert(1)>' });
  await expect(page.getByTestId('parameter-value')).toHaveText('db.internal');
  await expect(page.getByTestId('parameter-version')).toHaveText('1');
  await expect(page.getByRole('definition').filter({ hasText: '<img src=x onerror=alert(1)>' })).toBeVisible();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await createParameter(page, { name: port, value: '5432' });
  // StringList: the form says how to write it; the page counts the items.
  await gotoHydrated(page, '/parameters/new');
  await page.getByLabel('Type', { exact: true }).selectOption('StringList');
  await expect(page.getByTestId('value-hint')).toContainText('Comma-separated');
  await createParameter(page, { name: hosts, type: 'StringList', value: 'web-1,web-2,web-3' });
  await expect(page.getByText('3 item(s), separated by commas.')).toBeVisible();

  // The tree: every level of the hierarchy; a path lists what is directly in it.
  await gotoHydrated(page, '/parameters');
  const tree = page.getByRole('navigation', { name: 'Parameter paths' });
  for (const p of [root, `${root}/app`, `${root}/app/db`, `${root}/app/web`]) {
    await expect(tree.getByRole('link', { name: p, exact: true })).toBeVisible();
  }
  await tree.getByRole('link', { name: `${root}/app/db`, exact: true }).click();
  await expect(page.getByTestId('current-path')).toContainText(`${root}/app/db`);
  await expect(tableRow(page, host)).toBeVisible();
  await expect(tableRow(page, port)).toBeVisible();
  await expect(tableRow(page, hosts)).toHaveCount(0);
  await expect(tableRow(page, host)).toContainText('String');
  await expect(tableRow(page, host)).toContainText('Standard');
  await expect(tableRow(page, host)).toContainText('admin');
  await tree.getByRole('link', { name: `${root}/app/web`, exact: true }).click();
  await expect(tableRow(page, hosts)).toBeVisible();
  await expect(tableRow(page, host)).toHaveCount(0);
  // A path with nothing directly in it.
  await tree.getByRole('link', { name: `${root}/app`, exact: true }).click();
  await expect(page.getByText('No parameters match.')).toBeVisible();

  // Search (name contains) and a type filter, from all parameters.
  await page.getByRole('link', { name: 'All parameters' }).click();
  await page.getByRole('searchbox', { name: 'Name contains' }).fill(`${root.slice(1)}/app`);
  await page.getByLabel('Type', { exact: true }).selectOption('StringList');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/type=StringList/);
  await expect(tableRow(page, hosts)).toBeVisible();
  await expect(tableRow(page, host)).toHaveCount(0);
  await page.getByLabel('Type', { exact: true }).selectOption('');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(tableRow(page, host)).toBeVisible();
  await expect(tableRow(page, hosts)).toBeVisible();

  // A String edited to version 2: the diff (v1 → v2) shows the change.
  await tableRow(page, host).getByRole('link', { name: host }).click();
  await expectParameterPage(page, host);
  await page.getByLabel('Value', { exact: true }).fill('db2.internal');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expectToast(page, 'Version 2 saved.');
  await expect(page.getByTestId('parameter-version')).toHaveText('2');
  await expect(page.getByTestId('diff')).toContainText('- db.internal');
  await expect(page.getByTestId('diff')).toContainText('+ db2.internal');

  // Delete takes a confirmation and returns to the list.
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete this parameter' }).click();
  await expect(page).toHaveURL(/\/parameters$/);
  await expect(tableRow(page, port)).toBeVisible();
  await expect(tableRow(page, host)).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test('parameters: a SecureString stays masked until Reveal; version 2, diff after reveal; labels attach, move, detach', async ({ page }) => {
  const name = `/${uniqueName('ps')}/secret/token`;
  const secret1 = `first-${Math.random().toString(36).slice(2, 10)}`;
  const secret2 = `second-${Math.random().toString(36).slice(2, 10)}`;
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/parameters/new');
  await page.getByLabel('Type', { exact: true }).selectOption('SecureString');
  await expect(page.getByLabel('Value', { exact: true })).toHaveAttribute('type', 'password');
  await expect(page.getByLabel('KMS key ID')).toHaveValue('alias/aws/ssm');
  await createParameter(page, { name, type: 'SecureString', value: secret1 });

  // Neither the rendered page nor the live document holds the value before Reveal.
  const href = new URL(page.url()).pathname + new URL(page.url()).search;
  const served = await (await page.request.get(href)).text();
  expect(served).toContain(name);
  expect(served).not.toContain(secret1);
  await expect(page.getByTestId('parameter-value')).toHaveText('••••••••');
  expect(await page.content()).not.toContain(secret1);
  await expect(page.getByText('alias/aws/ssm', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Reveal', exact: true }).click();
  await expect(page.getByTestId('parameter-value')).toHaveText(secret1);
  await page.getByRole('button', { name: 'Hide', exact: true }).click();
  await expect(page.getByTestId('parameter-value')).toHaveText('••••••••');

  // Version 2: the secret is typed again (the form never holds it).
  await expect(page.getByLabel('Value', { exact: true })).toHaveValue('');
  await page.getByLabel('Value', { exact: true }).fill(secret2);
  await page.getByLabel('Description', { exact: true }).fill('rotated');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expectToast(page, 'Version 2 saved.');
  await expect(page.getByTestId('parameter-version')).toHaveText('2');
  expect(await page.content()).not.toContain(secret2);

  // The diff of two SecureString versions needs a reveal.
  const compare = page.getByRole('region', { name: 'Compare versions', exact: true });
  await expect(compare.getByLabel('From')).toHaveValue('1');
  await expect(compare.getByLabel('To')).toHaveValue('2');
  await compare.getByRole('button', { name: 'Reveal to compare' }).click();
  await expect(compare.getByTestId('diff')).toContainText(`- ${secret1}`);
  await expect(compare.getByTestId('diff')).toContainText(`+ ${secret2}`);

  // Labels: attach to version 1, move to version 2, detach.
  const versions = page.getByRole('region', { name: 'Versions', exact: true });
  const v1 = versions.locator('tr[data-version="1"]');
  const v2 = versions.locator('tr[data-version="2"]');
  await expect(v2).toContainText('rotated');
  await versions.getByLabel('Label', { exact: true }).fill('prod');
  await versions.getByLabel('Version', { exact: true }).selectOption('1');
  await versions.getByRole('button', { name: 'Attach label' }).click();
  await expectToast(page, 'Label attached.');
  await expect(v1.getByTestId('version-labels')).toContainText('prod');
  await versions.getByLabel('Label', { exact: true }).fill('prod');
  await versions.getByLabel('Version', { exact: true }).selectOption('2');
  await versions.getByRole('button', { name: 'Attach label' }).click();
  await expect(v2.getByTestId('version-labels')).toContainText('prod');
  await expect(v1.getByTestId('version-labels')).not.toContainText('prod');
  await versions.getByRole('button', { name: 'Detach label prod from version 2' }).click();
  await expectToast(page, 'Label detached.');
  await expect(v2.getByTestId('version-labels')).not.toContainText('prod');
  // A label the service refuses is explained next to the field.
  await versions.getByLabel('Label', { exact: true }).fill('1bad');
  await versions.getByRole('button', { name: 'Attach label' }).click();
  await expect(page.locator('#field-label-error')).toContainText('cannot begin with a digit');
});

test('parameters: mistakes are reported next to the field', async ({ page }) => {
  const root = `/${uniqueName('ps')}`;
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/parameters/new');
  await page.getByLabel('Name', { exact: true }).fill('/aws/x');
  await page.getByLabel('Value', { exact: true }).fill('v');
  await page.getByRole('button', { name: 'Create parameter' }).click();
  await expect(page.locator('#field-name-error')).toContainText('reserved parameter name');
  await expect(page.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Name', { exact: true }).fill(`${root}/port`);
  await page.getByLabel('Allowed pattern', { exact: true }).fill('^[0-9]+$');
  await page.getByLabel('Value', { exact: true }).fill('not-a-number');
  await page.getByRole('button', { name: 'Create parameter' }).click();
  await expect(page.locator('#field-value-error')).toContainText('allowed pattern');
  await expect(page.locator('#field-name-error')).toBeEmpty();

  await page.getByLabel('Value', { exact: true }).fill('8080');
  await page.getByLabel('Policies (JSON)').fill('{"not": "an array"}');
  await page.getByRole('button', { name: 'Create parameter' }).click();
  await expect(page.locator('#field-policies-error')).toContainText('JSON array');

  await page.getByLabel('Policies (JSON)').fill('');
  await page.getByRole('button', { name: 'Create parameter' }).click();
  await expectParameterPage(page, `${root}/port`);
  await expect(page.getByTestId('parameter-value')).toHaveText('8080');
});

test('parameters: a viewer reads but cannot reveal a SecureString or change anything', async ({ page, browser }) => {
  const name = `/${uniqueName('ps')}/viewer/secret`;
  const secret = `hidden-${Math.random().toString(36).slice(2, 10)}`;
  const viewerName = uniqueName('viewer');
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await createParameter(page, { name, type: 'SecureString', value: secret });
  await createUserInConsole(page, viewerName, 'viewer');

  const context = await freshContext(browser);
  try {
    const viewer = await context.newPage();
    await login(viewer, viewerName, USER_PASSWORD);
    await expect(sidebar(viewer).getByRole('link', { name: 'Parameter Store' })).toBeVisible();
    await gotoHydrated(viewer, '/parameters');
    await expect(viewer.getByRole('link', { name: 'Create parameter' })).toHaveCount(0);
    await gotoHydrated(viewer, `/parameters/view?name=${name}`);
    await expectParameterPage(viewer, name);
    await expect(viewer.getByTestId('parameter-value')).toHaveText('••••••••');
    await viewer.getByRole('button', { name: 'Reveal', exact: true }).click();
    await expect(viewer.getByTestId('reveal-error')).toContainText('not authorized');
    await expect(viewer.getByTestId('parameter-value')).toHaveText('••••••••');
    expect(await viewer.content()).not.toContain(secret);
    await expect(viewer.getByRole('button', { name: 'Save new version' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Attach label' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Delete…' })).toHaveCount(0);
  } finally {
    await context.close();
  }
});
