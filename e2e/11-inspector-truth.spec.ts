/**
 * The inspector says what the walk does with every bit (the four reported
 * bugs): bit 7 of a 32-bit PDE with CR4.PSE=0 is ignored; a PDPTE with PS=1
 * and no 1 GiB pages is a reserved-bit stop, not a leaf; bit 63 with
 * EFER.NXE=0 is reserved, not XD; a 4 MiB PDE shows PA bits 39:32.
 * Scenarios are FORMAT.md walk cases in e2e/fixtures, or made with the controls.
 */
import type { Locator } from '@playwright/test';
import { test, expect, type PagodaPage } from './fixtures';

/** The inspector's table row whose header is `name`. */
const row = (app: PagodaPage, name: string): Locator =>
  app.inspector.getByRole('row').filter({ has: app.page.getByRole('rowheader', { name, exact: true }) });

/** Import a walk case (its heading is the case id) and select the entry read at `step`. */
async function openCase(app: PagodaPage, file: string, id: string, step: number): Promise<void> {
  await app.open();
  await app.page.getByLabel('Import file').setInputFiles(`e2e/fixtures/${file}`);
  await expect(app.page.getByRole('heading', { name: id })).toBeVisible();
  await app.steps.nth(step).getByRole('button').click();
}

test.describe('11. the inspector decodes as the walk reads', () => {
  test('32-bit PDE with CR4.PSE=0: bit 7 is ignored and the PDE points to a page table', async ({ app, page }) => {
    await openCase(app, 'inspector-pse-off.json', 'inspector-32bit-pse-off-bit7', 0);
    const insp = app.inspector;
    await expect(insp).toContainText('PD[0x1]');
    await expect(row(app, 'PS')).toContainText('ignored: CR4.PSE=0');
    await expect(row(app, 'PS')).not.toContainText('reserved');
    await expect(insp).toContainText('Reserved here: none');
    await expect(insp).toContainText('points to a table at physical 0x2000');
    await expect(insp.getByRole('button', { name: 'Toggle bit 7' })).toHaveAttribute('title', /ignored: CR4\.PSE=0/);
    await expect(insp).toContainText('Ignored here:');
    await app.shot('inspector-pse-off');
    // The result shows once the walk has made all its references.
    await expect(app.result).toContainText('Not shown yet: the walk has made 1 of its 2 references');
    await app.end();
    await expect(app.result).toContainText('0x5234');
    // Turning PSE on makes the same PDE a 4 MiB page: now PS is a field.
    await page.getByRole('checkbox', { name: 'CR4.PSE' }).check();
    await expect(insp).toContainText('maps a page at');
    await expect(insp.getByRole('checkbox', { name: 'PS (bit 7)' })).toBeChecked();
    await expect(row(app, 'PS')).toContainText('maps a 4 MiB page');
  });

  test('PDPTE with PS=1 and 1 GiB pages off: a reserved-bit stop, not a 1 GiB leaf', async ({ app }) => {
    await openCase(app, 'inspector-gbpages-off.json', 'inspector-pdpte-ps-no-gbpages', 1);
    const insp = app.inspector;
    await expect(insp).toContainText('PDPT[0x1]');
    await expect(insp).toContainText('reserved bit set: the walk stops here');
    await expect(insp).not.toContainText('maps a');
    await expect(insp).not.toContainText('page at');
    await expect(row(app, 'PS')).toContainText('reserved: 1 GiB pages are not supported');
    await expect(row(app, 'Address')).toContainText('not used: the walk stops at this entry');
    await expect(insp).toContainText('Reserved bits set: bit 7 (1 GiB pages are not supported)');
    await expect(insp.getByRole('button', { name: 'Toggle bit 7' })).toHaveClass(/\bbad\b/);
    await expect(app.result).toContainText('RSVD');
    await app.shot('inspector-gbpages-off');
  });

  test('bit 63 with EFER.NXE=0 is reserved, not XD (imported case)', async ({ app }) => {
    await openCase(app, 'inspector-nxe-off.json', 'inspector-xd-without-nxe', 3);
    const insp = app.inspector;
    await expect(insp).toContainText('PT[0x1]');
    await expect(insp).toContainText('Reserved here: bits 63 (EFER.NXE=0), 51:46 (above MAXPHYADDR 46)');
    await expect(row(app, 'XD')).toContainText('reserved: EFER.NXE=0');
    await expect(insp).not.toContainText('execute disabled');
    await expect(app.result).toContainText('RSVD');
    await app.shot('inspector-nxe-off');
  });

  test('bit 63 with EFER.NXE=0 is reserved, not XD (turning NXE off)', async ({ app, page }) => {
    await app.open();
    await app.steps.nth(3).getByRole('button').click();
    const insp = app.inspector;
    await expect(row(app, 'XD')).toContainText('execute disabled');
    await expect(insp.getByRole('checkbox', { name: 'XD (bit 63)' })).toBeChecked();
    await page.getByRole('checkbox', { name: 'EFER.NXE' }).uncheck();
    await expect(row(app, 'XD')).toContainText('reserved: EFER.NXE=0');
    await expect(insp).not.toContainText('execute disabled');
    await expect(insp).toContainText('Reserved bits set: bit 63 (EFER.NXE=0)');
    await expect(app.result).toContainText('RSVD');
  });

  test('a 32-bit 4 MiB PDE shows PA bits 39:32, and editing them moves the page', async ({ app }) => {
    await openCase(app, 'inspector-pse36.json', 'inspector-4mib-pde-pa-39-32', 0);
    const insp = app.inspector;
    await expect(insp).toContainText('PD[0x3]');
    await expect(row(app, 'PA 39:32')).toContainText('20:13');
    await expect(row(app, 'PA 39:32')).toContainText('physical address bits 39:32 of the page');
    await expect(row(app, 'Address')).toContainText('page at 0xab00c00000');
    await expect(insp).toContainText('Reserved here: bit 21 (PSE-36 width: M′ = 40)');
    await expect(app.result).toContainText('0xab00c01234');
    // Field labels are not clipped, and the table stays inside the panel.
    for (const h of await insp.getByRole('rowheader').all()) {
      expect(await h.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    }
    const [table, panel] = [await insp.getByRole('table').boundingBox(), await insp.boundingBox()];
    expect(table!.x + table!.width).toBeLessThanOrEqual(panel!.x + panel!.width);
    await app.shot('inspector-pse36');
    const pa = insp.getByRole('textbox', { name: 'PA 39:32 (bits 20:13)' });
    await expect(pa).toHaveValue('0xab');
    await pa.fill('0x12');
    await pa.press('Enter');
    await expect(app.result).toContainText('0x1200c01234');
  });
});
