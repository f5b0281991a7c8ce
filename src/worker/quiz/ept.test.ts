import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GiB1, KiB4, MiB2, translate } from '../../engine';
import { eptCover, randomEptPlan, underEpt } from './ept';
import { Rng } from './rng';
import { successfulSpace } from './space';

const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('quiz EPT', () => {
  it('moves guest memory by the host offset: the same access reaches gpa + offset', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom(KiB4, MiB2, GiB1), fc.constantFrom(4 as const, 5 as const), (s, page, levels) => {
        const rng = new Rng(s);
        const d = successfulSpace(rng, rng.pick(['4', '5', 'pae', '32'] as const), null);
        if (d === null) return;
        const native = translate(d.s, d.a);
        if (native.outcome !== 'ok') return;
        const plan = randomEptPlan(rng, { page, levels });
        const r = translate(underEpt(d.s, plan), d.a);
        expect(r.outcome).toBe('ok');
        expect(r.pa).toBe(native.pa! + plan.hostOffset);
        // Guest-physical addresses stay below what 4-level EPT translates (FORMAT.md rule 10).
        for (const x of r.refs) if (x.kind === 'e') expect(x.gpa).toBeLessThan(2 ** 48);
      }),
      { numRuns: 60 },
    );
  });

  it('covers each guest page once: no EPT page inside another', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom(KiB4, MiB2, GiB1), (s, page) => {
        const d = successfulSpace(new Rng(s), '4', null);
        if (d === null) return;
        const cover = eptCover(d.s, page);
        const sorted = cover.slice().sort((a, b) => a.gpa - b.gpa);
        expect(sorted.every((a) => a.gpa % a.size === 0)).toBe(true);
        // Aligned power-of-two pages either nest or are disjoint: sorted by address, each ends before the next starts.
        expect(sorted.every((a, i) => i === 0 || sorted[i - 1].gpa + sorted[i - 1].size <= a.gpa)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('large EPT pages make every EPT walk shorter', () => {
    const rng = new Rng(5);
    let d = successfulSpace(rng, '4', KiB4);
    while (d === null || translate(d.s, d.a).outcome !== 'ok') d = successfulSpace(rng, '4', KiB4);
    const count = (page: typeof KiB4 | typeof MiB2 | typeof GiB1) => translate(underEpt(d!.s, randomEptPlan(new Rng(1), { page, levels: 4 })), d!.a).refs.length;
    expect([count(KiB4), count(MiB2), count(GiB1)]).toEqual([24, 19, 14]);
  });

  it('refuses a host offset that would misalign large EPT pages', () => {
    const d = successfulSpace(new Rng(2), '4', KiB4)!;
    expect(() => underEpt(d.s, randomEptPlan(new Rng(1), { hostOffset: 5 * 2 ** 30 + 4096 }))).toThrow(/multiple of 1 GiB/);
  });
});
