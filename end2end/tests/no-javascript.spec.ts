// The console is rendered on the server: it works before (or without) the wasm bundle.

import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, ADMIN_USER } from './fixtures';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the sign-in form is server-rendered and a plain form post signs in', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByLabel('User name')).toBeVisible();
    await expect(page.getByLabel('Password')).toBeVisible();
    // No wasm ran.
    await expect(page.locator('html')).not.toHaveClass(/hydrated/);

    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(page.getByText('Signed in as')).toBeVisible();
    await expect(page.locator('html')).not.toHaveClass(/hydrated/);

    // Signing out is a plain form too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await page.goto('/');
    await expect(page).toHaveURL('/login');
  });

  test('a wrong password comes back to the sign-in form with the error', async ({ page }) => {
    await page.goto('/login?next=%2Faccount');
    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill('not-the-admin-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // leptos_axum answers a failed plain form post with a redirect back to the form,
    // the error encoded in the URL, and the form shows it.
    await expect(page).toHaveURL(/\/login\?/);
    await expect(page.getByRole('alert')).toHaveText('Incorrect user name or password.');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });

  test('an admin page renders fully on the server', async ({ page }) => {
    await page.goto('/users');
    await expect(page).toHaveURL(/\/login\?next=/);
    await page.getByLabel('User name').fill(ADMIN_USER);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL((url) => url.pathname === '/users');
    await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
    // The table's rows come from the server too (the first cell of a row is the name).
    const table = page.getByRole('table', { name: 'Users' });
    await expect(table.getByRole('row').nth(1).getByRole('cell').first()).toHaveText(ADMIN_USER);
    await expect(table.getByText('1–')).toHaveCount(0); // pagination sits outside the table
    await expect(page.getByText(/^1–\d+ of \d+$/)).toBeVisible();
  });
});
