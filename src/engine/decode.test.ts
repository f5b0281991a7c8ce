/**
 * Entry decoding, bit by bit: the four inspector bugs users reported, and the
 * reason given for each component of the walk's reserved masks (SDM vol. 3
 * §4.3–4.5 reserved-bit notes, §28.2.2; FORMAT.md rules 6, 7, 9).
 */
import { describe, expect, it } from 'vitest';
import { bitGroups, decodeEntry, reservedExplanation, type DecodedEntry } from './decode';
import { eptFormat, guestFormat, type GuestFormatOptions } from './formats';
import type { DecodeContext } from './roles';

const CTX: DecodeContext = { pke: false, eptAd: false };
const g = (o: Partial<GuestFormatOptions>) => guestFormat({ paging: '4', maxphyaddr: 46, nxe: true, gbpages: true, pse: true, ...o });
const names = (d: DecodedEntry) => d.fields.map((f) => f.name);
const fieldOf = (d: DecodedEntry, name: string) => d.fields.find((f) => f.name === name);

describe('reported: 32-bit PDE with CR4.PSE=0 and bit 7 set', () => {
  const f = g({ paging: '32', pse: false });
  const d = decodeEntry(f, 2, 0x0000_2087, 0, CTX);

  it('is a PDE that points to a page table; bit 7 is ignored, not a reserved PS', () => {
    expect(d.kind).toBe('table');
    expect(d.leaf).toBe(false);
    expect(d.target).toBe(0x2000);
    expect(names(d)).not.toContain('PS');
    expect(d.roles[7]).toEqual({ role: 'ignored', name: 'PS', reason: 'CR4.PSE=0', why: null });
    expect(d.rsvdSet).toEqual([]);
    expect(bitGroups(d, 'reserved')).toEqual([]);
    expect(fieldOf(d, 'Address')).toMatchObject({ bits: [31, 12], meaning: 'table at 0x2000' });
  });

  it('with CR4.PSE=1 the same value is a 4 MiB page', () => {
    const big = decodeEntry(g({ paging: '32', pse: true }), 2, 0x0000_2087, 0, CTX);
    expect(big.kind).toBe('leaf');
    expect(fieldOf(big, 'PS')).toMatchObject({ value: 1, meaning: 'maps a 4 MiB page' });
  });
});

describe('reported: PDPTE with PS=1 and 1 GiB pages off', () => {
  const d = decodeEntry(g({ gbpages: false }), 3, 0x4000_0083, 0, CTX);

  it('is reserved: not a leaf, no target, PS is the reserved bit with its reason', () => {
    expect(d.kind).toBe('reserved');
    expect(d.leaf).toBe(false);
    expect(d.target).toBe(0);
    expect(names(d)).not.toContain('PS');
    expect(d.roles[7]).toMatchObject({ role: 'reserved', name: 'PS', reason: '1 GiB pages are not supported', why: 'gbpages' });
    expect(d.rsvdSet).toEqual([7]);
    expect(reservedExplanation(d)).toBe('bit 7 (1 GiB pages are not supported)');
  });

  it('says the walk does not use the address, and no field claims a mapping', () => {
    expect(fieldOf(d, 'Address')!.meaning).toMatch(/^not used: the walk stops at this entry/);
    for (const f of d.fields) expect(f.meaning).not.toMatch(/maps a|page at|table at/);
  });

  it('with PS=0 it points to a table, and PS says why PS=1 would fault', () => {
    const t = decodeEntry(g({ gbpages: false }), 3, 0x4000_0003, 0, CTX);
    expect(t.kind).toBe('table');
    expect(fieldOf(t, 'PS')!.meaning).toBe('points to a table (PS=1 would be reserved: 1 GiB pages are not supported)');
  });
});

