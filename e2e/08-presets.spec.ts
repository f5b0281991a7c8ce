import { test, expect } from './fixtures';

test('8. every preset opens with a title and a paragraph', async ({ app, page }) => {
  await app.open();
  const picker = page.getByRole('combobox', { name: 'Preset' });
  const titles = await picker.locator('option').allTextContents();
  expect(titles.length).toBeGreaterThanOrEqual(15);
  for (const t of titles) {
    await app.preset(t);
    const info = page.getByRole('region', { name: t });
    expect(((await info.locator('p').textContent()) ?? '').length).toBeGreaterThan(80);
    await expect(app.result).not.toBeEmpty();
  }
});
