// Users and roles: the admin manages people in the console; what each role sees.

import { expect, test } from '@playwright/test';
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  USER_PASSWORD,
  createUserInConsole,
  freshContext,
  gotoHydrated,
  login,
  sidebar,
  uniqueName,
  userRow,
} from './fixtures';

const ADMIN_SECTIONS = ['Service settings', 'Users', 'Audit log'];

test('admin creates an operator, who signs in and sees no admin sections', async ({ page, browser }) => {
  const name = uniqueName('op');
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/users');
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText('Users');

  await createUserInConsole(page, name, 'operator');
  const row = userRow(page, name);
  await expect(row.getByRole('combobox', { name: `Role of ${name}` })).toHaveValue('operator');
  await expect(row).toContainText('active');
  await expect(row.getByRole('button', { name: `Disable ${name}` })).toBeVisible();

  // The operator, at another browser.
  const context = await freshContext(browser);
  try {
    const op = await context.newPage();
    await login(op, name, USER_PASSWORD);
    await expect(op).toHaveURL('/');
    await expect(op.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    const topbar = op.getByRole('banner');
    await expect(topbar.getByText(name, { exact: true })).toBeVisible();
    await expect(topbar.getByText('operator', { exact: true })).toBeVisible();

    await expect(sidebar(op).getByRole('link', { name: 'Overview', exact: true })).toBeVisible();
    await expect(sidebar(op).getByRole('link', { name: 'My account', exact: true })).toBeVisible();
    for (const section of ADMIN_SECTIONS) {
      await expect(sidebar(op).getByRole('link', { name: section, exact: true })).toHaveCount(0);
    }
  } finally {
    await context.close();
  }
});

test('a viewer cannot open the admin pages and does not see them in the sidebar', async ({ page, browser }) => {
  const name = uniqueName('viewer');
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await createUserInConsole(page, name, 'viewer');
  await expect(userRow(page, name).getByRole('combobox', { name: `Role of ${name}` })).toHaveValue('viewer');

  const context = await freshContext(browser);
  try {
    const viewer = await context.newPage();
    await login(viewer, name, USER_PASSWORD);
    await expect(viewer.getByRole('banner').getByText('viewer', { exact: true })).toBeVisible();
    for (const section of ADMIN_SECTIONS) {
      await expect(sidebar(viewer).getByRole('link', { name: section, exact: true })).toHaveCount(0);
    }

    for (const [path, title] of [
      ['/users', 'Users'],
      ['/audit', 'Audit log'],
      ['/settings', 'Service settings'],
    ]) {
      await gotoHydrated(viewer, path);
      await expect(viewer).toHaveURL(path);
      await expect(viewer.getByRole('heading', { level: 1, name: title })).toBeVisible();
      await expect(viewer.getByRole('alert').filter({ hasText: 'You do not have access to this page.' })).toBeVisible();
      // Nothing of the page itself leaks.
      await expect(viewer.getByRole('table')).toHaveCount(0);
      await expect(viewer.getByRole('button', { name: /Create user|Save|Reset/ })).toHaveCount(0);
    }
  } finally {
    await context.close();
  }
});
