/**
 * Reserved-bit masks and leaf rules per format, level and page size, written
 * out from the SDM (vol. 3 tables 4-4..4-20, §28.2.2/§29.3.2) and KVM's
 * __reset_rsvds_bits_mask(_ept).
 */
import { describe, expect, it } from 'vitest';
import { bitRange, or64, type U64 } from './bits';
import { eptFormat, guestFormat, isLeaf, pageSize, pse36Width, type GuestFormatOptions } from './formats';

const g = (o: Partial<GuestFormatOptions>) => guestFormat({ paging: '4', maxphyaddr: 46, nxe: true, gbpages: true, pse: true, ...o });
const rsvd = (f: ReturnType<typeof g>, level: number, ps: 0 | 1): U64 => f.levels[level].rsvd[ps];
const NONE = { lo: 0, hi: 0 };

describe('4- and 5-level paging masks', () => {
  it('MAXPHYADDR: bits 51:M at every level and page size', () => {
    const f = g({ maxphyaddr: 40 });
    for (let l = 1; l <= 4; l++) {
      expect(rsvd(f, l, 0).hi & bitRange(51, 40).hi, `level ${l}`).toBe(bitRange(51, 40).hi);
      expect(rsvd(f, l, 0).hi & bitRange(39, 32).hi).toBe(0);
    }
    expect(rsvd(g({ maxphyaddr: 52 }), 1, 0)).toEqual(NONE);
  });

  it('XD (bit 63) is reserved exactly when NXE=0', () => {
    for (let l = 1; l <= 4; l++) {
      expect(rsvd(g({ nxe: false }), l, 0).hi >>> 31).toBe(1);
      expect(rsvd(g({ nxe: true }), l, 0).hi >>> 31).toBe(0);
    }
  });

  it('PS reserved at PML4 and PML5; PS at PDPT only with gbpages', () => {
    expect(rsvd(g({}), 4, 0).lo & 0x80).toBe(0x80);
    expect(g({}).levels[4].psLeaf).toBe(false);
    const f5 = g({ paging: '5' });
    expect(f5.rootLevel).toBe(5);
    expect(rsvd(f5, 5, 0).lo & 0x80).toBe(0x80);
    expect(rsvd(f5, 4, 0).lo & 0x80).toBe(0x80);
    expect(rsvd(g({ gbpages: false }), 3, 1).lo & 0x80).toBe(0x80);
    expect(rsvd(g({ gbpages: true }), 3, 1).lo & 0x80).toBe(0);
    expect(rsvd(g({ gbpages: false }), 3, 0).lo & 0x80).toBe(0);
  });

  it('large-page alignment: PDE bits 20:13, PDPTE bits 29:13 (bit 12 is PAT)', () => {
    const f = g({ maxphyaddr: 52 });
    expect(rsvd(f, 2, 1)).toEqual(bitRange(20, 13));
    expect(rsvd(f, 3, 1)).toEqual(bitRange(29, 13));
    expect(rsvd(f, 2, 0)).toEqual(NONE);
    expect(rsvd(f, 1, 0)).toEqual(NONE);
  });

  it('index bits, entry width, leaves and page sizes', () => {
    const f = g({ paging: '5' });
    expect([1, 2, 3, 4, 5].map((l) => f.levels[l].shift)).toEqual([12, 21, 30, 39, 48]);
    expect(f.entryBytes).toBe(8);
    expect(f.addressBits).toBe(57);
    expect(g({}).addressBits).toBe(48);
    expect(isLeaf(f, 1, 0)).toBe(true);
    expect(isLeaf(f, 2, 0x80)).toBe(true);
    expect(isLeaf(f, 2, 0x01)).toBe(false);
    expect(isLeaf(f, 4, 0x80)).toBe(false);
    expect([1, 2, 3].map((l) => pageSize(f, l))).toEqual([4096, 2 ** 21, 2 ** 30]);
  });
});

describe('PAE masks', () => {
  it('PDPTE registers: bits 2:1, 8:5, 63 and 63:M reserved; no PS leaf', () => {
    const f = g({ paging: 'pae', maxphyaddr: 36, nxe: true });
    const L = f.levels[3];
    expect(L.register).toBe(true);
    expect(L.bits).toBe(2);
    expect(L.psLeaf).toBe(false);
    expect(L.rsvd[0]).toEqual(or64(or64(bitRange(2, 1), bitRange(8, 5)), bitRange(63, 36)));
  });

  it('PDE/PTE: bits 62:M, XD without NXE, 2 MiB alignment', () => {
    const f = g({ paging: 'pae', maxphyaddr: 36, nxe: false });
    expect(f.levels[1].rsvd[0]).toEqual(bitRange(63, 36));
    expect(f.levels[2].rsvd[1]).toEqual(or64(bitRange(63, 36), bitRange(20, 13)));
    const nx = g({ paging: 'pae', maxphyaddr: 36, nxe: true });
    expect(nx.levels[1].rsvd[0]).toEqual(bitRange(62, 36));
    expect(nx.addressBits).toBe(32);
  });
});

