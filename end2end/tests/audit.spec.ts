// The audit log records console sign-ins and setting changes.

import { expect, test } from '@playwright/test';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  USER_PASSWORD,
  createUserInConsole,
  expectToast,
  freshContext,
  gotoHydrated,
  login,
  uniqueName,
} from './fixtures';

const THROUGHPUT = '/ssm/parameter-store/high-throughput-enabled';

test('the audit log shows a sign-in and a setting change', async ({ page, browser }) => {
  // A second admin of our own, so this test's entries are easy to single out.
  const name = uniqueName('auditor');
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await createUserInConsole(page, name, 'admin');

  const context = await freshContext(browser);
  try {
    const other = await context.newPage();
    await login(other, name, USER_PASSWORD);
    await gotoHydrated(other, '/settings');
    const row = other.locator(`tr[data-setting="${THROUGHPUT}"]`);
    await row.getByLabel(`New value for ${THROUGHPUT}`).selectOption('true');
    await row.getByRole('button', { name: 'Save' }).click();
    await expectToast(other, 'Setting saved.');
    await expect(row.getByTestId('setting-value')).toHaveText('true');
    await row.getByRole('button', { name: 'Reset' }).click();
    await expectToast(other, 'Setting reset to its default.');
    await expect(row.getByTestId('setting-value')).toHaveText('false');
  } finally {
    await context.close();
  }

  // Back as the first admin: the log, searched for the new admin.
  await gotoHydrated(page, '/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search who, action, resource' }).fill(name);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?q=${name}`));

  const table = page.getByRole('table', { name: 'Audit log' });
  const rows = table.getByRole('row');
  const signIn = rows.filter({ has: page.getByRole('cell', { name: 'SignIn', exact: true }) });
  await expect(signIn).toHaveCount(1);
  await expect(signIn).toContainText(name);
  await expect(signIn).toContainText(`user/${name}`);
  await expect(signIn).toContainText('console');
  await expect(signIn).toContainText('success');

  const update = rows.filter({ has: page.getByRole('cell', { name: 'UpdateServiceSetting', exact: true }) });
  await expect(update).toHaveCount(1);
  await expect(update).toContainText(name);
  await expect(update).toContainText(THROUGHPUT);
  await expect(update).toContainText('false -> true');
  await expect(update).toContainText('success');

  const reset = rows.filter({ has: page.getByRole('cell', { name: 'ResetServiceSetting', exact: true }) });
  await expect(reset).toHaveCount(1);
  await expect(reset).toContainText(THROUGHPUT);

  // The admin who created the user appears too (the resource names the new user).
  const created = rows.filter({ has: page.getByRole('cell', { name: 'CreateUser', exact: true }) });
  await expect(created).toHaveCount(1);
  await expect(created).toContainText(ADMIN_USER);
  await expect(created).toContainText('role admin');

  // Filters narrow the list further, still driven by the URL.
  await page.getByRole('combobox', { name: 'Via' }).selectOption('console');
  await page.getByRole('combobox', { name: 'Outcome' }).selectOption('success');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/source=console/);
  await expect(signIn).toHaveCount(1);
  await expect(update).toHaveCount(1);
});
