/**
 * Issue 8, parts 4–7: predict mode, quizzes, lessons and the embed, used as a
 * class would: answers typed and checked against the walk, a quiz link
 * opened in two browsers, a lesson followed stop by stop with the keys a
 * clicker sends, an own lesson file imported, and the embed inside a course
 * page's iframe. axe in each of those views.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const LM4 = '4-level walk to a 4 KiB page';
const predictPanel = (page: Page) => page.getByRole('region', { name: /Predict/ });
const stepCount = (page: Page) => page.locator('.step-count').first();

async function seriousAxe(page: Page, include?: string): Promise<string[]> {
  const b = new AxeBuilder({ page });
  if (include) b.include(include);
  const r = await b.analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target}`);
}

test.describe('predict mode', () => {
  test('each reference is asked before it is shown; answers are checked against the walk, explained, and scored; the result waits for the outcome', async ({ app, page }) => {
    await app.open();
    await app.preset(LM4);
    await app.end();
    await page.getByRole('checkbox', { name: 'Predict' }).check();
    // It starts before the walk: nothing read yet, no answer on screen.
    await expect(stepCount(page)).toHaveText('Reference 0 of 4');
    await expect(app.steps).toHaveCount(0);
    await expect(app.result).not.toContainText('0x3a5c123');
    await expect(app.inspector).not.toContainText('PML4[0xfe]');
    const bits = page.getByRole('list', { name: 'Address bits by level' });
    await expect(bits.getByRole('listitem').filter({ hasText: 'PML4' })).toContainText('hidden until you predict it');
    // Next waits for an answer.
    await expect(app.next).toBeDisabled();
    await page.keyboard.press('ArrowRight');
    await expect(stepCount(page)).toHaveText('Reference 0 of 4');

    const panel = predictPanel(page);
    await expect(panel).toContainText('Reference 1 of 4: which PML4 entry does the walk read?');
    const input = panel.getByRole('textbox', { name: 'Entry index (hex)' });
    // Unreadable: said so, nothing counted.
    await input.fill('zz');
    await panel.getByRole('button', { name: 'Check' }).click();
    await expect(panel.locator('.field-error')).toBeVisible();
    await expect(panel).toContainText('right 0 of 0');
    // Wrong: the answer and why, from the walk.
    await input.fill('1ff');
    await panel.getByRole('button', { name: 'Check' }).click();
    await expect(panel).toContainText('Not quite: the answer is PML4[0xfe]');
    await expect(panel).toContainText('Bits 47:39 of linear 0x7f3a1b2c5123 are 0xfe');
    await expect(panel).toContainText('right 0 of 1');
    await expect(bits.getByRole('listitem').filter({ hasText: 'PML4' })).toContainText('0x0fe');
    await expect(bits.getByRole('listitem').filter({ hasText: 'PDPT' })).toContainText('hidden until you predict it');

    await app.next.click();
    await expect(stepCount(page)).toHaveText('Reference 1 of 4');
    await expect(app.steps).toHaveCount(1);
    await panel.getByRole('textbox', { name: 'Entry index (hex)' }).fill('0xE8');
    await panel.getByRole('button', { name: 'Check' }).click();
    await expect(panel).toContainText('Right: PDPT[0xe8]');
    await expect(panel).toContainText('right 1 of 2');

    await app.next.click();
    await panel.getByRole('button', { name: 'Reveal' }).click();
    await expect(panel).toContainText('The answer: PD[0xd9]');
    // A reveal counts as given, not as right.
    await expect(panel).toContainText('right 1 of 3');
    await app.next.click();
    await panel.getByRole('textbox', { name: 'Entry index (hex)' }).fill('c5');
    await panel.getByRole('button', { name: 'Check' }).click();
    await expect(panel).toContainText('right 2 of 4');
    await app.next.click();
    await expect(stepCount(page)).toHaveText('Reference 4 of 4');

    // The outcome is asked before the result is shown.
    await expect(app.result).toContainText('say in the Predict panel what the CPU gets');
    await expect(app.result).not.toContainText('0x3a5c123');
    await panel.getByRole('radio', { name: 'It reaches a physical address' }).check();
    await panel.getByRole('textbox', { name: 'Physical address' }).fill('0x3a5c000');
    await panel.getByRole('button', { name: 'Check' }).click();
    await expect(panel).toContainText('Not quite: the answer is');
    await expect(panel).toContainText('0x3a5c123');
    await expect(app.result).toContainText('0x3a5c123');
    await expect(panel).toContainText('right 2 of 5');
    expect(await seriousAxe(page)).toEqual([]);
  });

  test('in presentation mode the question sits beside the picture at room size, and the last step does not give the outcome away', async ({ app, page }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await app.open();
    await app.preset(LM4);
    await page.getByRole('checkbox', { name: 'Predict' }).check();
    await page.keyboard.press('p');
    const prompt = page.locator('.present-prompt');
    await expect(prompt).toContainText('which PML4 entry does the walk read?');
    const px = await prompt.locator('.question').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    expect(px).toBeGreaterThanOrEqual(18);
    for (const [n, i] of ['fe', 'e8', 'd9', 'c5'].entries()) {
      await prompt.getByRole('textbox', { name: 'Entry index (hex)' }).fill(i);
      await prompt.getByRole('button', { name: 'Check' }).click();
      // The score, not "Right:" (the previous reference's verdict says that too): Next waits for this answer.
      await expect(prompt).toContainText(`right ${n + 1} of ${n + 1}`);
      await page.keyboard.press('PageDown');
      await expect(stepCount(page)).toHaveText(`Reference ${n + 1} of 4`);
    }
    await expect(stepCount(page)).toHaveText('Reference 4 of 4');
    await expect(page.locator('.present-step')).not.toContainText('0x3a5c123');
    await prompt.getByRole('radio', { name: 'It reaches a physical address' }).check();
    await prompt.getByRole('textbox', { name: 'Physical address' }).fill('3a5c123');
    await prompt.getByRole('button', { name: 'Check' }).click();
    await expect(prompt).toContainText('right 5 of 5');
    await expect(page.locator('.present-step')).toContainText('0x3a5c123');
    await app.shot('predict-present-1920');
    expect(await seriousAxe(page)).toEqual([]);
  });
});

test.describe('quizzes', () => {
  test('a quiz link gives two browsers the same questions; an answer from one is right in the other; Show the walk opens the question’s scenario', async ({ app, page, browser }) => {
    const elsewhere = await browser.newContext();
    await app.open('#quiz.pa.42.3');
    const dialog = page.getByRole('dialog', { name: 'Quiz' });
    await expect(dialog).toContainText('question 1 of 3');
    const prompts: string[] = [];
    for (let i = 0; i < 3; i++) {
      prompts.push((await dialog.locator('.question').first().textContent()) ?? '');
      if (i < 2) await dialog.getByRole('button', { name: 'Next question' }).click();
    }
    await dialog.getByRole('button', { name: 'Previous question' }).click();
    await dialog.getByRole('button', { name: 'Previous question' }).click();
    expect(new Set(prompts).size).toBe(3);
    await dialog.getByRole('textbox', { name: /Your answer/ }).fill('0x1');
    await dialog.getByRole('button', { name: 'Check' }).click();
    await expect(dialog).toContainText('Not quite: the answer is physical');
    const expected = /the answer is physical (0x[0-9a-f]+)/.exec((await dialog.locator('.feedback').textContent()) ?? '')![1];

    const other = await elsewhere.newPage();
    await other.goto('/#quiz.pa.42.3');
    const d2 = other.getByRole('dialog', { name: 'Quiz' });
    for (let i = 0; i < 3; i++) {
      await expect(d2.locator('.question').first()).toHaveText(prompts[i]);
      if (i < 2) await d2.getByRole('button', { name: 'Next question' }).click();
    }
    await d2.getByRole('button', { name: 'Previous question' }).click();
    await d2.getByRole('button', { name: 'Previous question' }).click();
    await d2.getByRole('textbox', { name: /Your answer/ }).fill(expected);
    await d2.getByRole('button', { name: 'Check' }).click();
    await expect(d2).toContainText(`Right: physical ${expected}`);
    expect(await seriousAxe(other)).toEqual([]);
    await elsewhere.close();

    await dialog.getByRole('button', { name: 'Show the walk' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('heading', { name: /Quiz .* seed 42, question 1/ })).toBeVisible();
    // It opens on the whole walk, ending where the answer said.
    await expect(page.getByRole('button', { name: 'Last step' })).toBeDisabled();
    await expect(app.result).not.toContainText('Not shown yet');
    await expect.poll(() => app.resultAddress()).toBe(expected);
  });

  test('a bad quiz link or count is named and changes nothing', async ({ app, page }) => {
    await app.open();
    await app.preset(LM4);
    await app.settled();
    await page.evaluate(() => (location.hash = '#quiz.nope.1.3'));
    await expect(app.alert).toContainText('quiz.topic');
    await expect(page.getByRole('heading', { name: LM4 })).toBeVisible();
    await app.page.reload();
    await expect(page.locator('html[data-ready="true"]')).toHaveCount(1);
    await expect(page.getByRole('heading', { name: LM4 })).toBeVisible();
    await page.getByRole('button', { name: 'Quiz…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quiz' });
    await dialog.getByRole('spinbutton', { name: 'Questions' }).fill('0');
    await dialog.getByRole('button', { name: 'Start quiz' }).click();
    await expect(dialog.locator('.field-error')).toContainText('Questions: must be a whole number from 1 to 20');
    await expect(dialog.getByRole('spinbutton', { name: 'Questions' })).toHaveAttribute('aria-invalid', 'true');
  });
});

test.describe('lessons', () => {
  test('a built-in lesson goes stop by stop with buttons and clicker keys, its narration on screen; a link and a reload keep the stop', async ({ app, page, browser }) => {
    await app.open();
    await page.getByRole('combobox', { name: 'Lesson' }).selectOption({ label: 'From 4-level to 5-level paging (7 stops)' });
    await page.getByRole('button', { name: 'Start lesson' }).click();
    const bar = page.getByRole('region', { name: /From 4-level to 5-level paging/ });
    await expect(bar).toContainText('Stop 1 of 7: A 48-bit linear address');
    await expect(bar.locator('.narration')).toContainText('Under 4-level paging a linear address has 48 significant bits');
    await expect(bar.getByRole('button', { name: 'Previous stop' })).toBeDisabled();
    await bar.getByRole('button', { name: 'Next stop' }).click();
    await expect(bar).toContainText('Stop 2 of 7: The first reference');
    await expect(stepCount(page)).toHaveText('Reference 1 of 4');
    await expect(bar.locator('.narration')).toContainText('PML4[0xfe]');
    // A clicker: Page Down walks on, and at the end of the stop's walk goes to the next stop.
    for (let i = 0; i < 3; i++) await page.keyboard.press('PageDown');
    await expect(stepCount(page)).toHaveText('Reference 4 of 4');
    await page.keyboard.press('PageDown');
    await expect(bar).toContainText('Stop 3 of 7');
    await page.keyboard.press('PageUp');
    await expect(bar).toContainText('Stop 3 of 7');
    await bar.getByRole('button', { name: 'Previous stop' }).click();
    await expect(bar).toContainText('Stop 2 of 7');
    await bar.getByRole('button', { name: 'Next stop' }).click();
    await expect(bar).toContainText('Stop 3 of 7');
    await app.settled();

    const link = page.url();
    const other = await browser.newPage();
    await other.goto(link);
    await expect(other.getByRole('region', { name: /From 4-level to 5-level paging/ })).toContainText('Stop 3 of 7');
    await other.close();
    await page.reload();
    await expect(bar).toContainText('Stop 3 of 7');

    // In a room: the narration beside the picture, at least 18 px.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.keyboard.press('p');
    const narration = page.locator('.present-prompt .narration');
    await expect(narration).toBeVisible();
    expect(await narration.evaluate((e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(18);
    await app.shot('lesson-present-1920');
    expect(await seriousAxe(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Leave lesson' }).click();
    await expect(bar).toBeHidden();
  });

  test('an instructor’s own lesson: exported, edited, imported and followed; a broken one is named and changes nothing', async ({ app, page }) => {
    await app.open();
    await page.getByRole('button', { name: 'Start lesson' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export lesson' }).click();
    const lesson = JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8'));
    expect(lesson.pagodaLesson).toBe(1);
    expect(lesson.stops.length).toBe(7);
    const own = {
      ...lesson,
      id: 'week-3',
      title: 'Week 3: large pages',
      stops: [
        { title: 'A 2 MiB page', narration: 'The PD entry has PS=1: the walk stops one level early.', preset: 'lm4-2m', step: -1 },
        { ...lesson.stops[0], title: 'Back to 4 KiB' },
      ],
    };
    await page.getByRole('button', { name: 'Leave lesson' }).click();
    await app.importText('week-3.lesson.json', own);
    const bar = page.getByRole('region', { name: /Week 3: large pages/ });
    await expect(bar).toContainText('Stop 1 of 2: A 2 MiB page');
    await expect(bar.locator('.narration')).toHaveText('The PD entry has PS=1: the walk stops one level early.');
    await expect(stepCount(page)).toHaveText('Reference 3 of 3');
    await bar.getByRole('button', { name: 'Next stop' }).click();
    await expect(bar).toContainText('Stop 2 of 2: Back to 4 KiB');
    await app.settled();
    const rev = await page.locator('html').getAttribute('data-rev');

    const broken = { ...own, stops: [own.stops[0], { ...own.stops[1], preset: 'no-such-preset' }] };
    await app.importText('broken.lesson.json', broken);
    await expect(app.alert).toContainText('stops[1]');
    await expect(bar).toContainText('Stop 2 of 2: Back to 4 KiB');
    await expect(page.locator('html')).toHaveAttribute('data-rev', rev!);
    // Narration is text, never markup.
    const html = { ...own, stops: [{ ...own.stops[0], narration: '<img src=x onerror="document.title=\'owned\'"> bold' }] };
    await app.importText('html.lesson.json', html);
    await expect(page.getByRole('region', { name: /Week 3/ }).locator('.narration')).toHaveText('<img src=x onerror="document.title=\'owned\'"> bold');
    expect(await page.title()).not.toBe('owned');
  });
});

test.describe('embed', () => {
  test('Export picture gives an iframe that shows the picture, the step controls and the sentence, links back to the full app, and leaves the visitor’s saved work alone', async ({ app, page, context }) => {
    await app.open();
    await app.preset('2D walk: 4-level guest on 4-level EPT (24 references)');
    for (let i = 0; i < 7; i++) await app.next.click();
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await app.settled();
    await page.getByRole('button', { name: 'Export picture' }).click();
    const code = await page.getByRole('textbox', { name: 'Embed code' }).inputValue();
    expect(code).toMatch(/^<iframe src="http:\/\/localhost:\d+\/\?embed&amp;theme=dark#v2\.[^"]+" width="960" height="600"/);
    const hash = new URL(page.url()).hash;
    expect(code).toContain(hash);
    await page.getByRole('dialog', { name: 'Export picture' }).getByRole('button', { name: 'Close' }).click();

    // The embed inside a course page.
    const course = await context.newPage();
    // The embedded app runs under its own CSP (the production build's): nothing it does may be refused.
    const refused: string[] = [];
    course.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    await course.goto('/');
    await course.setContent(`<!doctype html><html lang="en"><head><title>Course</title></head><body><h1>Week 4</h1>${code}</body></html>`);
    const frame = course.frameLocator('iframe');
    await expect(frame.locator('html[data-ready="true"]')).toHaveCount(1);
    await expect(frame.locator('.step-count')).toHaveText('Reference 7 of 24');
    await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(frame.locator('.tree-canvas')).toBeVisible();
    await expect(frame.locator('.walk-grid')).toBeVisible();
    await expect(frame.locator('.present-step')).toContainText('guest-physical');
    await expect(frame.getByRole('region', { name: 'Entry inspector' })).toHaveCount(0);
    await expect(frame.getByRole('complementary')).toHaveCount(0);
    await expect(frame.getByRole('button', { name: 'Present' })).toHaveCount(0);
    await frame.getByRole('button', { name: 'Next step' }).click();
    await expect(frame.locator('.step-count')).toHaveText('Reference 8 of 24');
    expect(refused).toEqual([]);
    await course.screenshot({ path: 'e2e/screenshots/embed-in-course-page.png' });
    expect(await course.frames()[1].locator('meta[http-equiv="Content-Security-Policy"]').count()).toBe(1);
    const open = frame.getByRole('link', { name: /Open in Pagoda/ });
    await expect(open).toHaveAttribute('target', '_blank');
    // The link is read from the frame's address when it is used (focused, pressed), once the address holds the step shown.
    await expect(frame.locator('html[data-link="current"]')).toHaveCount(1);
    await open.focus();
    const href = (await open.getAttribute('href'))!;
    expect(href).not.toContain('embed');
    expect(href).toContain('#v2.');

    // Nothing the embed did was saved: the visitor's own Pagoda, opened without a link, restores its own work.
    const mine = await context.newPage();
    await mine.goto('/');
    await expect(mine.locator('html[data-ready="true"]')).toHaveCount(1);
    await expect(mine.locator('.step-count').first()).toHaveText('Reference 7 of 24');
    await expect(mine.getByRole('group', { name: /^History: change \d+ of \d+$/ })).toHaveAccessibleName(await page.getByRole('group', { name: /^History:/ }).getAttribute('aria-label') ?? '');
    await mine.close();

    // The full app on the embed's link: the same state, at reference 8.
    const full = await context.newPage();
    await full.goto(href);
    await expect(full.locator('html[data-ready="true"]')).toHaveCount(1);
    await expect(full.getByRole('heading', { name: '2D walk: 4-level guest on 4-level EPT (24 references)' })).toBeVisible();
    await expect(full.locator('.step-count').first()).toHaveText('Reference 8 of 24');
  });

  test('an embed of a damaged link says so in the frame; the embed passes axe at reading size', async ({ page }) => {
    await page.setViewportSize({ width: 960, height: 600 });
    await page.goto('/?embed&text=1.3#v2.garbage');
    await expect(page.locator('html[data-ready="true"]')).toHaveCount(1);
    await expect(page.getByRole('alert')).toContainText('This link cannot be opened');
    await expect(page.getByRole('alert')).toContainText('The default scenario is shown instead');
    await expect(page.locator('html')).toHaveAttribute('style', /--text-scale: 1.3/);
    expect(await seriousAxe(page)).toEqual([]);
    const px = await page.locator('.present-step .step-sentence').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    expect(px).toBeCloseTo(18 * 1.3, 0);
  });
});
