import { test, expect } from './fixtures';

test.describe('9. share and keep', () => {
  test('the URL fragment always holds the scenario and view; opening it reproduces the view', async ({ app, page, context }) => {
    await app.open();
    await app.la57.check();
    await app.address.fill('0x7F3A_1B2C_6123');
    await app.translate.click();
    await expect(app.address).toHaveValue('0x7f3a1b2c6123');
    await expect(app.steps).toHaveCount(5);
    await app.prev.click();
    await expect(page.getByText('Reference 4 of 5')).toBeVisible();
    // Wait for the state we mean: the address bar holds the view shown.
    await expect(page.locator('html[data-link="current"]')).toHaveCount(1);
    expect(await page.evaluate(() => location.hash)).toMatch(/^#v2\./);
    const wantResult = await app.result.textContent();
    const url = page.url();
    const other = await context.newPage();
    await other.goto(url);
    await expect(other.getByRole('status', { name: 'Translation result' })).toHaveText(wantResult!);
    await expect(other.getByRole('textbox', { name: 'Virtual address' })).toHaveValue('0x7f3a1b2c6123');
    await expect(other.getByText('Reference 4 of 5')).toBeVisible();
    await expect(other.getByRole('checkbox', { name: 'LA57' })).toBeChecked();
  });

  test('Copy link copies the current link', async ({ app, page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await app.open();
    await app.preset('1 GiB page in the direct map');
    await app.copyLink.click();
    await expect(page.getByText(/Link copied|address bar/)).toBeVisible();
    const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => location.href));
    expect(copied).toMatch(/#v2\./);
    const other = await context.newPage();
    await other.goto(copied);
    await expect(other.getByRole('heading', { name: '1 GiB page in the direct map' })).toBeVisible();
  });

  for (const [name, hash, says] of [
    ['garbage', '#v1.%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'link.data'],
    ['wrong version', '#v9.abcd', 'link.version'],
    ['truncated', null, 'link.data'],
  ] as const) {
    test(`a ${name} link shows an alert saying what is wrong and leaves a working app`, async ({ app, page }) => {
      let h: string = hash ?? '';
      if (hash === null) {
        await app.open();
        await expect(page.locator('html[data-link="current"]')).toHaveCount(1);
        const good = await page.evaluate(() => location.hash);
        h = good.slice(0, Math.floor(good.length / 2));
        await page.evaluate(() => localStorage.clear());
      }
      let dialogs = 0;
      page.on('dialog', (d) => {
        dialogs++;
        void d.dismiss();
      });
      await app.open(h);
      await expect(app.alert).toContainText(says);
      await expect(app.alert).toContainText('cannot be opened');
      await expect(app.steps).toHaveCount(4);
      await app.next.isDisabled();
      await app.prev.click();
      await expect(page.getByText('Reference 3 of 4')).toBeVisible();
      expect(dialogs).toBe(0);
      if (name === 'garbage') await app.shot('bad-link');
    });
  }

  test('Import opens a public vector case; a bad file names the field', async ({ app, page }) => {
    await app.open();
    await page.getByLabel('Import file').setInputFiles('e2e/fixtures/walk-public-case.json');
    await expect(app.steps).toHaveCount(24);
    await expect.poll(() => app.resultAddress()).toBe('0x1c6e8be7368');
    await expect(page.getByRole('heading', { name: 'pw-ept-0001' })).toBeVisible();
    await app.shot('imported-vector');
    await page.getByLabel('Import file').setInputFiles('e2e/fixtures/bad-case.json');
    await expect(app.alert).toContainText('cpu.maxphyaddr');
    await expect(app.steps).toHaveCount(24);
  });

  test('Export downloads the scenario as a FORMAT.md walk case', async ({ app, page }) => {
    await app.open();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const d = await download;
    const text = await (await d.createReadStream()).toArray();
    const json = JSON.parse(Buffer.concat(text).toString('utf8'));
    expect(Object.keys(json).sort()).toEqual(['access', 'cpu', 'ept', 'expect', 'id', 'memory']);
    expect(json.expect.refs).toHaveLength(4);
  });

  test('the last scenario survives a reload', async ({ app, page }) => {
    await app.open();
    await app.preset('Protection key denies a write');
    // Wait for the state we mean: this preset saved (not merely some saved state).
    await expect(page.locator('html[data-saved="yes"]')).toHaveCount(1);
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Protection key denies a write' })).toBeVisible();
  });
});
