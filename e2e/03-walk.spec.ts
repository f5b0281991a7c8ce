import { test, expect } from './fixtures';

test.describe('3. the walk', () => {
  test('one list item per memory reference; Previous/Next and the arrow keys move through it', async ({ app, page }) => {
    await app.open();
    await expect(app.steps).toHaveCount(4);
    await expect(app.steps.nth(3)).toHaveAttribute('aria-current', 'step');
    await app.prev.click();
    await expect(app.steps.nth(2)).toHaveAttribute('aria-current', 'step');
    await expect(page.getByText('Reference 3 of 4')).toBeVisible();
    await page.locator('body').press('ArrowLeft');
    await page.locator('body').press('ArrowLeft');
    await expect(app.steps.first()).toHaveAttribute('aria-current', 'step');
    await expect(page.locator('.step-sentence')).toContainText('PML4[');
    await expect(page.locator('.step-sentence')).toContainText('points to the PDPT');
    await app.shot('walk-step-1');
    await page.locator('body').press('ArrowRight');
    await expect(app.steps.nth(1)).toHaveAttribute('aria-current', 'step');
    await app.next.click();
    await app.next.click();
    await expect(app.next).toBeDisabled();
    await expect(page.locator('.step-sentence')).toContainText('A will be set');
  });

  test('each step is highlighted in the address bits and the tree', async ({ app, page }) => {
    await app.open();
    await page.locator('body').press('Home');
    await expect(page.getByText('Reference 0 of 4')).toBeVisible();
    await app.steps.nth(1).getByRole('button').click();
    await expect(page.locator('.seg.current')).toContainText('PDPT');
    await expect(page.locator('.hl.current.lv3')).toHaveCount(1);
  });

  test('Play runs to the end, Pause stops', async ({ app, page }) => {
    await app.open();
    await page.getByRole('combobox', { name: 'Speed' }).selectOption('4');
    await app.play.click();
    await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
    await expect(page.getByText('Reference 4 of 4')).toBeVisible();
    await expect(app.play).toBeVisible();
  });
});
