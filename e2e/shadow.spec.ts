import AxeBuilder from '@axe-core/playwright';
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

/** Role locators with the names issue 4 fixes. */
function shadowUi(page: Page) {
  const virtualization = page.getByRole('radiogroup', { name: 'Virtualization' });
  return {
    shadowRadio: virtualization.getByRole('radio', { name: 'Shadow paging' }),
    nestedRadio: virtualization.getByRole('radio', { name: 'Nested EPT' }),
    pages: page.getByRole('region', { name: 'Shadow pages' }).getByRole('listitem'),
    events: page.getByRole('log', { name: 'Events' }).getByRole('listitem'),
    exits: page.getByRole('log', { name: 'Events' }).getByRole('listitem').filter({ hasText: 'VM exit' }),
    invlpg: page.getByRole('button', { name: 'INVLPG' }),
    loadCr3: page.getByRole('button', { name: 'Load CR3' }),
    translate: page.getByRole('button', { name: 'Translate' }),
    /** Run the script's next operation with Next step, and wait until it is operation n of `of`. */
    step: (n: number, of: number) => ({
      click: async () => {
        await expect(page.getByText(`Operation ${n - 1} of ${of}`)).toBeVisible();
        await page.getByRole('button', { name: 'Next step' }).click();
        await expect(page.getByText(`Operation ${n} of ${of}`)).toBeVisible();
      },
    }),
  };
}

