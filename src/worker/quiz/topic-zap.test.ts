import { describe, expect, it } from 'vitest';
import { makeQuestion } from './generate';
import { engineAnswer, expectValid } from './testkit';
import { ZAP_VARIANTS } from './topic-zap';

const questions = Array.from({ length: 8 }, (_, s) => Array.from({ length: 7 }, (_, n) => makeQuestion('zap', s, n))).flat();
const variantOf = (v: string) => v.replace(/-(pae|4|5)$/, '');
const ids = (a: string) => (a === 'none' ? [] : a.split(', '));

describe("quiz topic 'zap'", () => {
  it('asks for the pages the shadow MMU zaps, choosing among the live ones', () => {
    const seen = new Set<string>();
    for (const q of questions) {
      expectValid(q);
      seen.add(variantOf(q.variant));
      expect(q.answer).toBe(engineAnswer(q));
      for (const id of ids(q.answer)) expect(q.choices!.map((c) => c.id)).toContain(id);
      expect(q.prompt).toMatch(/Now it makes a store of 0x[0-9a-f]+ to guest-physical 0x/);
    }
    expect([...seen].sort()).toEqual([...ZAP_VARIANTS].sort());
  });

  it('each variant meets what it aims at', () => {
    for (const q of questions) {
      const v = variantOf(q.variant);
      const zapped = ids(q.answer).map((id) => q.choices!.find((c) => c.id === id)!.label);
      if (v === 'flood') expect(q.explain).toMatch(/write flooding: shadow page #\d+ written 3 times/);
      if (v === 'flood-unsync') expect(zapped.some((l) => /level 1, .*unsync/.test(l))).toBe(true);
      if (v === 'misaligned') expect(q.explain).toMatch(/zapped: misaligned 8-byte write/);
      if (['flood', 'flood-unsync', 'misaligned'].includes(v)) expect(zapped.length).toBeGreaterThan(0);
      else expect(q.answer).toBe('none');
      if (v === 'pt-unsync') expect(q.explain).toMatch(/only by unsync last-level page/);
      if (v === 'untouched') expect(q.explain).toMatch(/^No shadow page shadows guest frame/);
      if (v === 'flood-reset') expect(q.explain).toMatch(/resets its count/);
      if (v === 'pt-first') expect(q.explain).toMatch(/it goes unsync/);
    }
  });

  it('says "nothing is zapped" or names each zapped page, in its last line', () => {
    for (const q of questions) expect(q.explain.split('\n').at(-1)).toBe(q.answer === 'none' ? 'Nothing is zapped.' : `Zapped: ${q.answerText}.`);
  });
});
