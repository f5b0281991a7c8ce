/**
 * Issue 8, part 2: the keys a room uses. → / Page Down / Space next, ← / Page
 * Up previous, Home / End first and last, whatever non-text control has focus;
 * choosing a preset or a radio hands focus back to the picture; arrow keys in
 * a text field stay the text field's.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const at = (page: Page, n: number, of: number) => expect(page.getByText(`Reference ${n} of ${of}`, { exact: true })).toBeVisible();

test.describe('2. keys a room uses', () => {
  test('after choosing a preset, → steps the walk (not the preset), and so do Page Down, Space, Page Up, ←, Home and End', async ({ app, page }) => {
    await app.open();
    const picker = page.getByRole('combobox', { name: 'Preset' });
    await picker.focus();
    await app.preset('4-level walk to a 4 KiB page');
    // The choice hands focus to the picture.
    await expect(page.locator('[data-picture="tree"]')).toBeFocused();
    await at(page, 0, 4);
    await page.keyboard.press('ArrowRight');
    await at(page, 1, 4);
    await expect(picker).toHaveValue('lm4-4k');
    await page.keyboard.press('PageDown');
    await at(page, 2, 4);
    await page.keyboard.press(' ');
    await at(page, 3, 4);
    await page.keyboard.press('PageUp');
    await at(page, 2, 4);
    await page.keyboard.press('ArrowLeft');
    await at(page, 1, 4);
    await page.keyboard.press('End');
    await at(page, 4, 4);
    await page.keyboard.press('Home');
    await at(page, 0, 4);
    // Even with the list itself focused, → steps and does not change the preset; at the end it changes nothing.
    await picker.focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowRight');
    await at(page, 4, 4);
    await expect(picker).toHaveValue('lm4-4k');
  });

  test('after clicking Write, → steps the walk and Write stays chosen; the focus is on the picture', async ({ app, page }) => {
    await app.open();
    await app.preset('4-level walk to a 4 KiB page');
    const write = page.getByRole('radio', { name: 'Write' });
    await write.click();
    await expect(write).toBeChecked();
    await expect(page.locator('[data-picture="tree"]')).toBeFocused();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await at(page, 1, 4);
    await expect(write).toBeChecked();
    await expect(page.getByRole('radio', { name: 'Fetch' })).not.toBeChecked();
    // A radio that keeps focus (reached with the keyboard) still gives → to the walk.
    await write.focus();
    await page.keyboard.press('ArrowRight');
    await at(page, 2, 4);
    await expect(write).toBeChecked();
  });

  test('step keys work whatever non-text control has focus: a button, a checkbox, a list', async ({ app, page }) => {
    await app.open();
    await app.preset('4-level walk to a 4 KiB page');
    await page.getByRole('button', { name: 'Dark theme' }).focus();
    await page.keyboard.press('PageDown');
    await at(page, 1, 4);
    await page.getByRole('checkbox', { name: 'CR4.SMEP' }).focus();
    await page.keyboard.press('ArrowRight');
    await at(page, 2, 4);
    await expect(page.getByRole('checkbox', { name: 'CR4.SMEP' })).not.toBeChecked();
    const speed = page.getByRole('combobox', { name: 'Speed' });
    await speed.focus();
    await page.keyboard.press('ArrowLeft');
    await at(page, 1, 4);
    await expect(speed).toHaveValue('1');
    // Space and Enter still press the focused button.
    await page.getByRole('button', { name: 'Next step' }).focus();
    await page.keyboard.press('Enter');
    await at(page, 2, 4);
  });

  test('arrow keys, Home, End and Space in the address field stay the field’s', async ({ app, page }) => {
    await app.open();
    await app.preset('4-level walk to a 4 KiB page');
    const va = app.address;
    await va.click();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    expect(await va.evaluate((e: HTMLInputElement) => e.selectionStart)).toBe(1);
    await at(page, 0, 4);
    await page.keyboard.press('PageDown');
    await at(page, 0, 4);
  });

  test('under a shadow MMU, Page Down runs the next guest operation; quick presses add up', async ({ app, page }) => {
    await app.open();
    await app.preset('Shadow paging: write flooding zaps a page');
    await expect(page.locator('[data-picture="shadow"]')).toBeFocused();
    for (let i = 0; i < 3; i++) await page.keyboard.press('PageDown');
    await expect(page.getByText('Operation 3 of 6', { exact: true })).toBeVisible();
    await page.keyboard.press('PageUp');
    await expect(page.getByText('Operation 2 of 6', { exact: true })).toBeVisible();
    await page.keyboard.press('End');
    await expect(page.getByText('Operation 6 of 6', { exact: true })).toBeVisible();
  });

  test('K plays and pauses (P is Present); the buttons say their keys', async ({ app, page }) => {
    await app.open();
    await app.preset('4-level walk to a 4 KiB page');
    await expect(page.getByRole('button', { name: 'Play' })).toHaveAttribute('title', 'Play / pause (K)');
    await expect(page.getByRole('button', { name: 'Next step' })).toHaveAttribute('title', 'Next step (→, Page Down or Space)');
    await page.keyboard.press('k');
    await at(page, 4, 4);
    await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  });
});
