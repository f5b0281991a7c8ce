import { describe, expect, it } from 'vitest';
import { makeQuestion } from './generate';
import { ecNames } from './parse';
import { engineAnswer, expectValid, walkOf } from './testkit';
import { EC_VARIANTS } from './topic-ec';

const questions = Array.from({ length: 10 }, (_, s) => Array.from({ length: 8 }, (_, n) => makeQuestion('ec', s, n))).flat();

/** What the engine's outcome sentence says for each kind of fault. */
const CAUSE: Record<(typeof EC_VARIANTS)[number], RegExp> = {
  'not-present': /is not present/,
  rsvd: /sets reserved bit/,
  us: /user-mode access to a supervisor-mode page/,
  rw: /read-only page/,
  nx: /no-execute page/,
  smep: /SMEP forbids/,
  smap: /SMAP forbids/,
  pk: /protection key in the leaf denies it/,
};

describe("quiz topic 'ec'", () => {
  it('asks for the error code the engine computes, for every kind of fault', () => {
    const kinds = new Set<string>();
    for (const q of questions) {
      expectValid(q);
      const { t } = walkOf(q);
      expect(t.outcome.outcome).toBe('pf');
      expect(q.answer).toBe(engineAnswer(q));
      expect(q.answerKind).toBe('bits');
      const v = q.variant.replace(/-(32|pae|4|5)$/, '') as (typeof EC_VARIANTS)[number];
      kinds.add(v);
      expect(t.outcome.text).toMatch(CAUSE[v]);
      expect(q.answerText).toBe(`${q.answer} (${ecNames(Number(q.answer)).join(' ') || 'no bit set'})`);
    }
    expect([...kinds].sort()).toEqual([...EC_VARIANTS].sort());
  });

  it('explains with the engine’s cause and every bit of the code', () => {
    const q = questions.find((x) => x.variant.startsWith('pk'))!;
    const { t } = walkOf(q);
    expect(q.explain).toContain(t.outcome.text);
    expect(q.explain).toMatch(/Error code 0x[0-9a-f]+ = .*PK \(bit 5: protection key denied it\)/);
    for (const name of ['P', 'W', 'U', 'RSVD', 'I/D', 'PK']) expect(q.explain).toContain(`${name} (`);
  });

  it('covers the cases the issue names: SMAP implicit accesses, PK on top of another check, reserved bits above MAXPHYADDR', () => {
    const more = Array.from({ length: 60 }, (_, s) => Array.from({ length: 8 }, (_, n) => makeQuestion('ec', 100 + s, n))).flat();
    expect(more.some((q) => q.variant.startsWith('smap') && walkOf(q).a.implicit)).toBe(true);
    expect(more.some((q) => q.variant.startsWith('pk') && /read-only page/.test(walkOf(q).t.outcome.text))).toBe(true);
    expect(more.some((q) => q.variant.startsWith('rsvd') && /above MAXPHYADDR/i.test(q.explain))).toBe(true);
  });
});
