import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, ADMIN_USER, expectToast, gotoHydrated, login, sidebar, uniqueName } from './fixtures';

test('documents: built-ins listed, create with inline validation, highlighted hostile content, new version, default, delete', async ({ page }) => {
  // Any script that runs from document content fails the test.
  let dialogs = 0;
  page.on('dialog', async (d) => {
    dialogs++;
    await d.dismiss();
  });
  await login(page, ADMIN_USER, ADMIN_PASSWORD);
  await gotoHydrated(page, '/documents');
  await expect(sidebar(page).getByRole('link', { name: 'Documents' })).toBeVisible();
  const shell = page.locator('tr[data-document="AWS-RunShellScript"]');
  await expect(shell).toContainText('Amazon (built-in)');

  // Owner filter: built-ins only / mine only.
  await gotoHydrated(page, '/documents?owner=self');
  await expect(page.locator('tr[data-document="AWS-RunShellScript"]')).toHaveCount(0);

  const name = uniqueName('e2e-doc');
  await gotoHydrated(page, '/documents/new');
  await page.getByLabel('Name', { exact: true }).fill(name);
  const content = page.getByRole('textbox', { name: 'Content' });
  await content.fill(
    "schemaVersion: '2.2'\ndescription: <script>alert(1)</script><img src=x onerror=alert(2)>\nmainSteps:\n  - action: aws:runPowerShellScript\n    name: run\n    inputs:\n      runCommand: [echo hi]\n",
  );
  await page.getByRole('button', { name: 'Create document' }).click();
  await expect(page.locator('#field-content-error')).toContainText('mainSteps[0].action');
  await content.fill(
    "schemaVersion: '2.2'\ndescription: <script>alert(1)</script><img src=x onerror=alert(2)>\nparameters:\n  who:\n    type: String\n    default: world\nmainSteps:\n  - action: aws:runShellScript\n    name: run\n    inputs:\n      runCommand: ['echo hello {{ who }}']\n",
  );
  await page.getByRole('button', { name: 'Create document' }).click();
  await expect(page).toHaveURL(new RegExp(`/documents/${name}$`));

  // Hostile text in the content and description is text, highlighted, never markup.
  const code = page.getByTestId('document-content');
  await expect(code).toContainText('<script>alert(1)</script>');
  await expect(code.locator('.hl-key').first()).toHaveText('schemaVersion');
  await expect(code.locator('.hl-ref')).toHaveText('{{ who }}');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Parameters' })).toContainText('world');

  // A new version, made the default; the content converts to JSON.
  await page.getByRole('textbox', { name: 'Content' }).fill(
    "schemaVersion: '2.2'\ndescription: second\nparameters:\n  who:\n    type: String\n    default: there\nmainSteps:\n  - action: aws:runShellScript\n    name: run\n    inputs:\n      runCommand: ['echo hi {{ who }}']\n",
  );
  await page.getByLabel('Version name (optional)').fill('v-two');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expectToast(page, 'New version saved.');
  await expect(page.getByTestId('latest-version')).toHaveText('2');
  await page.getByRole('button', { name: 'Make version 2 the default' }).click();
  await expectToast(page, 'Default version changed.');
  await expect(page.getByTestId('default-version')).toHaveText('2');
  await page.getByRole('link', { name: 'Show as JSON' }).click();
  await expect(code).toContainText('"schemaVersion": "2.2"');

  // Delete takes a confirmation and returns to the list.
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Confirm: delete this document' }).click();
  await expect(page).toHaveURL(/\/documents$/);
  await expect(page.locator(`tr[data-document="${name}"]`)).toHaveCount(0);
  expect(dialogs).toBe(0);
});