describe('reported: bit 63 with EFER.NXE=0', () => {
  it('4- and 5-level entries at every level: bit 63 is reserved (EFER.NXE=0), there is no XD field', () => {
    for (const paging of ['4', '5'] as const) {
      const f = g({ paging, nxe: false });
      for (let l = 1; l <= f.rootLevel; l++) {
        const d = decodeEntry(f, l, 0x1003, 0x8000_0000, CTX);
        expect(names(d), `${paging} level ${l}`).not.toContain('XD');
        expect(d.roles[63]).toMatchObject({ role: 'reserved', name: 'XD', reason: 'EFER.NXE=0' });
        expect(d.kind).toBe('reserved');
        expect(reservedExplanation(d)).toBe('bit 63 (EFER.NXE=0)');
      }
    }
  });

  it('PAE PDE/PTE: reserved with NXE=0, XD with NXE=1', () => {
    for (const l of [1, 2]) {
      expect(names(decodeEntry(g({ paging: 'pae', nxe: false }), l, 0x1003, 0x8000_0000, CTX))).not.toContain('XD');
      expect(fieldOf(decodeEntry(g({ paging: 'pae', nxe: true }), l, 0x1003, 0x8000_0000, CTX), 'XD')).toMatchObject({ value: 1, meaning: 'execute disabled' });
    }
  });

  it('PAE PDPTEs reserve bit 63 whatever NXE says', () => {
    for (const nxe of [false, true]) {
      const d = decodeEntry(g({ paging: 'pae', nxe }), 3, 0x1001, 0x8000_0000, CTX);
      expect(d.roles[63]).toMatchObject({ role: 'reserved', reason: 'PDPTE register' });
      expect(d.kind).toBe('reserved');
    }
  });

  it('with NXE=1 bit 63 is XD in every 4-level entry', () => {
    const f = g({ nxe: true });
    for (let l = 1; l <= 4; l++) expect(fieldOf(decodeEntry(f, l, 0x1003, 0x8000_0000, CTX), 'XD')?.value).toBe(1);
  });
});

describe('reported: PA bits 39:32 of a 32-bit 4 MiB PDE (PSE-36)', () => {
  it('MAXPHYADDR ≥ 40: bits 20:13 are "PA 39:32", bit 21 is reserved', () => {
    const d = decodeEntry(g({ paging: '32', maxphyaddr: 46 }), 2, (0xffc0_0000 | (0xab << 13) | 0x83) >>> 0, 0, CTX);
    expect(d.kind).toBe('leaf');
    expect(fieldOf(d, 'PA 39:32')).toMatchObject({ bits: [20, 13], value: 0xab });
    expect(fieldOf(d, 'Address')).toMatchObject({ bits: [31, 22], value: 0xab_ffc0_0000 });
    expect(fieldOf(d, 'PAT')!.bits).toEqual([12, 12]);
    expect(bitGroups(d, 'reserved')).toEqual([{ reason: 'PSE-36 width: M′ = 40', names: [], bits: [21], ranges: '21' }]);
  });

  it('MAXPHYADDR 36: bits 16:13 are "PA 35:32", bits 21:17 reserved', () => {
    const d = decodeEntry(g({ paging: '32', maxphyaddr: 36 }), 2, 0x0040_0000 | (0xf << 13) | 0x83, 0, CTX);
    expect(fieldOf(d, 'PA 35:32')).toMatchObject({ bits: [16, 13], value: 0xf });
    expect(reservedExplanation(d, 'all')).toBe('bits 21:17 (PSE-36 width: M′ = 36)');
  });

  it('MAXPHYADDR 32: no PA field, bits 21:13 reserved', () => {
    const d = decodeEntry(g({ paging: '32', maxphyaddr: 32 }), 2, 0x0040_0083, 0, CTX);
    expect(names(d).filter((n) => n.startsWith('PA '))).toEqual([]);
    expect(reservedExplanation(d, 'all')).toBe('bits 21:13 (PSE-36 width: M′ = 32)');
  });
});

