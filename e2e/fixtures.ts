/** Page object for the one screen (Actual Budget's e2e model): role locators with the names the issue fixes. */
import { test as base, expect, type Locator, type Page } from '@playwright/test';

export class PagodaPage {
  readonly address: Locator;
  readonly translate: Locator;
  readonly prev: Locator;
  readonly next: Locator;
  readonly play: Locator;
  readonly steps: Locator;
  readonly result: Locator;
  readonly la57: Locator;
  readonly virtualization: Locator;
  readonly ept5: Locator;
  readonly copyLink: Locator;
  readonly alert: Locator;
  readonly inspector: Locator;

  constructor(readonly page: Page) {
    this.address = page.getByRole('textbox', { name: 'Virtual address' });
    this.translate = page.getByRole('button', { name: 'Translate' });
    this.prev = page.getByRole('button', { name: 'Previous step' });
    this.next = page.getByRole('button', { name: 'Next step' });
    this.play = page.getByRole('button', { name: 'Play' });
    this.steps = page.getByRole('list', { name: 'Walk steps' }).getByRole('listitem');
    this.result = page.getByRole('status', { name: 'Translation result' });
    this.la57 = page.getByRole('checkbox', { name: 'LA57' });
    this.virtualization = page.getByRole('radiogroup', { name: 'Virtualization' });
    this.ept5 = page.getByRole('checkbox', { name: 'EPT5' });
    this.copyLink = page.getByRole('button', { name: 'Copy link' });
    this.alert = page.getByRole('alert');
    this.inspector = page.getByRole('region', { name: 'Entry inspector' });
  }

  /** Open the app fresh (no saved scenario) and wait for the default walk. */
  async open(hash = ''): Promise<void> {
    await this.page.goto('/' + hash);
    await expect(this.page.locator('html[data-ready="true"]')).toHaveCount(1);
  }

  /** Choose a preset in the picker and wait until it is shown: at reference (or operation) 0. */
  async preset(title: string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Preset' }).selectOption({ label: title });
    await expect(this.page.getByRole('heading', { name: title })).toBeVisible();
    // The default document has the same title as the first preset: wait for the open itself.
    await expect(this.page.locator('.step-count')).toHaveText(/^(Reference|Operation) 0 of \d+$/);
  }

  async virt(name: 'None' | 'EPT' | 'Shadow paging' | 'Nested EPT'): Promise<void> {
    await this.virtualization.getByRole('radio', { name, exact: true }).check(); // exact: 'EPT' is also part of 'Nested EPT'
  }

  /** The first hex number in the result: the physical address on success. */
  async resultAddress(): Promise<string | null> {
    const t = await this.result.textContent();
    return /0x[0-9a-f]+/.exec(t ?? '')?.[0] ?? null;
  }

  /** Go to the last step: a preset from the picker opens at reference 0, before the walk, with the result not yet shown. */
  async end(): Promise<void> {
    await this.page.getByRole('button', { name: 'Last step' }).click();
    await expect(this.result).not.toContainText('Not shown yet');
  }

  /** Import a file made here (a case object, an array, or JSON Lines text). */
  async importText(name: string, content: unknown): Promise<void> {
    const text = typeof content === 'string' ? content : JSON.stringify(content);
    await this.page.getByLabel('Import file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
  }

  /** Wait until the address bar holds the state shown and it is saved (what a reload restores). */
  async settled(): Promise<void> {
    await expect(this.page.locator('html[data-link="current"][data-saved="yes"]')).toHaveCount(1);
  }

  /** Text of the result panel. */
  async resultText(): Promise<string> {
    return (await this.result.textContent()) ?? '';
  }

  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/screenshots/${name}.png` });
  }
}

export const test = base.extend<{ app: PagodaPage }>({
  app: async ({ page }, use) => {
    await use(new PagodaPage(page));
  },
});

export { expect };
