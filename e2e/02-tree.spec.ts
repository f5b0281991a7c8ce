import { test, expect } from './fixtures';

test.describe('2. radix tree', () => {
  test('draws every reachable table, not only the walked path, and highlights the path', async ({ app, page }) => {
    await app.open();
    const tree = page.getByRole('region', { name: 'Page-table tree' });
    await expect(tree.getByText(/\d+ tables, \d+ pages/)).toBeVisible();
    const stats = await tree.getByText(/\d+ tables, \d+ pages/).textContent();
    expect(Number(/(\d+) tables/.exec(stats!)![1])).toBeGreaterThan(4);
    await expect(page.locator('.hl:not(.selected)')).toHaveCount(4);
    await expect(page.locator('.hl.current')).toHaveCount(1);
    await expect(tree.getByText(/empty/).first()).toBeVisible();
  });

  test('large pages, not-present and reserved entries look different', async ({ app, page }) => {
    await app.open();
    await app.preset('2 MiB page: the walk stops at the PD');
    await expect(page.locator('.trow.k-leaf', { hasText: '2M page' }).first()).toBeVisible();
    await app.preset('Reserved bit above MAXPHYADDR');
    await expect(page.locator('.trow.k-reserved').first()).toBeVisible();
    await app.shot('tree-reserved');
    await app.preset('Not-present page fault');
    await app.end();
    await expect(app.result).toContainText('#PF');
  });

  test('click an entry to inspect it; pan and zoom', async ({ app, page }) => {
    await app.open();
    // The camera shows the last step (the PTE) legibly; click the entry next to it.
    await page.getByRole('button', { name: /^PT entry c6:/ }).click();
    await expect(app.inspector).toContainText('PT[0xc6]');
    const layer = page.locator('.tree-layer');
    const before = await layer.getAttribute('style');
    await page.getByRole('button', { name: 'Zoom out' }).click();
    await expect(layer).not.toHaveAttribute('style', before!);
    const box = (await page.locator('.tree-viewport').boundingBox())!;
    const mid = await layer.getAttribute('style');
    await page.mouse.move(box.x + 30, box.y + box.height - 30);
    await page.mouse.down();
    await page.mouse.move(box.x + 130, box.y + box.height - 80, { steps: 5 });
    await page.mouse.up();
    await expect(layer).not.toHaveAttribute('style', mid!);
  });

  test('level names follow the mode: PDPTE registers in PAE, PD/PT in 32-bit', async ({ app, page }) => {
    await app.open();
    await app.preset('PAE: four PDPTE registers, then PD and PT');
    await expect(app.steps.first()).toContainText('PDPTE');
    await app.preset('32-bit paging with a 4 MiB page (PSE-36)');
    await expect(app.steps).toHaveCount(1);
    await expect(app.steps.first()).toContainText('PD[');
    await app.end();
    await expect(app.result).toContainText('4 MiB');
    await expect(page.locator('.tnode .tname', { hasText: 'PML4' })).toHaveCount(0);
  });
});
