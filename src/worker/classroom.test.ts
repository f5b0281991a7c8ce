/**
 * Quizzes and predict mode through the worker API: the same seed gives the
 * same quiz, answers are checked by the worker (they do not reach the page
 * before), a question opens its own scenario, and predictions are checked
 * against the current walk.
 */
import { describe, expect, it } from 'vitest';
import { headless } from './testkit';

describe('quizzes in the worker', () => {
  it('the same topic and seed give the same questions; answers stay in the worker until checked', async () => {
    const a = headless();
    const b = headless();
    const qa = a.ok(await a.api.startQuiz('pa', 1234, 4));
    const qb = b.ok(await b.api.startQuiz('pa', 1234, 4));
    expect(qa).toEqual(qb);
    expect(JSON.stringify(qa)).not.toMatch(/"answer"|"explain"/);
    expect(a.ok(await a.api.startQuiz('pa', 1235, 4)).questions.map((q) => q.prompt)).not.toEqual(qa.questions.map((q) => q.prompt));
    const wrong = a.ok(await a.api.checkQuiz(0, '0x1'));
    expect(wrong.right).toBe(false);
    const right = a.ok(await a.api.checkQuiz(0, /0x[0-9a-f]+/.exec(wrong.expected)![0]));
    expect(right.right).toBe(true);
    expect(await a.api.checkQuiz(9, '0x1')).toMatchObject({ ok: false, problem: { field: 'quiz' } });
    expect(await a.api.startQuiz('nope' as never, 1, 1)).toMatchObject({ ok: false, problem: { field: 'quiz.topic' } });
  });

  it('a question opens its scenario as a document, and the walk shows the answer', async () => {
    const h = headless();
    h.preset('lm4-4k');
    h.ok(await h.api.startQuiz('refs2d', 77, 2));
    const expected = h.ok(await h.api.checkQuiz(1, '0')).expected;
    const s = h.ok(h.api.openQuizQuestion(1));
    expect(String(s.trace.steps.length)).toBe(/\d+/.exec(expected)![0]);
    expect(h.undo().doc.presetId).toBe('lm4-4k');
  });
});

describe('predict mode in the worker', () => {
  it('checks an entry index and the outcome against the current walk, and reveals them', () => {
    const h = headless();
    h.preset('lm4-4k');
    expect(h.ok(h.api.predict(0, { kind: 'index', index: 'fe' })).right).toBe(true);
    const no = h.ok(h.api.predict(0, { kind: 'index', index: '0x1' }));
    expect(no.right).toBe(false);
    expect(no.explain).toMatch(/47:39/);
    expect(h.ok(h.api.predict('outcome', { kind: 'ok', pa: '0x3a5c123' })).right).toBe(true);
    expect(h.ok(h.api.predict('outcome', { kind: 'pf', ec: '0x0' })).right).toBe(false);
    expect(h.ok(h.api.reveal(3)).expected).toMatch(/c5/i);
    expect(h.api.predict(9, { kind: 'index', index: '0' })).toMatchObject({ ok: false, problem: { field: 'predict.at' } });
  });
});
