/**
 * A real Linux guest's memory (issue 9): QEMU's dump-guest-memory of a
 * Debian kernel booted under TCG with 5-level paging (made by the real-guest
 * tests, or booted here when missing), imported through Import, explored and
 * translated; the walk reported as text and as a small link.
 */
import { ensureGuestDump } from '../test/guests/dumps';
import { test, expect } from './fixtures';

test.describe('14. a real guest’s dump', () => {
  test('Import opens a QEMU dump of a 5-level Linux guest; an address translates, the address space folds, physical maps back to linear', async ({ app, page, context }) => {
    test.setTimeout(240_000);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const file = await ensureGuestDump('5');
    await app.open();
    await page.getByLabel('Import file').setInputFiles(file);
    await expect(page.getByRole('heading', { name: 'guest-5.elf' })).toBeVisible({ timeout: 30_000 });
    const dump = page.getByRole('region', { name: 'QEMU dump' });
    await expect(dump).toContainText('CR4');
    await expect(dump).toContainText('NXE is taken as on');
    await expect(page.getByRole('checkbox', { name: 'LA57' })).toBeChecked();
    // The first view: the lowest mapped user address, walked through five levels.
    await expect(app.steps).toHaveCount(5);
    // The folded address space, and a kernel range translated from its row.
    const space = page.getByRole('region', { name: 'Address space' });
    await expect(space).toContainText(/\d[\d,]* leaves \([\d,]+ user, [\d,]+ kernel/);
    await space.getByRole('radio', { name: 'Kernel' }).check();
    const first = space.getByRole('row').nth(1).getByRole('button');
    // The filter's answer comes from the worker: wait for the rows it gives, not the ones still shown.
    await expect(first).toHaveText(/^0xff/);
    const start = (await first.textContent())!.split('–')[0];
    await first.click();
    await expect(app.address).toHaveValue(start);
    // The result for this address (the previous walk's was a 4 KiB page too).
    await expect(app.result).toContainText(start);
    await expect(app.result).toContainText('(4 KiB page)');
    const pa = (await app.resultAddress())!;
    // Physical → linear: the address just translated is among the linear addresses that map its frame.
    await space.getByRole('textbox', { name: 'Physical address' }).fill(pa);
    await space.getByRole('button', { name: 'Find linear addresses' }).click();
    await expect(space.getByRole('list', { name: 'Linear addresses that map it' })).toContainText(start);
    // A typed kernel address translates too: the same page, offset 0x123.
    const plus = (x: string) => '0x' + (BigInt(x) + 0x123n).toString(16);
    await app.address.fill(plus(start));
    await app.translate.click();
    await expect(app.address).toHaveValue(plus(start));
    await expect.poll(() => app.resultAddress()).toBe(plus(pa));
    // Copy as text: one line per reference, then the outcome.
    await page.getByRole('button', { name: 'Copy as text' }).click();
    await expect(page.getByText('The walk is on the clipboard as plain text.')).toBeVisible();
    const text = await page.evaluate(() => navigator.clipboard.readText());
    expect(text.split('\n').filter((l) => /^\s+\d+ {2}L\d /.test(l))).toHaveLength(5);
    expect(text).toContain(`Result: ${plus(pa)}`);
    // Copy link: a small scenario of the walk's own entries, said so; it reopens the same walk.
    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect(page.getByText(/holds the 5 entries this walk read from guest-5\.elf/)).toBeVisible();
    const url = await page.evaluate(() => navigator.clipboard.readText());
    const other = await context.newPage();
    await other.goto(url);
    await expect(other.getByRole('status', { name: 'Translation result' })).toContainText(plus(pa));
    await app.shot('dump-5-level');
  });

  test('after a reload the dump must be chosen again, and Pagoda says so; chosen again, it returns to the address that was shown', async ({ app, page }) => {
    test.setTimeout(240_000);
    const file = await ensureGuestDump('5');
    await app.open();
    await app.preset('Protection key denies a write');
    await page.getByLabel('Import file').setInputFiles(file);
    await expect(page.getByRole('heading', { name: 'guest-5.elf' })).toBeVisible({ timeout: 30_000 });
    const space = page.getByRole('region', { name: 'Address space' });
    await space.getByRole('radio', { name: 'Kernel' }).check();
    const before = await app.address.inputValue();
    const row = space.getByRole('row').nth(2).getByRole('button');
    await expect(row).toHaveText(/^0xff/); // the kernel rows, once the worker has given them
    await row.click();
    // The row's address is walked: wait for it to be shown and saved before reading it.
    await expect(app.address).not.toHaveValue(before);
    const va = await app.address.inputValue();
    await app.settled();
    await page.reload();
    await expect(app.alert).toContainText('You were looking at the QEMU dump guest-5.elf');
    await expect(app.alert).toContainText('choose it again with Import');
    await expect(page.getByRole('heading', { name: 'Protection key denies a write' })).toBeVisible();
    await page.getByLabel('Import file').setInputFiles(file);
    await expect(page.getByRole('heading', { name: 'guest-5.elf' })).toBeVisible({ timeout: 30_000 });
    await expect(app.address).toHaveValue(va);
    await expect(app.alert).toHaveCount(0);
  });
});
