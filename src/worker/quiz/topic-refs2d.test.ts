import { describe, expect, it } from 'vitest';
import { makeQuestion } from './generate';
import { engineAnswer, expectValid, walkOf } from './testkit';

const questions = Array.from({ length: 10 }, (_, s) => Array.from({ length: 6 }, (_, n) => makeQuestion('refs2d', s, n))).flat();

describe("quiz topic 'refs2d'", () => {
  it('asks for the number of references the engine makes', () => {
    for (const q of questions) {
      expectValid(q);
      const { s, t } = walkOf(q);
      expect(s.ept).not.toBeNull();
      expect(t.outcome.outcome).toBe('ok');
      expect(q.answer).toBe(engineAnswer(q));
      expect(q.explain).toMatch(new RegExp(`= ${q.answer} references\\.`));
    }
  });

  it('each variant is what it says', () => {
    const by = (v: string) => questions.filter((q) => q.variant.startsWith(v + ':'));
    for (const q of by('g4-e4')) expect(q.answer).toBe('24');
    for (const q of by('g5-e5')) expect(q.answer).toBe('35');
    for (const q of by('mixed')) expect(q.answer).toBe('29');
    for (const q of by('pae')) expect(walkOf(q).t.steps[0].purpose).toBe('the PDPTE load');
    for (const q of by('guest-large')) {
      const { t } = walkOf(q);
      expect(t.steps.filter((x) => x.kind === 'g').length).toBeLessThan(t.guestLevels);
    }
    for (const q of by('ept-large')) {
      const { t } = walkOf(q);
      const g = t.steps.filter((x) => x.kind === 'g').length;
      expect(Number(q.answer)).toBeLessThan((g + 1) * (t.eptLevels + 1) - 1);
      expect(q.traps.some((x) => /full depth/.test(x.why))).toBe(true);
    }
    for (const v of ['g4-e4', 'g5-e5', 'mixed', 'pae', 'guest-large', 'ept-large']) expect(by(v).length).toBeGreaterThan(0);
  });

  it('no trap is the right answer', () => {
    for (const q of questions) for (const t of q.traps) expect(t.answer).not.toBe(q.answer);
  });
});
