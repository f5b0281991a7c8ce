import { test, expect } from './fixtures';

test.describe('1. address bar', () => {
  test('accepts 0x, underscores and upper case; splits the bits by level live', async ({ app, page }) => {
    await app.open();
    const bits = page.getByRole('list', { name: 'Address bits by level' });
    await app.address.fill('0XFFFF_8880_0000_1000');
    await expect(bits.getByRole('listitem').filter({ hasText: 'PML4' })).toContainText('0x111');
    await expect(bits.getByRole('listitem').filter({ hasText: 'Offset' })).toContainText('0x000');
    await app.translate.click();
    await expect(app.result).toContainText('1 GiB');
    await expect(app.address).toHaveValue('0xffff888000001000');
  });

  test('a bad value gets an inline message', async ({ app, page }) => {
    await app.open();
    await app.address.fill('0x12g4');
    await expect(app.address).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('“g” is not a hex digit')).toBeVisible();
    await app.translate.click();
    await expect(app.steps).toHaveCount(4);
  });

  test('a non-canonical address is marked, explained and faults with #GP', async ({ app, page }) => {
    await app.open();
    await app.address.fill('0x0000_8000_0000_0000');
    await expect(page.getByText(/Not canonical: bits 63:47 must all equal bit 47/)).toBeVisible();
    await app.shot('address-non-canonical');
    await app.translate.click();
    await expect(app.result).toContainText('#GP');
    await expect(app.steps).toHaveCount(0);
  });

  test('a large page: once the walk reads the leaf, the levels below it join the offset', async ({ app, page }) => {
    await app.open();
    await app.preset('2 MiB page: the walk stops at the PD');
    const bits = page.getByRole('list', { name: 'Address bits by level' });
    const seg = (name: string) => bits.getByRole('listitem').filter({ hasText: new RegExp(`^${name}\\d`) });
    // Before the walk the CPU does not know the page size: every level has its index.
    await expect(seg('PT')).toContainText('20:12');
    await expect(seg('Offset')).toContainText('11:0');
    await app.end();
    await expect(seg('PT')).toHaveCount(0);
    await expect(seg('Offset')).toContainText('20:0');
    await expect(seg('Offset')).toContainText('0x034567');
    await expect(page.getByText('The walk ended at a 2 MiB page: bits 20:0 are the offset into it.')).toBeVisible();
    await page.getByRole('button', { name: 'Previous step' }).click();
    await expect(seg('PT')).toContainText('20:12');
    await app.preset('32-bit paging with a 4 MiB page (PSE-36)');
    await app.end();
    await expect(seg('Offset')).toContainText('21:0');
    await expect(seg('PT')).toHaveCount(0);
  });

  test('access kind, user mode and implicit access re-run the walk', async ({ app, page }) => {
    await app.open();
    await app.preset('SMAP: the kernel may not touch user data');
    await app.end();
    await expect(app.result).toContainText('#PF');
    await page.getByRole('checkbox', { name: 'User mode (CPL 3)' }).check();
    await expect(app.result).toContainText('0x');
    await expect(app.result).not.toContainText('#PF');
    await page.getByRole('radio', { name: 'Write' }).check();
    await expect(page.getByRole('radio', { name: 'Write' })).toBeChecked();
  });
});