describe('reasons for every part of the reserved masks', () => {
  it('MAXPHYADDR, alignment, PS at PML4/PML5', () => {
    const d = decodeEntry(g({ paging: '5' }), 2, 0x0020_0083, 0x0004_0000, CTX);
    expect(reservedExplanation(d)).toBe('bit 50 (above MAXPHYADDR 46)');
    expect(reservedExplanation(d, 'all')).toBe('bits 51:46 (above MAXPHYADDR 46), bits 20:13 (a 2 MiB page frame must be 2 MiB-aligned)');
    for (const [l, name] of [
      [4, 'PML4E'],
      [5, 'PML5E'],
    ] as const) {
      expect(decodeEntry(g({ paging: '5' }), l, 0x1083, 0, CTX).roles[7]).toMatchObject({ role: 'reserved', name: 'PS', reason: `PS is reserved in a ${name}` });
    }
  });

  it('PAE PDPTE registers: bits 2:1, 8:5 and 63', () => {
    const d = decodeEntry(g({ paging: 'pae', maxphyaddr: 36 }), 3, 0x1001, 0, CTX);
    expect(reservedExplanation(d, 'all')).toBe('bits 63, 8:5, 2:1 (PDPTE register), bits 62:36 (above MAXPHYADDR 36)');
    expect(names(d)).toEqual(['P', 'PWT', 'PCD', 'Address']);
  });

  it('EPT: non-leaf bits 6:3, PS in an EPT PML4E, large-page alignment from bit 12', () => {
    const e = eptFormat({ levels: 4, maxphyaddr: 46, execonly: false });
    expect(reservedExplanation(decodeEntry(e, 3, 0x1007, 0, CTX), 'all')).toBe('bits 51:46 (above MAXPHYADDR 46), bits 6:3 (reserved in a non-leaf EPT entry)');
    expect(decodeEntry(e, 4, 0x1087, 0, CTX).roles[7]).toMatchObject({ role: 'reserved', reason: 'PS is reserved in an EPT PML4E' });
    expect(reservedExplanation(decodeEntry(e, 2, 0x20_00b7, 0, CTX), 'all')).toBe('bits 51:46 (above MAXPHYADDR 46), bits 20:12 (a 2 MiB page frame must be 2 MiB-aligned)');
  });
});

describe('bits the walk ignores', () => {
  it('EPT A/D without EPTP[6], UX without MBEC', () => {
    const e = eptFormat({ levels: 4, maxphyaddr: 46, execonly: false });
    const off = decodeEntry(e, 1, 0x5377, 0, { pke: false, eptAd: false });
    expect(names(off)).not.toContain('A');
    expect(off.roles[8]).toMatchObject({ role: 'ignored', name: 'A', reason: 'EPT A/D off' });
    expect(off.roles[9]).toMatchObject({ role: 'ignored', name: 'D', reason: 'EPT A/D off' });
    expect(off.roles[10]).toMatchObject({ role: 'ignored', name: 'UX', reason: 'MBEC off' });
    const on = decodeEntry(e, 1, 0x5377, 0, { pke: false, eptAd: true });
    expect(names(on)).toEqual(expect.arrayContaining(['A', 'D']));
  });

  it('PK only with CR4.PKE in a 4/5-level leaf', () => {
    const f = g({});
    expect(fieldOf(decodeEntry(f, 1, 0x5003, 0x1800_0000, { pke: true, eptAd: false }), 'PK')).toMatchObject({ bits: [62, 59], value: 3 });
    const off = decodeEntry(f, 1, 0x5003, 0x1800_0000, CTX);
    expect(names(off)).not.toContain('PK');
    expect(off.roles[59]).toMatchObject({ role: 'ignored', name: 'PK', reason: 'CR4.PKE=0' });
    expect(names(decodeEntry(f, 2, 0x5003, 0x1800_0000, { pke: true, eptAd: false }))).not.toContain('PK');
  });

  it('a not-present entry: only the present bits are read', () => {
    const d = decodeEntry(g({}), 1, 0x5006, 0x8000_0000, CTX);
    expect(d.kind).toBe('not-present');
    expect(names(d)).toEqual(['P']);
    expect(bitGroups(d, 'ignored')).toEqual([{ reason: 'not present (P=0)', names: [], bits: expect.any(Array), ranges: '63:1' }]);
    expect(d.rsvdSet).toEqual([]);
  });
});
