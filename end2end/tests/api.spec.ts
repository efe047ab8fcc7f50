// Access keys made in the console sign AWS SDK calls; settings changed in the console
// are what the API reads.

import { expect, test, type Page } from '@playwright/test';
import {
  GetServiceSettingCommand,
  ResetServiceSettingCommand,
  UpdateServiceSettingCommand,
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
  ssmClient,
  uniqueName,
} from './fixtures';

const TIER = '/ssm/parameter-store/default-parameter-tier';
const THROUGHPUT = '/ssm/parameter-store/high-throughput-enabled';

/** Deletes the access key `id` on /account (the page must be signed in as its owner). */
async function deleteAccessKeyInConsole(page: Page, id: string): Promise<void> {
  await gotoHydrated(page, '/account');
  await page.getByRole('button', { name: `Delete ${id}` }).click();
  await expectToast(page, 'Access key deleted.');
  await expect(page.getByRole('table', { name: 'Your access keys' }).getByRole('cell', { name: id, exact: true })).toHaveCount(0);
}

/** The row of the service settings table for `id`. */
function settingRow(page: Page, id: string) {
  return page.locator(`tr[data-setting="${id}"]`);
}

test('an access key from the console signs SDK calls; a viewer key may not change settings', async ({ page, browser }) => {
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  const adminKey = await createAccessKeyInConsole(page, `e2e admin key ${Date.now()}`);

  const admin = ssmClient(adminKey);
  try {
    const got = await admin.send(new GetServiceSettingCommand({ SettingId: TIER }));
    expect(got.ServiceSetting?.SettingId).toBe(TIER);
    expect(['Standard', 'Advanced', 'Intelligent-Tiering']).toContain(got.ServiceSetting?.SettingValue);
    expect(got.ServiceSetting?.ARN).toContain(`:servicesetting${TIER}`);
  } finally {
    admin.destroy();
  }

  // A viewer, created through the console, with a key made in their own console.
  const name = uniqueName('viewer-key');
  await createUserInConsole(page, name, 'viewer');
  const context = await freshContext(browser);
  try {
    const vpage = await context.newPage();
    await login(vpage, name, USER_PASSWORD);
    const viewerKey = await createAccessKeyInConsole(vpage, 'e2e viewer key');
    const viewer = ssmClient(viewerKey);
    try {
      // Reading is allowed...
      const got = await viewer.send(new GetServiceSettingCommand({ SettingId: THROUGHPUT }));
      expect(got.ServiceSetting?.SettingValue).toBe('false');
      // ...changing is not.
      const err = await viewer
        .send(new UpdateServiceSettingCommand({ SettingId: THROUGHPUT, SettingValue: 'true' }))
        .then(() => null, (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
      expect(err, 'UpdateServiceSetting as a viewer must fail').not.toBeNull();
      expect(err!.name).toBe('AccessDeniedException');
      expect(err!.$metadata?.httpStatusCode).toBe(400);
    } finally {
      viewer.destroy();
    }
  } finally {
    await context.close();
  }

  // Nothing changed.
  const admin2 = ssmClient(adminKey);
  try {
    const got = await admin2.send(new GetServiceSettingCommand({ SettingId: THROUGHPUT }));
    expect(got.ServiceSetting?.SettingValue).toBe('false');
  } finally {
    admin2.destroy();
  }

  // Deleting the key in the console revokes it for the API.
  await deleteAccessKeyInConsole(page, adminKey.accessKeyId);
  const revoked = ssmClient(adminKey);
  try {
    const err = await revoked.send(new GetServiceSettingCommand({ SettingId: TIER })).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('UnrecognizedClientException');
  } finally {
    revoked.destroy();
  }
});

test('a setting changed and reset in the console is what the API reads', async ({ page }) => {
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  const key = await createAccessKeyInConsole(page, `e2e settings key ${Date.now()}`);
  const ssm = ssmClient(key);
  try {
    await gotoHydrated(page, '/settings');
    await expect(page.getByRole('heading', { level: 1, name: 'Service settings' })).toBeVisible();
    const row = settingRow(page, TIER);
    await expect(row.getByTestId('setting-value')).toHaveText('Standard');
    await expect(row.getByRole('button', { name: 'Reset' })).toBeDisabled();

    await row.getByLabel(`New value for ${TIER}`).selectOption('Advanced');
    await row.getByRole('button', { name: 'Save' }).click();
    await expectToast(page, 'Setting saved.');
    await expect(row.getByTestId('setting-value')).toHaveText('Advanced');
    await expect(row).toContainText('Customized');
    await expect(row).toContainText(ADMIN_USER);

    let got = await ssm.send(new GetServiceSettingCommand({ SettingId: TIER }));
    expect(got.ServiceSetting?.SettingValue).toBe('Advanced');
    expect(got.ServiceSetting?.Status).toBe('Customized');

    // The console shows the stored value after a reload too.
    await gotoHydrated(page, '/settings');
    await expect(settingRow(page, TIER).getByTestId('setting-value')).toHaveText('Advanced');

    await settingRow(page, TIER).getByRole('button', { name: 'Reset' }).click();
    await expectToast(page, 'Setting reset to its default.');
    await expect(settingRow(page, TIER).getByTestId('setting-value')).toHaveText('Standard');
    await expect(settingRow(page, TIER)).toContainText('Default');
    await expect(settingRow(page, TIER).getByRole('button', { name: 'Reset' })).toBeDisabled();

    got = await ssm.send(new GetServiceSettingCommand({ SettingId: TIER }));
    expect(got.ServiceSetting?.SettingValue).toBe('Standard');
    expect(got.ServiceSetting?.Status).toBe('Default');
  } finally {
    // Leave the account as the next test expects it, whatever happened above.
    await ssm.send(new ResetServiceSettingCommand({ SettingId: TIER })).catch(() => undefined);
    ssm.destroy();
  }
  await deleteAccessKeyInConsole(page, key.accessKeyId);
});
