// Shared settings and helpers for the Bosun console tests.

import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SSMClient } from '@aws-sdk/client-ssm';

export const PORT = Number(process.env.BOSUN_E2E_PORT ?? 18471);
export const BASE_URL = `http://127.0.0.1:${PORT}`;

/** The first admin, created by the server on first start from BOSUN_ADMIN_PASSWORD. */
export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'e2e-admin-password-7Kq2';

/** A password good enough for test users (the console needs at least 12 characters). */
export const USER_PASSWORD = 'e2e-user-password-9Xr4';

export type Role = 'admin' | 'operator' | 'viewer';

/** A user name no other test (or earlier run against the same server) uses. */
export function uniqueName(prefix: string): string {
  const rand = Math.random().toString(36).slice(2, 7);
  return `e2e-${prefix}-${Date.now().toString(36)}-${rand}`;
}

/** Waits until the wasm bundle has taken over the server-rendered page. */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveClass(/(^|\s)hydrated(\s|$)/, { timeout: 45_000 });
}

/** Navigates to `path` and waits for hydration (clicks before it are lost). */
export async function gotoHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

/**
 * Signs in through the login form. Starts at `/login` unless the page is already
 * there (e.g. after a redirect carrying `next`). Waits until the page has left
 * /login and the console has hydrated again.
 */
export async function login(page: Page, user: string, password: string): Promise<void> {
  if (new URL(page.url(), BASE_URL).pathname !== '/login') {
    await gotoHydrated(page, '/login');
  } else {
    await waitForHydration(page);
  }
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await waitForHydration(page);
}

/** A new, cookie-less browser context (another person at another browser). */
export async function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: BASE_URL });
}

/** The sidebar's navigation. */
export function sidebar(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

/** The toast region (role=status, aria-live). */
export function toasts(page: Page) {
  return page.locator('.toasts');
}

/** Expects a toast with `text` in the status region (the newest, if several say so). */
export async function expectToast(page: Page, text: string): Promise<void> {
  await expect(toasts(page).getByText(text, { exact: true }).last()).toBeVisible();
}

/** Closes every toast with its Dismiss button, so the next action's toast stands alone. */
export async function dismissToasts(page: Page): Promise<void> {
  const close = toasts(page).getByRole('button', { name: 'Dismiss' });
  for (let i = 0; i < 10 && (await close.count()) > 0; i++) {
    // A toast may leave by itself (after 6 s) while we reach for it.
    await close.first().click({ timeout: 2_000 }).catch(() => undefined);
  }
  await expect(close).toHaveCount(0);
}

/** The row of the users table that lists `name`. */
export function userRow(page: Page, name: string) {
  return page
    .getByRole('table', { name: 'Users' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
}

/**
 * Creates a user through the console's "Create a user" form. The page must be signed in
 * as an admin; it ends on /users with the new user in the table.
 */
export async function createUserInConsole(page: Page, name: string, role: Role, password = USER_PASSWORD): Promise<void> {
  if (new URL(page.url()).pathname !== '/users') {
    await gotoHydrated(page, '/users');
  }
  const form = page.getByRole('region', { name: 'Create a user' });
  await form.getByLabel('User name').fill(name);
  await form.getByLabel('Role').selectOption(role);
  await form.getByLabel('Password', { exact: true }).fill(password);
  await form.getByLabel('Repeat the password').fill(password);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expectToast(page, 'User created.');
  await expect(userRow(page, name)).toBeVisible();
}

/**
 * Creates an access key on /account for the signed-in user and returns the id and the
 * secret the page shows once.
 */
export async function createAccessKeyInConsole(page: Page, description: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  await gotoHydrated(page, '/account');
  const keys = page.getByRole('region', { name: 'Access keys' });
  await keys.getByLabel('Description').fill(description);
  await keys.getByRole('button', { name: 'Create access key' }).click();
  const idEl = page.getByTestId('new-access-key-id');
  const secretEl = page.getByTestId('new-secret-access-key');
  await expect(idEl).toBeVisible();
  await expect(secretEl).toBeVisible();
  const accessKeyId = (await idEl.innerText()).trim();
  const secretAccessKey = (await secretEl.innerText()).trim();
  expect(accessKeyId).toMatch(/^[A-Z0-9]{16,128}$/);
  expect(secretAccessKey.length).toBeGreaterThanOrEqual(20);
  // The key is listed (with its description) in the table of keys.
  const row = page.getByRole('table', { name: 'Your access keys' }).getByRole('row').filter({ hasText: accessKeyId });
  await expect(row).toContainText(description);
  return { accessKeyId, secretAccessKey };
}

/** An AWS SDK client for Bosun's API, signing as the given key. */
export function ssmClient(credentials: { accessKeyId: string; secretAccessKey: string }): SSMClient {
  return new SSMClient({
    endpoint: BASE_URL,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
}
