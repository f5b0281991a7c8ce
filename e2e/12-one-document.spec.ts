/**
 * One document, one history (issue 7): every example of work being lost or
 * replaced, as a user meets it — rejected links, damaged links at load, large
 * imports, shadow and nested state in links, reloads and Undo.
 */
import { readVectors, vectorPath } from '../test/shared';
import { readFileSync } from 'node:fs';
import { deflateSync, strToU8 } from 'fflate';
import { test, expect } from './fixtures';

/** A v1 share link (what links made before the document model look like) for a case and view. */
const v1Link = (payload: unknown): string => 'v1.' + Buffer.from(deflateSync(strToU8(JSON.stringify(payload)))).toString('base64url');

const counters = (page: import('@playwright/test').Page) => page.getByRole('region', { name: 'Counters' });

test.describe('12. one document, one history', () => {
  test('a rejected link (bad view.step) changes nothing: not the scenario, Export, the next toggle or the undo history', async ({ app, page }) => {
    await app.open();
    await app.preset('1 GiB page in the direct map');
    await page.getByRole('checkbox', { name: 'CR4.SMEP' }).check();
    await expect(page.getByRole('checkbox', { name: 'CR4.SMEP' })).toBeChecked();
    await app.settled();
    // A link whose scenario is fine but whose step is beyond its walk (24 references).
    const bad = v1Link({ case: JSON.parse(readFileSync('e2e/fixtures/walk-public-case.json', 'utf8')), view: { step: 99 } });
    await page.evaluate((h) => (location.hash = h), bad);
    await expect(app.alert).toContainText('link.view.step');
    await expect(app.alert).toContainText('Nothing was changed');
    await expect(page.getByRole('heading', { name: '1 GiB page in the direct map' })).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const json = JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8'));
    expect(json.id).toBe('lm4-1g');
    expect(json.cpu.smep).toBe(true);
    await page.getByRole('checkbox', { name: 'CR4.SMAP' }).check();
    await expect(app.steps).toHaveCount(2);
    await expect(page.getByRole('heading', { name: '1 GiB page in the direct map' })).toBeVisible();
    // The good change also clears the alert.
    await expect(app.alert).toHaveCount(0);
    const undo = page.getByRole('button', { name: 'Undo' });
    await undo.click();
    await expect(page.getByRole('checkbox', { name: 'CR4.SMAP' })).not.toBeChecked();
    await undo.click();
    await expect(page.getByRole('checkbox', { name: 'CR4.SMEP' })).not.toBeChecked();
    await expect(page.getByRole('heading', { name: '1 GiB page in the direct map' })).toBeVisible();
    await undo.click();
    await expect(page.getByRole('heading', { name: '4-level walk to a 4 KiB page' })).toBeVisible();
    await expect(undo).toBeDisabled();
  });

  test('a truncated link at load keeps the saved work and the URL, and its text can be copied', async ({ app, page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await app.open();
    await app.preset('Protection key denies a write');
    await app.settled();
    const good = await page.evaluate(() => location.hash);
    const cut = good.slice(0, Math.floor(good.length / 2));
    await page.goto('about:blank');
    await page.goto('/' + cut);
    await expect(app.alert).toContainText('cannot be opened');
    await expect(app.alert).toContainText('link.data');
    await expect(page.getByRole('heading', { name: 'Protection key denies a write' })).toBeVisible();
    expect(await page.evaluate(() => location.hash)).toBe(cut);
    await page.getByRole('button', { name: 'Copy the link’s text' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(cut.slice(1));
    await page.goto('about:blank');
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Protection key denies a write' })).toBeVisible();
  });

  test('a scenario too large for a link says so, and a reload still restores it', async ({ app, page }) => {
    await app.open();
    // 120,000 random qwords: far beyond what an address bar holds once compressed.
    const memory: Record<string, string> = { '0x1000': '0x2003', '0x2000': '0x3003', '0x3000': '0x4003', '0x4000': '0x5003' };
    let x = 0x12345678;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x.toString(16).padStart(8, '0'));
    for (let i = 0; i < 120_000; i++) memory['0x' + (0x100000 + i * 8).toString(16)] = `0x${rnd()}${rnd()}`;
    const big = { id: 'big-import', cpu: { paging: '4', cr3: '0x1000', wp: true, pse: false, nxe: true, smep: false, smap: false, ac: false, pke: false, pkru: '0x0', maxphyaddr: 46, gbpages: true }, ept: null, memory, access: { va: '0x0', op: 'read', cpl: 0, implicit: false } };
    await app.importText('big.json', big);
    await expect(page.getByRole('heading', { name: 'big-import' })).toBeVisible();
    await expect(page.getByText(/too large for a link/)).toBeVisible();
    await expect(page.locator('html[data-saved="yes"]')).toHaveCount(1);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'big-import' })).toBeVisible();
    await expect.poll(() => app.resultAddress()).toBe('0x5000');
  });

  test('a shadow scenario’s link reopens it exactly: counters, shadow pages, events and operation', async ({ app, page, context }) => {
    await app.open();
    await app.preset('Shadow paging: a PTE edit with and without INVLPG');
    for (let n = 1; n <= 3; n++) {
      await page.getByRole('button', { name: 'Next step' }).click();
      await expect(page.getByText(`Operation ${n} of 5`)).toBeVisible();
    }
    const c = await counters(page).textContent();
    const events = await page.getByRole('log', { name: 'Events' }).getByRole('listitem').count();
    expect(c).toMatch(/VM exits\s*2/);
    await app.settled();
    const other = await context.newPage();
    await other.goto(page.url());
    await expect(other.getByText('Operation 3 of 5')).toBeVisible();
    await expect(counters(other)).toHaveText(c!);
    await expect(other.getByRole('region', { name: 'Shadow pages' }).getByRole('listitem')).toHaveCount(4);
    await expect(other.getByRole('log', { name: 'Events' }).getByRole('listitem')).toHaveCount(events);
  });

  test('Undo and Redo work in shadow mode: the operations step back and forth', async ({ app, page }) => {
    await app.open();
    await app.preset('Shadow paging: first touch builds the tree');
    await page.getByRole('button', { name: 'Next step' }).click();
    await expect(page.getByText('Operation 1 of 5')).toBeVisible();
    await page.getByRole('button', { name: 'Last step' }).click();
    await expect(page.getByText('Operation 5 of 5')).toBeVisible();
    await page.getByRole('button', { name: 'First step' }).click();
    await expect(page.getByText('Operation 0 of 5')).toBeVisible();
    await expect(counters(page)).toContainText(/VM exits\s*0/);
    const undo = page.getByRole('button', { name: 'Undo' });
    await expect(undo).toBeEnabled();
    await undo.click();
    await expect(page.getByText('Operation 5 of 5')).toBeVisible();
    await undo.click();
    await expect(page.getByText('Operation 1 of 5')).toBeVisible();
    await expect(counters(page)).toContainText(/VM exits\s*1/);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect(page.getByText('Operation 5 of 5')).toBeVisible();
  });

  test('Undo after Nested preset → 4-level preset → Shadow paging shows the 4-level preset', async ({ app, page }) => {
    await app.open();
    await app.preset('Nested EPT: the 2020 hang');
    await app.preset('4-level walk to a 4 KiB page');
    await app.virt('Shadow paging');
    await expect(page.getByRole('region', { name: 'Shadow pages' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '4-level walk to a 4 KiB page' })).toBeVisible();
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByRole('region', { name: 'Shadow pages' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: '4-level walk to a 4 KiB page' })).toBeVisible();
    await expect(app.virtualization.getByRole('radio', { name: 'None' })).toBeChecked();
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByRole('heading', { name: 'Nested EPT: the 2020 hang' })).toBeVisible();
  });

  test('Undo and Redo across EPT, EPT5, LA57, Shadow, Nested and None reach exactly the states shown', async ({ app, page }) => {
    await app.open();
    const shown: string[] = [];
    const look = async () => {
      const mode = await page.locator('input[name="virtualization"]:checked').evaluate((e) => e.parentElement?.textContent ?? '');
      return `${mode}|${await app.resultText()}|${await page.locator('.step-count').textContent()}`;
    };
    shown.push(await look());
    const steps: (() => Promise<void>)[] = [
      () => app.virt('EPT'),
      () => app.ept5.check(),
      () => app.la57.check(),
      () => app.virt('Shadow paging'),
      () => app.virt('Nested EPT'),
      () => app.virt('None'),
    ];
    for (const s of steps) {
      const before = await page.locator('html').getAttribute('data-rev');
      await s();
      await expect(page.locator('html')).not.toHaveAttribute('data-rev', before!);
      shown.push(await look());
    }
    expect(new Set(shown).size).toBe(shown.length);
    for (let k = shown.length - 2; k >= 0; k--) {
      await page.getByRole('button', { name: 'Undo' }).click();
      await expect.poll(look).toBe(shown[k]);
    }
    for (let k = 1; k < shown.length; k++) {
      await page.getByRole('button', { name: 'Redo' }).click();
      await expect.poll(look).toBe(shown[k]);
    }
  });

  test('a JSON Lines file lists its 427 cases to choose from; any opens by id', async ({ app, page }) => {
    await app.open();
    await page.getByLabel('Import file').setInputFiles(vectorPath('walk-public.jsonl'));
    const dialog = page.getByRole('dialog', { name: /Choose a case from walk-public\.jsonl/ });
    await expect(dialog).toContainText('427 cases; 427 can be opened');
    const lines = readVectors('walk-public.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const pick = lines[311];
    await dialog.getByLabel('Find a case').fill(pick.id);
    await dialog.getByRole('button', { name: new RegExp(`^${pick.id} `) }).click();
    await expect(page.getByRole('heading', { name: pick.id })).toBeVisible();
    await expect(app.steps).toHaveCount(pick.expect.refs.length);
    await expect(page.getByRole('region', { name: 'Imported expectation' })).toContainText('Pagoda computes what the case expects');
  });

  test('a shadow case opens in its shadow view; a top-level array is a list of cases', async ({ app, page }) => {
    await app.open();
    const first = readVectors('shadow-public.jsonl').split('\n')[1];
    const c = JSON.parse(first);
    await app.importText('shadow-case.json', first);
    await expect(page.getByRole('heading', { name: c.id })).toBeVisible();
    await expect(app.virtualization.getByRole('radio', { name: 'Shadow paging' })).toBeChecked();
    await expect(page.getByText(`Operation 0 of ${c.ops.length}`)).toBeVisible();
    await page.getByRole('button', { name: 'Last step' }).click();
    await expect(page.getByText(`Operation ${c.ops.length} of ${c.ops.length}`)).toBeVisible();
    await expect(page.getByRole('region', { name: 'Imported expectation' })).toContainText('Pagoda computes what the case expects');
    const walk = readVectors('walk-public.jsonl').split('\n').slice(0, 2);
    await app.importText('two.json', `[${walk.join(',')}]`);
    await expect(page.getByRole('dialog', { name: /Choose a case/ })).toContainText('2 cases; 2 can be opened');
  });
});
