import { test, expect } from './fixtures';

test.describe('7. 2D walk grid', () => {
  test('cells light in reference order with the running count and the total', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 4-level guest on 4-level EPT (24 references)');
    const grid = page.getByRole('region', { name: /walk makes \d+/ });
    await expect(grid).toContainText('makes 24');
    await expect(grid.getByRole('row')).toHaveCount(6);
    // The picker opens a preset before its walk: nothing lit yet.
    await expect(grid).toContainText('reference 0 of 24');
    await expect(grid.locator('td.cell.done, td.cell.current')).toHaveCount(0);
    await app.end();
    await expect(grid.locator('td.cell.done, td.cell.current')).toHaveCount(24);
    await page.locator('body').press('Home');
    await expect(grid).toContainText('reference 0 of 24');
    for (let i = 0; i < 5; i++) await app.next.click();
    await expect(grid).toContainText('reference 5 of 24');
    await expect(grid.locator('td.cell.current')).toHaveText('5');
    await expect(grid.getByRole('row', { name: /PML4/ }).locator('td.cell.guest')).toHaveText('5');
    await app.shot('walk-grid-4x4');
  });

  test('29 and 35 references', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 5-level guest on 5-level EPT (35 references)');
    await expect(page.getByRole('region', { name: /walk makes \d+/ })).toContainText('makes 35');
    await expect(app.steps).toHaveCount(35);
    await app.preset('2D walk: 4-level guest on 5-level EPT (29 references)');
    await expect(app.steps).toHaveCount(29);
  });
});
