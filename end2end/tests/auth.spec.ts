// Signing in and out of the console.

import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, ADMIN_USER, gotoHydrated, login, sidebar } from './fixtures';

test.describe('sign-in', () => {
  test('admin signs in and sees the Overview', async ({ page }) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);

    await expect(page).toHaveURL('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page).toHaveTitle('Overview · Bosun');
    // The top bar names the signed-in user and their role.
    const topbar = page.getByRole('banner');
    await expect(topbar.getByText(ADMIN_USER, { exact: true }).first()).toBeVisible();
    await expect(topbar.getByRole('button', { name: 'Sign out' })).toBeVisible();
    // The overview's own summary agrees.
    await expect(page.getByText('Signed in as')).toBeVisible();
    await expect(page.getByText('sqlite', { exact: true })).toBeVisible();
    // An admin sees every section.
    for (const section of ['Overview', 'Fleet', 'Activations', 'Service settings', 'Users', 'Audit log', 'My account']) {
      await expect(sidebar(page).getByRole('link', { name: section, exact: true })).toBeVisible();
    }
  });

  test('a wrong password shows an error and stays on /login', async ({ page }) => {
    await gotoHydrated(page, '/login');
    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill('not-the-admin-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByRole('alert')).toHaveText('Incorrect user name or password.');
    await expect(page).toHaveURL(/\/login(\?|$)/);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
    // Still signed out: the console sends us back to the sign-in page.
    await page.goto('/');
    await expect(page).toHaveURL('/login');
  });

  test('signing out returns to /login and ends the session', async ({ page }) => {
    await login(page, ADMIN_USER, ADMIN_PASSWORD);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('User name')).toBeVisible();

    // The session is gone on the server too, not just in the page.
    const response = await page.request.get('/', { maxRedirects: 0 });
    expect(response.status()).toBe(303);
    expect(response.headers()['location']).toBe('/login');
    await page.goto('/');
    await expect(page).toHaveURL('/login');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });

  test('an unauthenticated visit to /users comes back there after signing in', async ({ page }) => {
    const response = await page.request.get('/users', { maxRedirects: 0 });
    expect(response.status()).toBe(303);

    await page.goto('/users');
    const url = new URL(page.url());
    expect(url.pathname).toBe('/login');
    expect(url.searchParams.get('next')).toBe('/users');
    await waitForLoginForm(page);

    await login(page, ADMIN_USER, ADMIN_PASSWORD);
    await expect(page).toHaveURL('/users');
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Users' })).toBeVisible();
  });
});

async function waitForLoginForm(page: import('@playwright/test').Page) {
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}