test.describe('shadow MMU', () => {
  test('Shadow paging: translating twice exits the first time and not the second', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await expect(ui.nestedRadio).toBeVisible();
    await ui.shadowRadio.check();
    await expect(ui.shadowRadio).toBeChecked();
    // Only the root shadow page exists before the guest touches anything.
    await expect(ui.pages).toHaveCount(1);
    await expect(ui.pages.first()).toContainText('L4');
    await expect(ui.exits).toHaveCount(0);
    await ui.translate.click();
    await expect(ui.exits).toHaveCount(1);
    await expect(ui.exits.first()).toContainText('exit: page fault');
    await expect(ui.pages).toHaveCount(4);
    // Every listitem says level, guest frame and role.
    for (const item of await ui.pages.all()) await expect(item).toHaveAccessibleName(/Level \d .*frame 0x[0-9a-f]+.*role L\d/);
    await expect(page.getByRole('button', { name: 'KVM’s guest walk' })).toBeEnabled();
    await app.shot('shadow-first-translate');
    const events = await ui.events.count();
    await ui.translate.click();
    await expect(page.getByText(/no exit\./).first()).toBeVisible();
    await expect(ui.exits).toHaveCount(1);
    expect(await ui.events.count()).toBe(events);
    // None turns the shadow MMU off again.
    await page.getByRole('radiogroup', { name: 'Virtualization' }).getByRole('radio', { name: 'None' }).check();
    await expect(page.getByRole('region', { name: 'Shadow pages' })).toHaveCount(0);
  });

  test('the link keeps shadow paging: a reload comes back to it', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await ui.shadowRadio.check();
    await ui.translate.click();
    await expect(ui.pages).toHaveCount(4);
    // Wait for the state we mean: this view in the address bar and saved.
    await expect(page.locator('html[data-link="current"][data-saved="yes"]')).toHaveCount(1);
    await page.reload();
    await expect(ui.shadowRadio).toBeChecked();
    await expect(ui.pages).toHaveCount(4);
    await expect(ui.exits).toHaveCount(1);
  });

  test('a PTE store goes unsync; stale until INVLPG', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await app.preset('Shadow paging: a PTE edit with and without INVLPG');
    await expect(ui.shadowRadio).toBeChecked();
    await ui.step(1, 5).click();
    await expect(ui.pages).toHaveCount(4);
    await ui.step(2, 5).click();
    await expect(ui.pages.filter({ has: page.getByText('unsync', { exact: true }) })).toHaveCount(1);
    await expect(ui.exits.last()).toContainText('goes unsync');
    await app.shot('shadow-pte-unsync');
    const exits = await ui.exits.count();
    await ui.step(3, 5).click();
    await expect(page.getByText(/reaches host-physical 0x100201234/).first()).toBeVisible();
    expect(await ui.exits.count()).toBe(exits);
    await ui.invlpg.click();
    await expect(ui.exits.last()).toContainText('exit: INVLPG');
    await ui.translate.click();
    await expect(page.getByText(/reaches host-physical 0x100205/).first()).toBeVisible();
  });

  test('editing a guest entry is a guest store: the exit and the zap show', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await ui.shadowRadio.check();
    await ui.translate.click();
    await expect(ui.pages).toHaveCount(4);
    // Rewrite the first PD entry with its own value: a store to a write-tracked table exits and zaps its SPTE.
    const pd = page.getByRole('list', { name: 'Shadowed guest tables' }).getByRole('list', { name: /^PD 0x/ });
    await pd.getByRole('button').first().click();
    await page.getByRole('button', { name: 'Store', exact: true }).click();
    await expect(ui.exits.last()).toContainText('write-tracked');
    await expect(page.getByRole('log', { name: 'Events' })).toContainText('dropped');
  });

  test('a CR3 switch back hits the root cache', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await app.preset('Shadow paging: a CR3 switch hits the root cache');
    await ui.translate.click();
    await ui.loadCr3.click();
    await expect(ui.exits.last()).toContainText('exit: CR3 load');
    await ui.translate.click();
    await expect(page.getByText('Root cache: hits 0 · misses 1')).toBeVisible();
    await ui.loadCr3.click();
    await expect(page.getByRole('log', { name: 'Events' })).toContainText('cached previous root');
    await expect(page.getByText('Root cache: hits 1 · misses 1')).toBeVisible();
    const exits = await ui.exits.count();
    await ui.translate.click();
    await expect(page.getByText(/no exit\./).first()).toBeVisible();
    expect(await ui.exits.count()).toBe(exits);
    await app.shot('shadow-cr3-hit');
  });

  test('write flooding zaps the page directory', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await app.preset('Shadow paging: write flooding zaps a page');
    for (let n = 1; n <= 5; n++) await ui.step(n, 6).click();
    await expect(page.getByRole('log', { name: 'Events' })).toContainText('write flooding');
    await expect(ui.pages.filter({ hasText: /L2/ })).toHaveCount(0);
    await expect(page.locator('.sp-zapped')).toHaveCount(1);
    await app.shot('shadow-flood-zap');
  });

  test("a 32-bit guest's quadrants and a PAE guest's PAE root", async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await app.preset("Shadow paging: a 32-bit guest's quadrants");
    await expect(ui.pages).toHaveCount(4);
    for (const q of [0, 1, 2, 3]) await expect(ui.pages.filter({ hasText: `quadrant ${q}` })).toHaveCount(1);
    await ui.step(1, 3).click();
    await expect(ui.pages.filter({ hasText: 'direct' })).not.toHaveCount(0);
    await app.shot('shadow-32bit-quadrants');
    await app.preset("Shadow paging: a PAE guest's PAE root");
    await expect(ui.pages).toHaveCount(1);
    for (let n = 1; n <= 6; n++) await ui.step(n, 6).click();
    await expect(page.getByText(/#PF/).first()).toBeVisible();
  });

  test('nested EPT: depths, and the 2020 hang stepped', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    // Nested EPT runs the open guest as L2 under an EPT12 of L1's.
    await ui.nestedRadio.check();
    await expect(ui.nestedRadio).toBeChecked();
    await expect(page.getByRole('region', { name: 'Nested EPT depths' })).toContainText('EPT01');
    await ui.translate.click();
    await expect(ui.exits.first()).toContainText('exit: EPT violation');
    await ui.translate.click();
    await expect(page.getByText('Operation 2 of 2')).toBeVisible();
    await expect(ui.exits).toHaveCount(1);
    await app.preset('Nested EPT: EPT5 exposed to L1');
    await ui.step(1, 3).click();
    await expect(ui.pages.filter({ hasText: 'L5' })).toHaveCount(1);
    await app.preset('Nested EPT: the 2020 hang');
    const depths = page.getByRole('region', { name: 'Nested EPT depths' });
    await expect(depths).toContainText('EPT02 has 4 levels but EPTP02 says 5');
    await ui.step(1, 3).click();
    await expect(page.getByRole('log', { name: 'Events' })).toContainText('L2 hangs');
    await page.getByRole('button', { name: 'Hang stepper' }).click();
    const steps = page.getByRole('list', { name: 'Hang stepper steps' }).getByRole('listitem');
    await expect(steps.first()).toContainText('really a level-4 table');
    await page.getByRole('button', { name: 'Step back' }).click();
    await expect(page.locator('.swalk-step[aria-current="step"]')).toHaveCount(1);
    await app.shot('nested-2020-hang');
  });

  test('dark theme shadow view', async ({ app, page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await app.open();
    const ui = shadowUi(page);
    await app.preset('Shadow paging: first touch builds the tree');
    await ui.step(1, 5).click();
    await ui.step(2, 5).click();
    await expect(ui.pages).toHaveCount(4);
    await app.shot('shadow-dark');
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`axe: shadow paging and nested EPT views have no serious violations (${scheme})`, async ({ app, page }) => {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await app.open();
      const ui = shadowUi(page);
      await app.preset('Shadow paging: a PTE edit with and without INVLPG');
      await ui.step(1, 5).click();
      await ui.step(2, 5).click();
      await expect(ui.pages.filter({ has: page.getByText('unsync', { exact: true }) })).toHaveCount(1);
      const bad = async () => (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`);
      expect(await bad()).toEqual([]);
      await app.preset('Nested EPT: the 2020 hang');
      await ui.step(1, 3).click();
      await page.getByRole('button', { name: 'Hang stepper' }).click();
      expect(await bad()).toEqual([]);
    });
  }

  test('keyboard: the guest operations are reachable with Tab and work with Enter', async ({ app, page }) => {
    await app.open();
    const ui = shadowUi(page);
    await ui.shadowRadio.check();
    await ui.translate.focus();
    await page.keyboard.press('Enter');
    await expect(ui.exits).toHaveCount(1);
    const seen = new Set<string>();
    for (let i = 0; i < 40 && !seen.has('INVLPG'); i++) {
      await page.keyboard.press('Tab');
      seen.add(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    expect(seen.has('INVLPG')).toBe(true);
    await page.keyboard.press('Enter');
    await expect(ui.exits.last()).toContainText('exit: INVLPG');
    await page.keyboard.press('Tab');
    await expect(ui.loadCr3).toBeFocused();
  });
});
