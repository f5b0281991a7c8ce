/**
 * Issue 8, part 9: Export picture saves the current picture — tree, 2D grid
 * or shadow workbench — with the walked path and the current step marked, as
 * SVG and as PNG 1920 px wide.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

/** Save with one of the dialog's buttons; the file's name and bytes. */
async function save(page: Page, button: RegExp) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('dialog', { name: 'Export picture' }).getByRole('button', { name: button }).click()]);
  const path = await d.path();
  return { name: d.suggestedFilename(), bytes: readFileSync(path!) };
}

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (b: Buffer) => ({ png: b.subarray(1, 4).toString() === 'PNG', w: b.readUInt32BE(16), h: b.readUInt32BE(20) });

test.describe('9. export picture', () => {
  test('the tree: SVG with the walked path and the current reference, and a PNG 1920 px wide', async ({ app, page }, info) => {
    await app.open();
    await app.preset('4-level walk to a 4 KiB page');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    await page.getByRole('button', { name: 'Export picture' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export picture' });
    await expect(dialog.getByRole('img', { name: 'Preview: Page-table tree' })).toBeVisible();
    const svg = await save(page, /Save SVG/);
    expect(svg.name).toBe('lm4-4k-tree-ref2.svg');
    const text = svg.bytes.toString('utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text).toContain('data-current="true" data-refs="2"');
    expect((text.match(/class="walked"/g) ?? []).length).toBe(2);
    expect(text).toContain('Reference 2 of 4');
    const png = await save(page, /Save PNG/);
    expect(png.name).toBe('lm4-4k-tree-ref2.png');
    const size = pngSize(png.bytes);
    expect(size.png).toBe(true);
    expect(size.w).toBe(1920);
    expect(size.h).toBeGreaterThan(200);
    await info.attach('tree.png', { body: png.bytes, contentType: 'image/png' });
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  test('under EPT: the 2D grid (or the tree), with the path through the cells and the current cell', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 5-level guest on 5-level EPT (35 references)');
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
    await page.getByRole('button', { name: 'Export picture' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export picture' });
    await expect(dialog.getByRole('radio', { name: '2D walk grid' })).toBeChecked();
    const svg = (await save(page, /Save SVG/)).bytes.toString('utf8');
    expect(svg).toContain('data-current="true" data-n="12"');
    expect((svg.match(/class="cell walked"/g) ?? []).length).toBe(11);
    expect(svg).toContain('class="walked-path"');
    expect(pngSize((await save(page, /Save PNG/)).bytes).w).toBe(1920);
    await dialog.getByRole('radio', { name: 'Page-table tree' }).check();
    const tree = await save(page, /Save SVG/);
    expect(tree.name).toBe('ept-5x5-tree-ref12.svg');
    expect(tree.bytes.toString('utf8')).toContain('EPT tables (at host-physical addresses)');
  });

  test('under a shadow MMU: the workbench, with the guest walk marked and what the operation did; also from presentation mode', async ({ app, page }) => {
    await app.open();
    await app.preset('Shadow paging: write flooding zaps a page');
    for (let i = 1; i <= 5; i++) {
      await page.getByRole('button', { name: 'Next step' }).click();
      await expect(page.getByText(`Operation ${i} of 6`, { exact: true })).toBeVisible();
    }
    await page.keyboard.press('p');
    await page.getByRole('group', { name: 'Presentation controls' }).getByRole('button', { name: 'Export picture' }).click();
    const svg = await save(page, /Save SVG/);
    expect(svg.name).toBe('shadow-write-flood-shadow-op5.svg');
    const text = svg.bytes.toString('utf8');
    expect(text).toContain('Operation 5 of 6');
    expect(text).toContain('class="shadow-page zapped"');
    expect(text).toContain('class="ref walked"');
    expect(pngSize((await save(page, /Save PNG/)).bytes).w).toBe(1920);
  });
});
