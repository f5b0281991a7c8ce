import AxeBuilder from '@axe-core/playwright';
import { test, expect } from './fixtures';

test.describe('accessibility and themes', () => {
  for (const scheme of ['light', 'dark'] as const) {
    test(`axe: no serious or critical violations (${scheme})`, async ({ app, page }) => {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await app.open();
      await app.steps.nth(3).getByRole('button').click();
      await expect(app.inspector).toContainText('PT[');
      const r = await new AxeBuilder({ page }).analyze();
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
      await app.shot(`theme-${scheme}`);
    });
  }

  test('axe under EPT with the 2D grid', async ({ app, page }) => {
    await app.open();
    await app.virt('EPT');
    await expect(app.steps).toHaveCount(24);
    const r = await new AxeBuilder({ page }).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`)).toEqual([]);
  });

  test('the theme toggle overrides the system preference', async ({ app, page }) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await app.open();
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await app.shot('dark-toggle');
  });

  test('keyboard: the main controls are reachable with Tab', async ({ app, page }) => {
    await app.open();
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const e = document.activeElement as HTMLElement | null;
        return e ? (e.getAttribute('aria-label') ?? e.id ?? '') + '|' + (e.textContent ?? '').trim() : '';
      });
      seen.add(name);
    }
    const all = [...seen].join('\n');
    for (const want of ['Translate', 'Previous step', 'Copy link', 'Import', 'Export']) expect(all).toContain(want);
  });
});