describe('32-bit paging', () => {
  it('4-byte entries, 10-bit indexes, no reserved bits without PSE', () => {
    const f = g({ paging: '32', pse: false });
    expect(f.entryBytes).toBe(4);
    expect([f.levels[1].shift, f.levels[1].bits, f.levels[2].shift, f.levels[2].bits]).toEqual([12, 10, 22, 10]);
    expect(f.levels[2].psLeaf).toBe(false);
    expect(f.levels[2].rsvd).toEqual([NONE, NONE]);
  });

  it('PSE-36: M′ = min(MAXPHYADDR, 40); a 4 MiB PDE reserves bits 21:(M′−19)', () => {
    expect(pse36Width(36)).toBe(36);
    expect(pse36Width(46)).toBe(40);
    expect(pse36Width(32)).toBe(32);
    expect(g({ paging: '32', maxphyaddr: 36 }).levels[2].rsvd[1]).toEqual(bitRange(21, 17));
    expect(g({ paging: '32', maxphyaddr: 40 }).levels[2].rsvd[1]).toEqual(bitRange(21, 21));
    expect(g({ paging: '32', maxphyaddr: 32 }).levels[2].rsvd[1]).toEqual(bitRange(21, 13));
    // Leaf base: PA bits 39:32 from bits 20:13.
    const f = g({ paging: '32', maxphyaddr: 40 });
    expect(f.leafBase(0xffc00000 | (0xab << 13) | 0x80, 0, 2)).toBe(0xab_ffc00000);
    expect(g({ paging: '32', maxphyaddr: 36 }).leafBase(0x00400000 | (0xf << 13) | 0x80, 0, 2)).toBe(0xf_00400000);
  });
});

describe('x86 rights', () => {
  it('X=1 W=2 U=4, XD inverted only with NXE', () => {
    expect(g({}).rights(0x7, 0)).toBe(7);
    expect(g({}).rights(0x1, 0x80000000)).toBe(0);
    expect(g({ nxe: false }).rights(0x3, 0x80000000)).toBe(3);
    expect(g({ paging: '32' }).rights(0x5, 0)).toBe(5);
  });
});

describe('EPT masks', () => {
  const e = (levels: 4 | 5, maxphyaddr = 46, execonly = false) => eptFormat({ levels, maxphyaddr, execonly });

  it('reserved bits per level and page size', () => {
    const f = e(4, 46);
    const h = bitRange(51, 46);
    expect(f.levels[4].rsvd[0]).toEqual(or64(h, bitRange(7, 3)));
    expect(f.levels[3].rsvd[0]).toEqual(or64(h, bitRange(6, 3)));
    expect(f.levels[3].rsvd[1]).toEqual(or64(h, bitRange(29, 12)));
    expect(f.levels[2].rsvd[1]).toEqual(or64(h, bitRange(20, 12)));
    expect(f.levels[1].rsvd[0]).toEqual(h);
    expect(e(5).levels[5].rsvd[0]).toEqual(or64(h, bitRange(7, 3)));
    expect(f.presentMask).toBe(7);
    expect([f.accessedMask, f.dirtyMask]).toEqual([0x100, 0x200]);
  });

  it('misconfigured: W without R, execute-only without support, memory types 2/3/7 in leaves only', () => {
    const f = e(4);
    const bad = [0, 1, 2, 3, 4, 5, 6, 7].filter((x) => f.misconfigured!(x | (6 << 3), true));
    expect(bad).toEqual([2, 4, 6]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter((x) => e(4, 46, true).misconfigured!(x | (6 << 3), true))).toEqual([2, 6]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter((mt) => f.misconfigured!(7 | (mt << 3), true))).toEqual([2, 3, 7]);
    expect(f.misconfigured!(7 | (2 << 3), false)).toBe(false);
    expect(f.rights(0x7, 0)).toBe(7);
    expect(f.rights(0x5, 0xffffffff)).toBe(5);
  });
});

describe('reserved-mask components', () => {
  it('are disjoint and OR to exactly the mask the walk uses, in every format', () => {
    const formats = [];
    for (const paging of ['32', 'pae', '4', '5'] as const) {
      for (let maxphyaddr = 32; maxphyaddr <= 52; maxphyaddr++) {
        for (const nxe of [false, true]) for (const gbpages of [false, true]) for (const pse of [false, true]) formats.push(g({ paging, maxphyaddr, nxe, gbpages, pse }));
      }
    }
    for (const levels of [4, 5] as const) for (let maxphyaddr = 32; maxphyaddr <= 52; maxphyaddr++) formats.push(eptFormat({ levels, maxphyaddr, execonly: false }));
    for (const f of formats) {
      for (let l = 1; l <= f.rootLevel; l++) {
        for (const i of [0, 1] as const) {
          let acc = NONE;
          for (const p of f.levels[l].rsvdParts[i]) {
            expect(p.mask.lo & acc.lo, `${f.id} level ${l}: ${p.why} overlaps`).toBe(0);
            expect(p.mask.hi & acc.hi, `${f.id} level ${l}: ${p.why} overlaps`).toBe(0);
            acc = or64(acc, p.mask);
          }
          expect(acc, `${f.id}/${f.maxphyaddr} level ${l} [${i}]`).toEqual(f.levels[l].rsvd[i]);
        }
      }
    }
  });

  it('name the pieces of KVM’s masks', () => {
    const whys = (f: ReturnType<typeof g>, l: number, i: 0 | 1) => f.levels[l].rsvdParts[i].map((p) => p.why);
    expect(whys(g({ nxe: false, gbpages: false }), 3, 1)).toEqual(['maxphyaddr', 'nxe', 'gbpages', 'align']);
    expect(whys(g({}), 4, 0)).toEqual(['maxphyaddr', 'ps']);
    expect(whys(g({ paging: 'pae' }), 3, 0)).toEqual(['maxphyaddr', 'pdpte']);
    expect(whys(g({ paging: '32', maxphyaddr: 36 }), 2, 1)).toEqual(['pse36']);
    expect(whys(g({ paging: '32', maxphyaddr: 52 }), 1, 0)).toEqual([]);
    expect(whys(eptFormat({ levels: 4, maxphyaddr: 46, execonly: false }), 4, 0)).toEqual(['maxphyaddr', 'ept-nonleaf', 'ps']);
  });
});
