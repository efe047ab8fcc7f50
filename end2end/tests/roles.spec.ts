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
  dismissToasts,
  expectToast,
  waitForHydration,
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

test('the create-user form reports mistakes next to the fields', async ({ page }) => {
  const name = uniqueName('typo');
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/users');
  const form = page.getByRole('region', { name: 'Create a user' });

  // The two passwords differ: the service says so at the second field.
  await form.getByLabel('User name').fill(name);
  await form.getByLabel('Password', { exact: true }).fill(USER_PASSWORD);
  await form.getByLabel('Repeat the password').fill(`${USER_PASSWORD}-other`);
  await form.getByRole('button', { name: 'Create user' }).click();
  const repeat = form.getByLabel('Repeat the password');
  await expect(repeat).toHaveAttribute('aria-invalid', 'true');
  await expect(repeat).toHaveAccessibleDescription('The two passwords differ.');
  await expect(userRow(page, name)).toHaveCount(0);

  // A name that is taken.
  await form.getByLabel('User name').fill(ADMIN_USER);
  await form.getByLabel('Password', { exact: true }).fill(USER_PASSWORD);
  await form.getByLabel('Repeat the password').fill(USER_PASSWORD);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(form.getByText(`A user named ${ADMIN_USER} already exists.`)).toBeVisible();
  await expect(repeat).not.toHaveAttribute('aria-invalid', 'true');
});

test('disabling a user ends their session and stops sign-in; enabling lets them back', async ({ page, browser }) => {
  const name = uniqueName('temp');
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await createUserInConsole(page, name, 'viewer');

  const context = await freshContext(browser);
  try {
    const user = await context.newPage();
    await login(user, name, USER_PASSWORD);

    // The admin promotes them to operator, then disables them.
    const row = userRow(page, name);
    await row.getByRole('combobox', { name: `Role of ${name}` }).selectOption('operator');
    await row.getByRole('button', { name: 'Change role' }).click();
    await expectToast(page, 'Role changed.');
    await expect(row.getByRole('combobox', { name: `Role of ${name}` })).toHaveValue('operator');

    await dismissToasts(page);
    await row.getByRole('button', { name: `Disable ${name}` }).click();
    await expectToast(page, 'User updated.');
    await expect(row).toContainText('disabled');
    await expect(row.getByRole('button', { name: `Enable ${name}` })).toBeVisible();

    // Their open session is over...
    await user.goto('/account');
    await expect(user).toHaveURL(/\/login\?next=/);
    // ...and they cannot sign in again.
    await waitForHydration(user);
    await user.getByLabel('User name').fill(name);
    await user.getByLabel('Password').fill(USER_PASSWORD);
    await user.getByRole('button', { name: 'Sign in' }).click();
    await expect(user.getByRole('alert')).toHaveText('Incorrect user name or password.');

    await dismissToasts(page);
    await row.getByRole('button', { name: `Enable ${name}` }).click();
    await expectToast(page, 'User updated.');
    await expect(row).toContainText('active');

    await login(user, name, USER_PASSWORD);
    await expect(user).toHaveURL('/account');
    await expect(user.getByRole('banner').getByText('operator', { exact: true })).toBeVisible();
  } finally {
    await context.close();
  }
});
