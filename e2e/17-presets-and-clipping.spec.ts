/**
 * Issue 8, part 8: presets grouped with full titles readable, the text errors
 * fixed, nothing clipped (bit ranges, the walk-steps list, the events log),
 * no link from a zapped page to nothing, and 2D grid cells that select their
 * reference.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const GROUPS = ['Basics', 'Large pages', 'Faults and protection', 'LA57', 'PAE and 32-bit', 'EPT and 2D walks', 'Shadow MMU', 'Nested EPT'];

/** Elements matching `sel` whose text is cut (wider or taller than their box). */
const clipped = (page: Page, sel: string) =>
  page.evaluate((s) => [...document.querySelectorAll<HTMLElement>(s)].filter((e) => e.offsetParent !== null && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)).map((e) => e.textContent), sel);

test.describe('8. presets, text and clipping', () => {
  test('the picker groups the 25 presets in eight groups, and at 1280 px shows any chosen title whole', async ({ app, page }) => {
    await app.open();
    const picker = page.getByRole('combobox', { name: 'Preset' });
    expect(await picker.locator('optgroup').evaluateAll((gs) => gs.map((g) => g.getAttribute('label')))).toEqual(GROUPS);
    const titles = await picker.locator('optgroup option').allTextContents();
    expect(titles).toHaveLength(25);
    expect(await picker.locator('option').count()).toBe(25);
    // The widest title fits the closed list (its text measured in the list's own font, plus room for the arrow).
    const fits = await picker.evaluate((sel: HTMLSelectElement, all) => {
      const c = document.createElement('canvas').getContext('2d')!;
      const cs = getComputedStyle(sel);
      c.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
      return all.filter((t) => c.measureText(t).width > room);
    }, titles);
    expect(fits).toEqual([]);
  });

  test('the LA57 preset says the PML5 entry its walk reads; a 2D walk preset’s offset is the EPT panel’s', async ({ app, page }) => {
    await app.open();
    await app.preset('57-bit kernel address under LA57');
    await expect(page.getByRole('region', { name: '57-bit kernel address under LA57' })).toContainText('PML5 entry 0x111');
    await expect(app.steps.first()).toContainText('PML5[111]');
    await app.preset('2D walk: 4-level guest on 4-level EPT (24 references)');
    await expect(page.getByRole("region", { name: /2D walk: / })).toContainText('host-physical = guest-physical + 4 GiB');
    await expect(page.getByRole('region', { name: 'EPT', exact: true })).toContainText('guest-physical G to host-physical G + 0x100000000');
  });

  test('a Load CR3 names the address space it loads, as the paragraph does', async ({ app, page }) => {
    await app.open();
    await app.preset('Shadow paging: a CR3 switch hits the root cache');
    await page.keyboard.press('PageDown');
    await expect(page.locator('.next-op')).toContainText('Next: Load CR3 0x300000 (process B)');
    await expect(page.locator('.next-op')).not.toContainText('space 2');
  });

  test('bit ranges are never cut: the address split (LA57, PAE) and the inspector’s Bits column', async ({ app, page }) => {
    await app.open();
    for (const t of ['57-bit kernel address under LA57', 'PAE: four PDPTE registers, then PD and PT', '2D walk: 5-level guest on 5-level EPT (35 references)']) {
      await app.preset(t);
      await app.end();
      expect(await clipped(page, '.seg, .seg-name, .seg-bits, .seg-value'), t).toEqual([]);
      expect(await clipped(page, '.fields td.mono, .fields th'), t).toEqual([]);
    }
    await expect(page.locator('.seg-bits', { hasText: '63:57' })).toHaveCount(1);
  });

  test('the walk-steps list shows several steps at 1280×800 and keeps the current one in view at 1920×1080', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 5-level guest on 5-level EPT (35 references)');
    const list = page.getByRole('list', { name: 'Walk steps' });
    const visibleRows = () =>
      list.evaluate((ol) => {
        const b = ol.getBoundingClientRect();
        return [...ol.children].filter((li) => {
          const r = li.getBoundingClientRect();
          return r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
        }).length;
      });
    expect(await visibleRows()).toBeGreaterThanOrEqual(6);
    await page.setViewportSize({ width: 1920, height: 1080 });
    for (const n of [20, 35, 3]) {
      await app.steps.nth(n - 1).getByRole('button').click();
      const current = list.locator('[aria-current="step"]');
      await expect(current).toHaveCount(1);
      const inView = await current.evaluate((li) => {
        const b = li.parentElement!.getBoundingClientRect();
        const r = li.getBoundingClientRect();
        return r.top >= b.top - 1 && r.bottom <= b.bottom + 1 && r.bottom <= innerHeight;
      });
      expect(inView, `step ${n}`).toBe(true);
    }
  });

  test('the events log cuts no event; a zapped page draws no link; a page’s link reaches its table', async ({ app, page }) => {
    await app.open();
    await app.preset('Shadow paging: write flooding zaps a page');
    for (let i = 1; i <= 5; i++) {
      await page.getByRole('button', { name: 'Next step' }).click();
      await expect(page.getByText(`Operation ${i} of 6`, { exact: true })).toBeVisible();
    }
    await expect(page.locator('.sp-zapped')).toHaveCount(1);
    expect(await clipped(page, '.ev-type, .ev-text')).toEqual([]);
    const links = await page.evaluate(() => {
      const box = document.querySelector('.sw-columns')!.getBoundingClientRect();
      const paths = [...document.querySelectorAll('.shadow-links path')].map((p) => p.getAttribute('d')!);
      // Each line starts at the right edge of a drawn guest table card.
      const starts = paths.map((d) => /^M([\d.]+),([\d.]+)/.exec(d)!.slice(1).map(Number));
      const cards = [...document.querySelectorAll('.gt-list > .gt-card')].filter((c) => c.getClientRects().length > 0).map((c) => c.getBoundingClientRect());
      const live = document.querySelectorAll('.sp-list [data-link]').length;
      const sc = document.querySelector('.sw-columns')!;
      const ok = starts.every(([x, y]) => cards.some((c) => Math.abs(c.right - box.left + sc.scrollLeft - x) < 2 && y >= c.top - box.top + sc.scrollTop && y <= c.bottom - box.top + sc.scrollTop));
      return { paths: paths.length, live, ok };
    });
    expect(links.paths).toBe(links.live);
    expect(links.ok).toBe(true);
  });

  test('a 2D grid cell selects its reference and the entry read', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 4-level guest on 4-level EPT (24 references)');
    const grid = page.getByRole('region', { name: /walk makes \d+/ });
    await grid.getByRole('button', { name: '7', exact: true }).click();
    await expect(page.getByText('Reference 7 of 24', { exact: true })).toBeVisible();
    await expect(grid.locator('td.cell.current')).toHaveText('7');
    await expect(app.inspector).toContainText('EPT PDPT[0x0]');
    await grid.getByRole('button', { name: '20', exact: true }).click();
    await expect(grid.locator('td.cell.current')).toHaveText('20');
    await expect(app.inspector).toContainText('PT[0xc5]');
  });
});
