import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GiB1, KiB4, MiB2, MiB4, translate, type GuestPaging } from '../../engine';
import { Rng } from './rng';
import { TABLE_SPAN, canonical, newSpace, pageSizes, randomCpu, randomFrame, randomVa, successfulSpace, tryMap } from './space';

const PAGINGS: GuestPaging[] = ['32', 'pae', '4', '5'];
const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('quiz address spaces', () => {
  it('draws canonical, page-aligned linear addresses in the right half', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom(...PAGINGS), fc.boolean(), (s, paging, user) => {
        const rng = new Rng(s);
        const size = rng.pick(pageSizes({ paging, pse: true, gbpages: true }));
        const va = randomVa(rng, paging, size, user);
        expect(canonical(paging, va)).toBe(true);
        expect(va % BigInt(size)).toBe(0n);
        if (paging === '32' || paging === 'pae') expect(va < 2n ** 32n).toBe(true);
        else if (!user) expect(va >> 63n).toBe(1n);
        else expect(va >> 63n).toBe(0n);
      }),
    );
  });

  it('knows which page sizes each mode has', () => {
    expect(pageSizes({ paging: '32', pse: false, gbpages: true })).toEqual([KiB4]);
    expect(pageSizes({ paging: '32', pse: true, gbpages: true })).toEqual([KiB4, MiB4]);
    expect(pageSizes({ paging: 'pae', pse: false, gbpages: true })).toEqual([KiB4, MiB2]);
    expect(pageSizes({ paging: '4', pse: false, gbpages: false })).toEqual([KiB4, MiB2]);
    expect(pageSizes({ paging: '5', pse: false, gbpages: true })).toEqual([KiB4, MiB2, GiB1]);
  });

  it('keeps data frames aligned, below the limit and out of the page tables', () => {
    fc.assert(
      fc.property(seed, fc.constantFrom(KiB4, MiB2, GiB1), (s, size) => {
        const rng = new Rng(s);
        const sp = newSpace(rng, randomCpu(rng, '4'));
        const pa = randomFrame(rng, sp, size, 40);
        expect(pa % size).toBe(0);
        expect(pa).toBeLessThan(2 ** 40);
        expect(pa + size <= sp.tableBase || pa >= sp.tableBase + TABLE_SPAN).toBe(true);
      }),
    );
  });

  it('refuses a mapping that overlaps one already made (it would split a large page)', () => {
    const rng = new Rng(1);
    const sp = newSpace(rng, randomCpu(rng, '4'));
    expect(tryMap(sp, { va: 0x4000_0000n, pa: 0x4000_0000, size: GiB1, flags: {} })).toBe(true);
    expect(tryMap(sp, { va: 0x4020_0000n, pa: 0x20_0000, size: MiB2, flags: {} })).toBe(false);
    expect(tryMap(sp, { va: 0x8000_0000n, pa: 0x20_0000, size: MiB2, flags: {} })).toBe(true);
  });

  it('builds spaces whose drawn access usually succeeds through the drawn mapping', () => {
    let ok = 0;
    for (let s = 0; s < 80; s++) {
      const rng = new Rng(s);
      const d = successfulSpace(rng, PAGINGS[s % 4], null);
      if (d === null) continue;
      const r = translate(d.s, d.a);
      if (r.outcome !== 'ok') continue;
      ok++;
      expect(r.size).toBe(d.target.size);
      expect(Math.floor(r.pa! / d.target.size) * d.target.size).toBe(d.target.pa);
    }
    expect(ok).toBeGreaterThan(40);
  });
});
