import { test, expect } from './fixtures';

test.describe('5. entry inspector', () => {
  test('decodes every bit, edits re-run the walk, undo and redo', async ({ app, page }) => {
    await app.open();
    await app.steps.nth(3).getByRole('button').click();
    const insp = app.inspector;
    await expect(insp).toContainText('PT[0xc5]');
    for (const f of ['P', 'R/W', 'U/S', 'PWT', 'PCD', 'A', 'D', 'PAT', 'G', 'Address', 'XD']) {
      await expect(insp.getByRole('rowheader', { name: f, exact: true })).toBeVisible();
    }
    // CR4.PKE=0 here: bits 62:59 are ignored, not a protection key.
    await expect(insp.getByRole('rowheader', { name: 'PK', exact: true })).toHaveCount(0);
    await expect(insp).toContainText('62:59 (CR4.PKE=0)');
    await expect(insp).toContainText('Reserved here: bits 51:46');
    await app.shot('inspector-pte');
    await insp.getByRole('checkbox', { name: 'P (bit 0)' }).uncheck();
    await expect(app.result).toContainText('#PF, error code 0x0');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(app.result).toContainText('4 KiB');
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect(app.result).toContainText('#PF');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(app.result).toContainText('4 KiB');
    await expect(insp.getByRole('checkbox', { name: 'P (bit 0)' })).toBeChecked();
    await insp.getByRole('button', { name: 'Toggle bit 50' }).click();
    await expect(app.result).toContainText('RSVD');
    await expect(insp).toContainText('set: bit 50');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(insp).not.toContainText('set: bit 50');
    await expect(app.result).toContainText('4 KiB');
    // MAXPHYADDR 46: the address is bits 45:12 (51:46 are reserved).
    const addr = insp.getByRole('textbox', { name: 'Address (bits 45:12)' });
    await addr.fill('0x1234_5000');
    await addr.press('Enter');
    await expect(app.result).toContainText('0x12345123 (4 KiB page)');
  });
});
