/**
 * Issue 8, part 3: a camera that never drifts. With motion on (so moves are
 * animated and interrupted), after any sequence of steps at any speed the
 * zoom and position are the ones chosen for that step; the first view of every
 * preset shows the root and the walked path; Fit can show the whole tree.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const layer = (page: Page) => page.locator('.tree-layer');
const settled = (page: Page) => expect(page.locator('.tree-viewport[data-camera="settled"]')).toHaveCount(1);

async function transform(page: Page) {
  return layer(page).evaluate((e) => {
    const m = new DOMMatrix(getComputedStyle(e).transform);
    return { k: m.a, x: m.e, y: m.f };
  });
}

/** Every box of `sel` lies inside the tree's viewport. */
async function allInside(page: Page, sel: string) {
  return page.evaluate((s) => {
    const v = document.querySelector('.tree-viewport')!.getBoundingClientRect();
    const out = [...document.querySelectorAll(s)].map((e) => e.getBoundingClientRect()).filter((b) => !(b.left >= v.left - 1 && b.top >= v.top - 1 && b.right <= v.right + 1 && b.bottom <= v.bottom + 1));
    return { count: document.querySelectorAll(s).length, outside: out.length };
  }, sel);
}

test.describe('3. a camera that never drifts', () => {
  for (const mode of ['normal', 'presentation'] as const) {
    test(`Play at 4 steps/s over 35 references ends on the zoom chosen for the last step (${mode})`, async ({ app, page }) => {
      await page.emulateMedia({ reducedMotion: 'no-preference' });
      await app.open();
      await app.preset('2D walk: 5-level guest on 5-level EPT (35 references)');
      await page.getByRole('combobox', { name: 'Speed' }).selectOption('4');
      if (mode === 'presentation') await page.keyboard.press('p');
      // The reference: the last step reached directly, once the camera has settled.
      await page.keyboard.press('End');
      await expect(page.getByText('Reference 35 of 35', { exact: true })).toBeVisible();
      await settled(page);
      const direct = await transform(page);
      await page.keyboard.press('Home');
      await settled(page);
      await page.getByRole('button', { name: 'Play' }).click();
      await expect(page.getByText('Reference 35 of 35', { exact: true })).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
      // Where the camera comes to rest: the last step's view (any drift would keep it elsewhere).
      await expect.poll(async () => Math.abs((await transform(page)).x - direct.x) < 1 && (await page.locator('.tree-viewport').getAttribute('data-camera')) === 'settled').toBe(true);
      const played = await transform(page);
      test.info().annotations.push({ type: 'zoom', description: `${mode}: direct ${JSON.stringify(direct)}, after Play ${JSON.stringify(played)}` });
      expect(played.k).toBeCloseTo(direct.k, 3);
      expect(Math.abs(played.x - direct.x)).toBeLessThan(1);
      expect(Math.abs(played.y - direct.y)).toBeLessThan(1);
      // The zoom is the one the camera chose (its data), and legible.
      const chosen = Number(await page.locator('.tree-viewport').getAttribute('data-camera-k'));
      expect(played.k).toBeCloseTo(chosen, 3);
      expect(played.k).toBeGreaterThanOrEqual(mode === 'presentation' ? 1.39 : 0.9);
    });
  }

  test('35 quick → presses, then 35 ←: back at the start the view is the start’s view', async ({ app, page }) => {
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await app.open();
    await app.preset('2D walk: 5-level guest on 5-level EPT (35 references)');
    await page.keyboard.press('ArrowRight');
    await settled(page);
    const first = await transform(page);
    for (let i = 1; i < 35; i++) await page.keyboard.press('ArrowRight');
    for (let i = 1; i < 35; i++) await page.keyboard.press('ArrowLeft');
    await expect(page.getByText('Reference 1 of 35', { exact: true })).toBeVisible();
    await expect.poll(async () => Math.abs((await transform(page)).x - first.x) < 1 && (await page.locator('.tree-viewport').getAttribute('data-camera')) === 'settled').toBe(true);
    const again = await transform(page);
    expect(again.k).toBeCloseTo(first.k, 3);
    expect(Math.abs(again.x - first.x)).toBeLessThan(1);
    expect(Math.abs(again.y - first.y)).toBeLessThan(1);
  });

  test('the first view of every preset shows the root and the whole walked path', async ({ app, page }) => {
    await app.open();
    const picker = page.getByRole('combobox', { name: 'Preset' });
    const groups = await picker.locator('optgroup').evaluateAll((gs) => gs.map((g) => ({ label: g.getAttribute('label'), titles: [...g.querySelectorAll('option')].map((o) => o.textContent ?? '') })));
    const walks = groups.filter((g) => g.label !== 'Shadow MMU' && g.label !== 'Nested EPT').flatMap((g) => g.titles);
    expect(walks.length).toBe(16);
    for (const t of walks) {
      await app.preset(t);
      await settled(page);
      const roots = await allInside(page, '.root-box');
      expect(roots.outside, `${t}: root`).toBe(0);
      const path = await allInside(page, '.tnode[data-on-path="yes"]');
      expect(path.count, t).toBeGreaterThan(0);
      expect(path.outside, `${t}: path`).toBe(0);
    }
  });

  test('Fit shows the whole tree, and the next step comes back to the step’s view', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 4-level guest on 4-level EPT (24 references)');
    await page.keyboard.press('ArrowRight');
    await settled(page);
    const step1 = await transform(page);
    await page.getByRole('button', { name: 'Fit' }).click();
    await settled(page);
    const stats = (await page.locator('.tree-stats').textContent()) ?? '';
    const tables = /(\d+) tables.*?(\d+) EPT tables/.exec(stats)!;
    const all = await allInside(page, '.tnode');
    expect(all.count).toBe(Number(tables[1]) + Number(tables[2]));
    expect(all.outside).toBe(0);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await settled(page);
    expect((await transform(page)).k).toBeCloseTo(step1.k, 3);
  });
});
