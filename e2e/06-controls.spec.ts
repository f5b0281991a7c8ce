import { test, expect } from './fixtures';

test.describe('6. controls', () => {
  test('LA57 adds a PML5 (same address, one more reference) and removes it again', async ({ app, page }) => {
    await app.open();
    const pa = await app.resultAddress();
    await app.la57.check();
    await expect(app.steps).toHaveCount(5);
    await expect(app.steps.first()).toContainText('PML5[');
    await expect.poll(() => app.resultAddress()).toBe(pa);
    await expect(page.getByRole('combobox', { name: 'Paging mode' })).toHaveValue('5');
    await app.shot('la57-on');
    await app.la57.uncheck();
    await expect(app.steps).toHaveCount(4);
    await expect.poll(() => app.resultAddress()).toBe(pa);
  });

  test('EPT runs the guest under a built EPT with GPA ≠ HPA; EPT5 adds a level; None removes it', async ({ app, page }) => {
    await app.open();
    const gpa = await app.resultAddress();
    await app.virt('EPT');
    await expect(app.steps).toHaveCount(24);
    await expect(app.result).toContainText('4 KiB');
    // The built EPT puts guest memory at host-physical = guest-physical + 4 GiB.
    await expect.poll(() => app.resultAddress()).toBe(`0x${(BigInt(gpa!) + 0x1_0000_0000n).toString(16)}`);
    await expect(page.locator('.tnode.ept').first()).toBeVisible();
    await app.ept5.check();
    await expect(app.steps).toHaveCount(29);
    await app.la57.check();
    await expect(app.steps).toHaveCount(35);
    await app.shot('ept-5x5');
    await app.virt('None');
    await expect(app.steps).toHaveCount(5);
    await expect.poll(() => app.resultAddress()).toBe(gpa);
  });

  test('CPU flags change the outcome', async ({ app, page }) => {
    await app.open();
    await app.preset('SMEP: the kernel may not run user code');
    await app.end();
    await expect(app.result).toContainText('#PF');
    await page.getByRole('checkbox', { name: 'CR4.SMEP' }).uncheck();
    await expect(app.result).not.toContainText('#PF');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(app.result).toContainText('#PF');
    const m = page.getByRole('textbox', { name: 'MAXPHYADDR', exact: true });
    await m.fill('60');
    await m.press('Enter');
    // The refused value stays in its field with the message until corrected; the CPU keeps 46.
    await expect(m).toHaveValue('60');
    await expect(m).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('MAXPHYADDR: 60 is out of range; it must be from 32 to 52.')).toBeVisible();
    await m.fill('40');
    await m.press('Enter');
    await expect(m).toHaveAttribute('aria-invalid', 'false');
    await expect(page.getByText(/60 is out of range/)).toHaveCount(0);
  });
});
