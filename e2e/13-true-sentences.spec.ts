/**
 * Every sentence on screen is true in its mode (issue 7): the Translation
 * result under shadow paging and nested EPT, named address spaces, A/D changes
 * on faults, the EPT panel, inputs kept consistent across modes, bad input in
 * words a person understands, and states hardware can never be in.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';

const CPU = { paging: '4', cr3: '0x1000', wp: true, pse: false, nxe: true, smep: false, smap: false, ac: false, pke: false, pkru: '0x0', maxphyaddr: 46, gbpages: true };

test.describe('13. every sentence is true in its mode', () => {
  test('under shadow paging the Result is what the CPU gets: a stale translation said to be stale, beside what the guest’s tables say', async ({ app, page }) => {
    await app.open();
    await app.preset('Shadow paging: a PTE edit with and without INVLPG');
    for (let n = 1; n <= 3; n++) await page.getByRole('button', { name: 'Next step' }).click();
    await expect(page.getByText('Operation 3 of 5')).toBeVisible();
    await expect(page.locator('.op-sentence')).toContainText('still the old frame');
    await expect(app.result).toContainText('stale');
    await expect.poll(() => app.resultAddress()).toBe('0x100201234');
    await expect(app.result).toContainText('guest-physical 0x205234');
    await expect(app.result).toContainText('host-physical 0x100205234');
    await page.getByRole('button', { name: 'Next step' }).click(); // INVLPG
    await expect(page.locator('.op-sentence')).toContainText('dropped 1 SPTE');
    await page.getByRole('button', { name: 'Next step' }).click();
    await expect.poll(() => app.resultAddress()).toBe('0x100205234');
    await expect(app.result).not.toContainText('stale');
  });

  test('the PAE-root preset: while the PDPTE registers still map it, the Result says it translates; after the CR3 reload, #PF', async ({ app, page }) => {
    await app.open();
    await app.preset("Shadow paging: a PAE guest's PAE root");
    for (let n = 1; n <= 4; n++) await page.getByRole('button', { name: 'Next step' }).click();
    await expect(page.getByText('Operation 4 of 6')).toBeVisible();
    await expect(page.locator('.op-sentence')).toContainText('Still translates');
    await expect(app.result).not.toContainText('#PF');
    await expect.poll(() => app.resultAddress()).toBe('0x100200000');
    await page.getByRole('button', { name: 'Last step' }).click();
    await expect(app.result).toContainText('#PF');
  });

  test('nested EPT names L2-linear, L2-physical, L1-physical and host-physical; the 2020 hang is shown as a hang', async ({ app, page }) => {
    await app.open();
    await app.preset('Nested EPT: a 4-level EPT12 on a 5-level host');
    await page.getByRole('button', { name: 'Next step' }).click();
    await expect(app.result).toContainText("L2-linear 0x601234 → L2-physical 0x201234 (L2's tables) → L1-physical 0x100201234 (EPT12) → host-physical 0x300201234");
    await expect.poll(() => app.resultAddress()).toBe('0x300201234');
    await app.preset('Nested EPT: the 2020 hang');
    await expect(app.result).toContainText('L2 hangs');
    await expect(app.result).toContainText('L1-physical 0x100201234');
    await expect(app.result).not.toContainText('host-physical 0x100201234');
  });

  test('a guest #PF under EPT with A/D says which EPT accessed/dirty flags the completed EPT walks set', async ({ app, page }) => {
    await app.open();
    await app.preset('Not-present page fault');
    await app.virt('EPT');
    await page.getByRole('checkbox', { name: 'EPT A/D' }).check();
    await expect(app.result).toContainText('#PF');
    await expect(app.result).toContainText('EPT accessed flags in');
    await expect(app.result).toContainText('EPT flags set by the EPT walks that completed stay');
    await expect(app.result).not.toContainText('No accessed or dirty flag changes');
  });

  test('sentences under EPT say which address is guest-physical and which host-physical', async ({ app, page }) => {
    await app.open();
    await app.preset('2D walk: 4-level guest on 4-level EPT (24 references)');
    await expect(page.getByText('Reference 0 of 24', { exact: true })).toBeVisible();
    for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'Next step' }).click();
    const sentence = page.locator('.step-sentence');
    await expect(sentence).toContainText(/^PML4\[0xfe\] at guest-physical 0x1007f0 \(host-physical 0x1001007f0\) points to the PDPT at guest-physical 0x105000/);
    await page.getByRole('button', { name: 'Next step' }).click();
    await expect(sentence).toContainText(/^EPT PML4\[0x0\] at host-physical 0x80000000 points to the EPT PDPT at host-physical 0x8000[0-9a-f]{4}.*\(translating guest-physical 0x105740: the guest PDPT table\)/);
    await page.getByRole('button', { name: 'Last step' }).click();
    await expect(app.result).toContainText('Linear 0x7f3a1b2c5123 translates to host-physical 0x103a5c123 (guest-physical 0x3a5c123)');
  });

  test('the EPT panel shows the actual EPTP and the layout its leaves build — also for an imported case', async ({ app, page }) => {
    await app.open();
    await app.virt('EPT');
    const panel = page.getByRole('region', { name: 'EPT', exact: true });
    await expect(panel).toContainText('EPTP = 0x8000001e');
    await expect(panel).toContainText('page-walk length − 1: a 4-level EPT');
    await expect(panel).toContainText('each maps guest-physical G to host-physical G + 0x100000000');
    await expect(panel).toContainText('2 MiB');
    const c = JSON.parse(readFileSync('e2e/fixtures/walk-public-case.json', 'utf8'));
    await page.getByLabel('Import file').setInputFiles('e2e/fixtures/walk-public-case.json');
    await expect(page.getByRole('heading', { name: c.id })).toBeVisible();
    const root = BigInt(c.ept.root);
    const eptp = root + BigInt((c.ept.levels - 1) * 8 + (c.ept.ad ? 64 : 0) + 6);
    await expect(panel).toContainText(`EPTP = 0x${eptp.toString(16)}`);
    await expect(panel).not.toContainText('+ 0x100000000');
  });

  test('mode switches keep inputs consistent: the 32-bit cut is said and undone; implicit supervisor survives shadow paging', async ({ app, page }) => {
    await app.open();
    await page.getByLabel('Paging mode').selectOption('32');
    await expect(app.address).toHaveValue('0x1b2c5123');
    await expect(page.getByText(/Cut to 32 bits/)).toContainText('0x7f3a1b2c5123');
    await page.getByLabel('Paging mode').selectOption('4');
    await expect(app.address).toHaveValue('0x7f3a1b2c5123');
    await expect(page.getByText(/Cut to 32 bits/)).toHaveCount(0);
    await app.preset('SMAP: the kernel may not touch user data');
    await page.getByRole('checkbox', { name: 'EFLAGS.AC' }).check();
    await expect(app.result).not.toContainText('#PF');
    const implicit = page.getByRole('checkbox', { name: 'Implicit supervisor access' });
    await implicit.check();
    await expect(app.result).toContainText('#PF, error code 0x1');
    await app.virt('Shadow paging');
    await expect(implicit).toBeChecked();
    await app.translate.click();
    await expect(page.getByText('Operation 1 of 1')).toBeVisible();
    await expect(implicit).toBeChecked();
    await expect(app.result).toContainText('#PF, error code 0x1 (injected by KVM)');
  });

  test('bad input is explained in words, stays in its field, and a banner goes with the next good change', async ({ app, page }) => {
    await app.open();
    await app.address.fill('0x');
    await expect(page.getByText('Virtual address: no digits after 0x.')).toBeVisible();
    await app.address.fill('0x 7f3a 1b2c 5123');
    await expect(app.address).toHaveAttribute('aria-invalid', 'false');
    await app.translate.click();
    await expect(app.address).toHaveValue('0x7f3a1b2c5123');
    const pkru = page.getByRole('textbox', { name: 'PKRU' });
    const before = await app.resultText();
    await pkru.fill('-1');
    await pkru.press('Enter');
    await expect(page.getByText('PKRU: “-1” is negative; PKRU is an unsigned hex number.')).toBeVisible();
    await expect(pkru).toHaveValue('-1');
    expect(await app.resultText()).toBe(before);
    await pkru.fill('0x4');
    await pkru.press('Enter');
    await expect(pkru).toHaveValue('0x4');
    await expect(page.getByText(/is negative/)).toHaveCount(0);
    // A refused entry value stays in its field with its message.
    await app.steps.nth(3).click();
    const value = page.getByRole('textbox', { name: 'Entry value' });
    await value.fill('0xzz');
    await page.getByRole('button', { name: 'Write' }).click();
    await expect(app.inspector.getByText(/is not a hex number/)).toBeVisible();
    await expect(value).toHaveValue('0xzz');
    await expect(value).toHaveAttribute('aria-invalid', 'true');
    // A refused file raises a banner; the next good change takes it away.
    await app.importText('bad.json', { cpu: { ...CPU, maxphyaddr: 'lots' }, ept: null, memory: {} });
    await expect(app.alert).toContainText('cpu.maxphyaddr');
    await page.getByRole('checkbox', { name: 'CR4.SMEP' }).check();
    await expect(app.alert).toHaveCount(0);
  });

  test('an imported expect the engine contradicts is shown beside what Pagoda computes', async ({ app, page }) => {
    await app.open();
    const c = JSON.parse(readFileSync('e2e/fixtures/walk-public-case.json', 'utf8'));
    const truth = c.expect.pa;
    c.expect.pa = '0x1234';
    await app.importText('wrong.json', c);
    const panel = page.getByRole('region', { name: 'Imported expectation' });
    await expect(panel).toContainText('Pagoda computes something else for 1 of');
    await expect(panel.getByRole('row', { name: /pa/ })).toContainText('0x1234');
    await expect(panel.getByRole('row', { name: /pa/ })).toContainText(truth);
  });

  test('states hardware can never be in are named: CR3 above MAXPHYADDR, a guest-physical address beyond 4-level EPT', async ({ app, page }) => {
    await app.open();
    await app.importText('cr3.json', { id: 'cr3-above', cpu: { ...CPU, maxphyaddr: 36, cr3: '0x1000000000' }, ept: null, memory: { '0x1000000000': '0x2003' }, access: { va: '0x0', op: 'read', cpl: 0, implicit: false } });
    await expect(page.getByRole('heading', { name: 'cr3-above' })).toBeVisible();
    await expect(app.result).toContainText('#GP(0) at MOV to CR3: CR3 above MAXPHYADDR');
    await app.importText('gpa.json', { id: 'gpa-beyond', cpu: { ...CPU, maxphyaddr: 52, cr3: '0x1000000001000' }, ept: { levels: 4, root: '0x100000', ad: false, execonly: false, maxphyaddr: 52 }, memory: {}, access: { va: '0x0', op: 'read', cpl: 0, implicit: false } });
    await expect(page.getByRole('heading', { name: 'gpa-beyond' })).toBeVisible();
    await expect(app.result).toContainText('Guest-physical 0x1000000001000 is beyond 4-level EPT');
  });
});
