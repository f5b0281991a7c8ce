import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GiB1, KiB4, MiB2, ScenarioBuilder } from './build';
import type { Access } from './scenario';
import { translate } from './translate';
import { EPT_HOST_OFFSET, disableEpt, enableEpt, guestLocator, setEpt5, setLa57 } from './transform';

/** A small 4-level address space with user, kernel, 2 MiB and 1 GiB pages. */
function space() {
  const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10_0000 });
  b.map(0x40_0000n, 0x2a0_0000, KiB4, { u: true });
  b.map(0x7f3a_1b2c_5000n, 0x3a5_c000, KiB4, { w: true, u: true });
  b.map(0xffff_ffff_8100_0000n, 0x200_0000, MiB2, {});
  b.map(0xffff_8880_0000_0000n, 0, GiB1, { w: true });
  return b.scenario();
}

const VAS = [0x40_0123n, 0x7f3a_1b2c_5abcn, 0xffff_ffff_8112_3456n, 0xffff_8880_0123_4567n, 0x7f3a_1b2c_6000n, 0x8000_0000_0000n];
const acc = (va: bigint, op: Access['op'] = 'read'): Access => ({
  va: { lo: Number(va & 0xffffffffn), hi: Number(va >> 32n) },
  op,
  cpl: 0,
  implicit: false,
});

describe('LA57 toggle', () => {
  it('keeps every 4-level translation with one more reference, and toggles back', () => {
    const s4 = space();
    const s5 = setLa57(s4, true);
    expect(s5.cpu.paging).toBe('5');
    const back = setLa57(s5, false);
    for (const va of VAS) {
      const a = translate(s4, acc(va));
      const b = translate(s5, acc(va));
      const c = translate(back, acc(va));
      if (a.outcome === 'gp') {
        // 0x800000000000 is non-canonical with 48 bits but canonical with 57: it reaches PML5[0]'s PML4[256] → not present.
        expect(b.outcome).toBe('pf');
        continue;
      }
      expect(b.outcome).toBe(a.outcome);
      expect(b.pa).toBe(a.pa);
      expect(b.refs.length).toBe(a.refs.length + 1);
      expect(c).toEqual(a);
    }
  });

  it('adds a PML5 whose entries 0 and 511 point to the old PML4', () => {
    const s4 = space();
    const s5 = setLa57(s4, true);
    const root = s5.cpu.cr3;
    const e0 = s5.memory.read32(root) & ~0xfff;
    const e511 = s5.memory.read32(root + 511 * 8) & ~0xfff;
    expect(e0).toBe(s4.cpu.cr3);
    expect(e511).toBe(s4.cpu.cr3);
    expect(s4.cpu.paging).toBe('4'); // the input is untouched
  });

  it('refuses to run on PAE', () => {
    const b = new ScenarioBuilder({ paging: 'pae' });
    expect(() => setLa57(b.scenario(), true)).toThrow('cpu.paging');
  });
});

describe('EPT toggle', () => {
  for (const levels of [4, 5] as const) {
    it(`runs the guest under a ${levels}-level EPT with GPA ≠ HPA and (g+1)(h+1)-1 references`, () => {
      const s = space();
      const e = enableEpt(s, { levels, ad: true });
      for (const va of VAS.slice(0, 3)) {
        const a = translate(s, acc(va));
        const b = translate(e, acc(va));
        expect(b.outcome).toBe('ok');
        expect(b.pa).toBe(a.pa! + EPT_HOST_OFFSET);
        const g = a.refs.length;
        expect(b.refs.length).toBe((g + 1) * (levels + 1) - 1);
      }
    });
  }

  it('round-trips guest memory through EPT on and off', () => {
    const s = space();
    expect(disableEpt(enableEpt(s)).memory.toJSON()).toEqual(s.memory.toJSON());
  });

  it('EPT5 adds one EPT level (29 references for a 4-level guest) and removes it again', () => {
    const e4 = enableEpt(space(), { levels: 4 });
    const e5 = setEpt5(e4, true);
    expect(translate(e5, acc(VAS[1])).refs).toHaveLength(29);
    const back = setEpt5(e5, false);
    expect(translate(back, acc(VAS[1]))).toEqual(translate(e4, acc(VAS[1])));
  });

  it('locates guest tables in host memory', () => {
    const s = space();
    const e = enableEpt(s);
    const loc = guestLocator(e);
    expect(loc(s.cpu.cr3)).toBe(s.cpu.cr3 + EPT_HOST_OFFSET);
    expect(loc(0x7_0000_0000)).toBeNull();
  });

  it('under EPT, LA57 still preserves translations', () => {
    const e = enableEpt(space(), { levels: 4 });
    const e5 = setLa57(e, true);
    fc.assert(
      fc.property(fc.constantFrom(...VAS.slice(0, 4)), fc.constantFrom<Access['op']>('read', 'write'), (va, op) => {
        const a = translate(e, acc(va, op));
        const b = translate(e5, acc(va, op));
        expect(b.outcome).toBe(a.outcome);
        expect(b.pa).toBe(a.pa);
      }),
    );
  });
});
