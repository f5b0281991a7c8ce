/**
 * The walker on hand-built scenarios: every mode and page size, each
 * error-code bit, the permission rules (WP, SMEP, SMAP/AC/implicit, XD, PK),
 * canonical checks, A/D updates, EPT (violation vs misconfiguration, A/D,
 * qualification) and the two-dimensional reference counts. Expected values
 * come from the SDM/FORMAT.md rules, written out here, not from the engine.
 */
import { describe, expect, it } from 'vitest';
import {
  EptBuilder,
  GiB1,
  KiB4,
  MiB2,
  MiB4,
  PageAllocator,
  PhysMem,
  ScenarioBuilder,
  toU64,
  translate,
  type Access,
  type AccessOp,
  type CpuState,
  type EptFlags,
  type EptState,
  type Scenario,
  type WalkResult,
} from './index';

const acc = (va: bigint | number, op: AccessOp = 'read', cpl: 0 | 3 = 0, implicit = false): Access => ({
  va: toU64(BigInt(va)),
  op,
  cpl,
  implicit,
});

const run = (s: Scenario, va: bigint | number, op: AccessOp = 'read', cpl: 0 | 3 = 0, implicit = false): WalkResult =>
  translate(s, acc(va, op, cpl, implicit));

const q = (mem: PhysMem, pa: number): bigint => {
  const { lo, hi } = mem.readQword(pa);
  return (BigInt(hi) << 32n) | BigInt(lo);
};

/** Writes as address → 64-bit value. */
const writesOf = (r: WalkResult): Map<number, bigint> => new Map(r.writes.map((w) => [w.pa, (BigInt(w.hi) << 32n) | BigInt(w.lo)]));

/** Index of `va` at a 4/5-level (or PAE below level 3) level: 9 bits from 12 + 9*(level-1). */
const ix = (va: bigint, level: number): number => Number((va >> BigInt(12 + 9 * (level - 1))) & 511n);

/** The entry addresses a 64-bit-entry walk of `va` reads, following memory by hand (levels top to `stop`). */
function chain(mem: PhysMem, root: number, va: bigint, top: number, stop: number): number[] {
  const out: number[] = [];
  let base = BigInt(root);
  for (let l = top; l >= stop; l--) {
    const ea = base + BigInt(ix(va, l) * 8);
    out.push(Number(ea));
    base = q(mem, Number(ea)) & 0x000ffffffffff000n;
  }
  return out;
}

function native(cpu: Partial<CpuState> = {}): ScenarioBuilder {
  return new ScenarioBuilder(cpu);
}

describe('native 4- and 5-level paging', () => {
  const VA = 0x00007f1234567000n;

  it('translates a 4 KiB page with 4 references in order and sets A everywhere, D on the leaf for a write', () => {
    const b = native();
    const leaf = b.map(VA, 0x12345000, KiB4, { w: true, u: true });
    const s = b.scenario();
    const addrs = chain(b.mem, b.cpu.cr3, VA, 4, 1);
    expect(addrs[3]).toBe(leaf);
    const before = addrs.map((a) => q(b.mem, a));

    const r = run(s, VA + 0xabcn, 'write', 3);
    expect(r.outcome).toBe('ok');
    expect(r.pa).toBe(0x12345abc);
    expect(r.size).toBe(4096);
    expect(r.refs.map((x) => [x.kind, x.level, x.pa])).toEqual(addrs.map((a, i) => ['g', 4 - i, a]));
    const w = writesOf(r);
    expect([...w.keys()].sort((a, b2) => a - b2)).toEqual([...addrs].sort((a, b2) => a - b2));
    addrs.forEach((a, i) => expect(w.get(a)).toBe(before[i] | 0x20n | (i === 3 ? 0x40n : 0n)));
    // translate never changes the scenario
    addrs.forEach((a, i) => expect(q(b.mem, a)).toBe(before[i]));

    const rd = run(s, VA, 'read', 3);
    expect(writesOf(rd).get(leaf)).toBe(before[3] | 0x20n);
  });

  it('writes nothing for entries whose A/D bits are already set', () => {
    const b = native();
    b.map(VA, 0x5000, KiB4, { w: true, u: true, a: true, d: true });
    const s = b.scenario();
    // Tables are created with A clear: a first access sets them; after that nothing changes.
    const r1 = run(s, VA, 'write');
    for (const w of r1.writes) s.memory.write64(w.pa, w.lo, w.hi);
    const r2 = run(s, VA, 'write');
    expect(r2.outcome).toBe('ok');
    expect(r2.writes).toEqual([]);
  });

  it('maps 2 MiB and 1 GiB pages with 3 and 2 references', () => {
    const b = native();
    b.map(0x40000000n, 0x80000000, MiB2);
    b.map(0x8000000000n, 0x1c0000000, GiB1);
    const s = b.scenario();
    const r2 = run(s, 0x40000000n + 0x1abcden);
    expect([r2.outcome, r2.pa, r2.size, r2.refs.length]).toEqual(['ok', 0x80000000 + 0x1abcde, MiB2, 3]);
    const r1 = run(s, 0x8000000000n + 0x3fedcba8n);
    expect([r1.outcome, r1.pa, r1.size, r1.refs.length]).toEqual(['ok', 0x1c0000000 + 0x3fedcba8, GiB1, 2]);
  });

  it('1 GiB pages are a reserved-bit fault without gbpages', () => {
    const b = native({ gbpages: false });
    // Build with gbpages on, then walk with it off.
    const b2 = native({ gbpages: true });
    b2.map(0x8000000000n, 0x40000000, GiB1);
    const s = { ...b2.scenario(), cpu: { ...b2.cpu, gbpages: false } };
    const r = run(s, 0x8000000123n, 'write');
    expect(r.outcome).toBe('pf');
    expect(r.ec).toBe(0x1 | 0x2 | 0x8);
    expect(r.writes).toEqual([]);
    expect(b.cpu.gbpages).toBe(false);
  });

  it('translates in 5-level paging with 5 references, and 57-bit addresses', () => {
    const b = native({ paging: '5' });
    const va = 0x00ff123456789000n; // bit 55 set: only 5-level paging can map it
    b.map(va, 0x3000, KiB4);
    b.map(0x0000800000000000n, 0x200000, MiB2);
    b.map(0x0000000040000000n, 0x40000000, GiB1);
    const s = b.scenario();
    const r = run(s, va + 8n);
    expect([r.outcome, r.pa, r.size, r.refs.length]).toEqual(['ok', 0x3008, KiB4, 5]);
    expect(r.refs.map((x) => x.level)).toEqual([5, 4, 3, 2, 1]);
    expect(r.refs[0].pa).toBe(b.cpu.cr3 + ix(va, 5) * 8);
    expect(run(s, 0x0000800000001000n).pa).toBe(0x201000);
    expect(run(s, 0x0000000040000010n).size).toBe(GiB1);
  });
});

describe('canonical addresses', () => {
  it('4-level paging: bits 63:47 must agree, checked before any reference', () => {
    const s = native().scenario();
    for (const va of [0x0000800000000000n, 0x8000000000000000n, 0xffff7fffffffffffn, 0x0001000000000000n]) {
      const r = run(s, va);
      expect(r.outcome, va.toString(16)).toBe('gp');
      expect(r.refs).toEqual([]);
    }
    expect(run(s, 0xffff800000000000n).outcome).toBe('pf');
    expect(run(s, 0x00007ffffffff000n).outcome).toBe('pf');
  });

  it('5-level paging: bits 63:56 must agree with bit 56', () => {
    const s = native({ paging: '5' }).scenario();
    expect(run(s, 0x0000800000000000n).outcome).toBe('pf'); // canonical with LA57
    expect(run(s, 0x00ff800000000000n).outcome).toBe('pf');
    expect(run(s, 0x0100000000000000n).outcome).toBe('gp');
    expect(run(s, 0xfeff800000000000n).outcome).toBe('gp');
    expect(run(s, 0xff00000000000000n).outcome).toBe('pf');
  });
});

describe('32-bit paging', () => {
  it('4 KiB pages with 4-byte entries', () => {
    const b = native({ paging: '32', pse: true });
    b.map(0xc0123000, 0x00456000, KiB4, { w: true });
    const s = b.scenario();
    const r = run(s, 0xc0123ffc, 'write');
    expect([r.outcome, r.pa, r.size]).toEqual(['ok', 0x456ffc, KiB4]);
    const pde = b.cpu.cr3 + (0xc0123000 >>> 22) * 4;
    expect(r.refs[0].pa).toBe(pde);
    expect(r.refs[1].pa % 4).toBe(0);
    expect(r.refs[1].pa).toBe((b.mem.read32(pde) & 0xfffff000) + ((0xc0123000 >>> 12) & 1023) * 4);
    // A 32-bit entry in the high half of a qword: its write shows the whole qword.
    expect(r.refs.every((x) => x.hi === 0)).toBe(true);
  });

  it('4 MiB pages with PSE, and PS ignored without PSE', () => {
    const b = native({ paging: '32', pse: true });
    b.map(0x80000000, 0x01c00000, MiB4);
    const s = b.scenario();
    const r = run(s, 0x803fffff);
    expect([r.outcome, r.pa, r.size, r.refs.length]).toEqual(['ok', 0x01ffffff, MiB4, 1]);
    // Same memory, PSE off: the PDE is a table pointer to 0x01c00000, whose entries are 0.
    const r2 = run({ ...s, cpu: { ...s.cpu, pse: false } }, 0x803fffff);
    expect(r2.outcome).toBe('pf');
    expect(r2.refs.length).toBe(2);
    expect(r2.refs[1].pa).toBe(0x01c00000 + 1023 * 4);
  });

  it('PSE-36: bits 20:13 of a 4 MiB PDE hold PA bits above 31; bits 21:(M′−19) are reserved', () => {
    const b = native({ paging: '32', pse: true, maxphyaddr: 40 });
    b.map(0x00400000, 0xab_c0400000, MiB4);
    const s = b.scenario();
    const r = run(s, 0x00400010);
    expect(r.pa).toBe(0xab_c0400010);
    const pde = b.cpu.cr3 + 4;
    // MAXPHYADDR 36: M′ = 36, PA bits 35:32 in bits 16:13; bit 17 (PA bit 36) is now reserved.
    const s36 = { ...s, cpu: { ...s.cpu, maxphyaddr: 36 } };
    const r36 = run(s36, 0x00400010);
    expect(r36.outcome).toBe('pf');
    expect(r36.ec).toBe(0x9);
    // With a PA below 2^36 it maps.
    const m = s.memory.clone();
    m.write32(pde, (m.read32(pde) & ~(0xff << 13)) | (0xb << 13));
    expect(run({ ...s36, memory: m }, 0x00400010).pa).toBe(0xb_c0400010);
    // Bit 21 is reserved whatever M′ is.
    m.write32(pde, m.read32(pde) | (1 << 21));
    expect(run({ ...s, memory: m }, 0x00400010).ec).toBe(0x9);
  });

  it('no XD: a fetch reports I/D only with SMEP', () => {
    const b = native({ paging: '32', nxe: true });
    const s = b.scenario();
    expect(run(s, 0x1000, 'fetch').ec).toBe(0);
    expect(run({ ...s, cpu: { ...s.cpu, smep: true } }, 0x1000, 'fetch').ec).toBe(0x10);
  });
});

describe('PAE paging', () => {
  it('reads the PDPTE as level 3, sets no A flag in it, maps 4 KiB and 2 MiB pages', () => {
    const b = new ScenarioBuilder({ paging: 'pae' });
    b.map(0xc0001000, 0x7000, KiB4);
    b.map(0x40200000, 0x12_34400000, MiB2);
    const s = b.scenario();
    const r = run(s, 0xc0001234, 'write');
    expect([r.outcome, r.pa, r.size]).toEqual(['ok', 0x7234, KiB4]);
    expect(r.refs.map((x) => x.level)).toEqual([3, 2, 1]);
    expect(r.refs[0].pa).toBe(b.cpu.cr3 + 3 * 8);
    const pdpte = r.refs[0].pa;
    expect(r.writes.map((w) => w.pa)).not.toContain(pdpte);
    expect(r.writes.length).toBe(2);
    const r2 = run(s, 0x40300000);
    expect([r2.pa, r2.size]).toEqual([0x12_34500000, MiB2]);
  });

  it('a PDPTE with a reserved bit (2:1, 8:5, 63, above MAXPHYADDR) is #GP; a not-present one is #PF', () => {
    const b = new ScenarioBuilder({ paging: 'pae', maxphyaddr: 36 });
    b.map(0x1000, 0x2000, KiB4);
    const s = b.scenario();
    const pdpte = b.cpu.cr3;
    const lo = s.memory.read32(pdpte);
    const hi = s.memory.read32(pdpte + 4);
    for (const [bitLo, bitHi] of [
      [1 << 1, 0],
      [1 << 2, 0],
      [1 << 5, 0],
      [1 << 8, 0],
      [0, 1 << 31],
      [0, 1 << 4], // PA bit 36
    ]) {
      const m = s.memory.clone();
      m.write64(pdpte, lo | bitLo, hi | bitHi);
      const r = run({ ...s, memory: m }, 0x1000);
      expect(r.outcome, `${bitLo.toString(16)}/${bitHi.toString(16)}`).toBe('gp');
      expect(r.refs.length).toBe(1);
    }
    // Bits 4:3 (PWT, PCD) are allowed.
    const ok = s.memory.clone();
    ok.write64(pdpte, lo | 0x18, hi);
    expect(run({ ...s, memory: ok }, 0x1000).outcome).toBe('ok');
    const np = s.memory.clone();
    np.write64(pdpte, 0, 0);
    const r = run({ ...s, memory: np }, 0x1000, 'write', 3);
    expect([r.outcome, r.ec]).toEqual(['pf', 0x6]);
  });
});

describe('reserved bits (RSVD)', () => {
  /** Map one 4-level page, set extra bits in the entry at `level`, and walk. */
  function withBits(cpu: Partial<CpuState>, size: number, level: number, lo: number, hi: number, op: AccessOp = 'read') {
    const b = native(cpu);
    const va = 0x0000123440000000n;
    b.map(va, 0x40000000, size as 4096, { w: true, u: true });
    const s = b.scenario();
    const top = cpu.paging === '5' ? 5 : 4;
    const leafLevel = size === KiB4 ? 1 : size === MiB2 ? 2 : 3;
    const addrs = chain(b.mem, b.cpu.cr3, va, top, leafLevel);
    const ea = addrs[top - level];
    s.memory.write64(ea, s.memory.read32(ea) | lo, s.memory.read32(ea + 4) | hi);
    return run(s, va, op, 3);
  }

  it('address bits at or above MAXPHYADDR, at every level', () => {
    for (let level = 1; level <= 4; level++) {
      const r = withBits({ maxphyaddr: 40 }, KiB4, level, 0, 1 << 8);
      expect([r.outcome, r.ec], `level ${level}`).toEqual(['pf', 0x1 | 0x4 | 0x8]);
      expect(r.refs.length).toBe(5 - level);
      expect(r.writes).toEqual([]);
    }
    // Bit 39 is an address bit with MAXPHYADDR 40.
    expect(withBits({ maxphyaddr: 40 }, KiB4, 1, 0, 1 << 7).outcome).toBe('ok');
  });

  it('XD is reserved when NXE=0, and an XD page is not executable when NXE=1', () => {
    expect(withBits({ nxe: false }, KiB4, 1, 0, 0x80000000).ec).toBe(0xd);
    expect(withBits({ nxe: false }, KiB4, 3, 0, 0x80000000).ec).toBe(0xd);
    const ok = withBits({ nxe: true }, KiB4, 1, 0, 0x80000000);
    expect(ok.outcome).toBe('ok');
    expect(withBits({ nxe: true }, KiB4, 2, 0, 0x80000000, 'fetch').ec).toBe(0x1 | 0x4 | 0x10);
  });

  it('PS is reserved in PML4 and PML5 entries', () => {
    expect(withBits({}, KiB4, 4, 0x80, 0).ec).toBe(0xd);
    expect(withBits({ paging: '5' }, KiB4, 5, 0x80, 0).ec).toBe(0xd);
    expect(withBits({ paging: '5' }, KiB4, 4, 0x80, 0).ec).toBe(0xd);
  });

  it('large-page alignment bits: 20:13 of a 2 MiB PDE, 29:13 of a 1 GiB PDPTE', () => {
    expect(withBits({}, MiB2, 2, 1 << 13, 0).ec).toBe(0xd);
    expect(withBits({}, MiB2, 2, 1 << 20, 0).ec).toBe(0xd);
    expect(withBits({}, MiB2, 2, 1 << 12, 0).outcome).toBe('ok'); // PAT bit
    expect(withBits({}, GiB1, 3, 1 << 29, 0).ec).toBe(0xd);
    expect(withBits({}, GiB1, 3, 1 << 13, 0).ec).toBe(0xd);
    expect(withBits({}, GiB1, 3, 1 << 12, 0).outcome).toBe('ok');
  });

  it('a not-present entry is never a reserved-bit fault', () => {
    const b = native({ maxphyaddr: 36 });
    b.map(0x1000, 0x1000, KiB4);
    const s = b.scenario();
    const pte = chain(b.mem, b.cpu.cr3, 0x1000n, 4, 1)[3];
    s.memory.write64(pte, 0xfffffffe, 0xffffffff);
    const r = run(s, 0x1000);
    expect([r.outcome, r.ec]).toEqual(['pf', 0]);
  });
});

describe('permissions and the error code', () => {
  const VA = 0x00000000deadb000n;
  function one(flags: Parameters<ScenarioBuilder['map']>[3], cpu: Partial<CpuState> = {}) {
    const b = native(cpu);
    b.map(VA, 0x100000, KiB4, flags);
    return b.scenario();
  }

  it('not present: W, U and I/D bits only', () => {
    const s = native().scenario();
    expect(run(s, VA).ec).toBe(0);
    expect(run(s, VA, 'write').ec).toBe(0x2);
    expect(run(s, VA, 'read', 3).ec).toBe(0x4);
    expect(run(s, VA, 'fetch', 3).ec).toBe(0x14);
    expect(run({ ...s, cpu: { ...s.cpu, nxe: false } }, VA, 'fetch').ec).toBe(0);
    expect(run({ ...s, cpu: { ...s.cpu, nxe: false, smep: true } }, VA, 'fetch').ec).toBe(0x10);
  });

  it('U/S and R/W for user accesses', () => {
    expect(run(one({ w: true }), VA, 'read', 3).ec).toBe(0x5);
    expect(run(one({ u: true }), VA, 'write', 3).ec).toBe(0x7);
    expect(run(one({ u: true }), VA, 'read', 3).outcome).toBe('ok');
    expect(run(one({ u: true, nx: true }), VA, 'fetch', 3).ec).toBe(0x15);
    expect(run(one({ u: true }), VA, 'fetch', 3).outcome).toBe('ok');
  });

  it('rights AND across levels: a read-only or supervisor upper entry restricts the page', () => {
    const b = native();
    b.map(VA, 0x100000, KiB4, { w: true, u: true });
    const s = b.scenario();
    const [, pdpte] = chain(b.mem, b.cpu.cr3, VA, 4, 1);
    const ro = s.memory.clone();
    ro.write32(pdpte, ro.read32(pdpte) & ~2);
    expect(run({ ...s, memory: ro }, VA, 'write', 3).ec).toBe(0x7);
    expect(run({ ...s, memory: ro }, VA, 'read', 3).outcome).toBe('ok');
    const sup = s.memory.clone();
    sup.write32(pdpte, sup.read32(pdpte) & ~4);
    expect(run({ ...s, memory: sup }, VA, 'read', 3).ec).toBe(0x5);
    const xd = s.memory.clone();
    xd.write32(pdpte + 4, xd.read32(pdpte + 4) | 0x80000000);
    expect(run({ ...s, memory: xd }, VA, 'fetch', 3).ec).toBe(0x15);
  });

  it('CR0.WP: supervisor writes to read-only pages', () => {
    expect(run(one({ u: false }, { wp: true }), VA, 'write').ec).toBe(0x3);
    expect(run(one({ u: false }, { wp: false }), VA, 'write').outcome).toBe('ok');
    expect(run(one({ u: true }, { wp: false }), VA, 'write').outcome).toBe('ok');
    // WP=0 never lets a user write a read-only page.
    expect(run(one({ u: true }, { wp: false }), VA, 'write', 3).ec).toBe(0x7);
  });

  it('SMEP: supervisor fetches from user pages', () => {
    expect(run(one({ u: true }, { smep: true }), VA, 'fetch').ec).toBe(0x11);
    expect(run(one({ u: true }, { smep: false }), VA, 'fetch').outcome).toBe('ok');
    expect(run(one({ u: false }, { smep: true }), VA, 'fetch').outcome).toBe('ok');
  });

  it('SMAP: supervisor data accesses to user pages, EFLAGS.AC, implicit accesses', () => {
    const s = one({ u: true, w: true }, { smap: true });
    expect(run(s, VA).ec).toBe(0x1);
    expect(run(s, VA, 'write').ec).toBe(0x3);
    const ac = { ...s, cpu: { ...s.cpu, ac: true } };
    expect(run(ac, VA).outcome).toBe('ok');
    expect(run(ac, VA, 'write').outcome).toBe('ok');
    // An implicit access is supervisor whatever the CPL, and AC does not help it.
    expect(run(ac, VA, 'read', 0, true).ec).toBe(0x1);
    expect(run(ac, VA, 'read', 3, true).ec).toBe(0x1);
    // A user access is not subject to SMAP.
    expect(run(s, VA, 'read', 3).outcome).toBe('ok');
    // SMAP leaves fetches to SMEP.
    expect(run(one({ u: true }, { smap: true }), VA, 'fetch').outcome).toBe('ok');
  });

  it('an implicit access at CPL 3 is supervisor: no U bit, supervisor pages allowed', () => {
    const s = one({ u: false, w: true });
    expect(run(s, VA, 'read', 3, true).outcome).toBe('ok');
    expect(run(native().scenario(), VA, 'read', 3, true).ec).toBe(0);
  });
});

describe('protection keys', () => {
  const VA = 0x0000000012345000n;
  function pk(pkey: number, pkru: number, flags: { u?: boolean; w?: boolean } = { u: true, w: true }, cpu: Partial<CpuState> = {}) {
    const b = native({ pke: true, pkru, ...cpu });
    b.map(VA, 0x9000, KiB4, { ...flags, pkey });
    return b.scenario();
  }
  const AD = (k: number) => 1 << (2 * k);
  const WD = (k: number) => 2 << (2 * k);

  it('access-disable denies reads and writes to user pages of that key', () => {
    const s = pk(5, AD(5));
    expect(run(s, VA, 'read', 3).ec).toBe(0x1 | 0x4 | 0x20);
    expect(run(s, VA, 'write', 3).ec).toBe(0x1 | 0x2 | 0x4 | 0x20);
    expect(run(s, VA, 'read').ec).toBe(0x1 | 0x20); // supervisor access to a user page too
    expect(run(s, VA, 'fetch', 3).outcome).toBe('ok'); // never fetches
    expect(run(pk(4, AD(5)), VA, 'read', 3).outcome).toBe('ok'); // other key
  });

  it('write-disable: user writes always, supervisor writes only with WP', () => {
    const s = pk(3, WD(3));
    expect(run(s, VA, 'read', 3).outcome).toBe('ok');
    expect(run(s, VA, 'write', 3).ec).toBe(0x27);
    expect(run(s, VA, 'write').ec).toBe(0x23);
    expect(run(pk(3, WD(3), undefined, { wp: false }), VA, 'write').outcome).toBe('ok');
  });

  it('only user pages, only with CR4.PKE, only in 4/5-level paging', () => {
    expect(run(pk(5, AD(5), { u: false, w: true }), VA, 'read').outcome).toBe('ok');
    expect(run(pk(5, AD(5), undefined, { pke: false }), VA, 'read', 3).outcome).toBe('ok');
    const b = new ScenarioBuilder({ paging: 'pae', pke: true, pkru: 0xffffffff });
    b.map(VA, 0x9000, KiB4, { u: true, w: true });
    expect(run(b.scenario(), VA, 'write', 3).outcome).toBe('ok');
  });

  it('PK is reported together with another fault', () => {
    expect(run(pk(2, AD(2), { u: true, w: false }), VA, 'write', 3).ec).toBe(0x27);
    const s = pk(7, WD(7), { u: true, w: false });
    expect(run(s, VA, 'write', 3).ec).toBe(0x27);
    expect(run({ ...s, cpu: { ...s.cpu, smap: true } }, VA, 'read').ec).toBe(0x1); // WD: reads fine, SMAP fault alone
    expect(run({ ...s, cpu: { ...s.cpu, smap: true, pkru: AD(7) } }, VA, 'read').ec).toBe(0x21);
  });
});

/**
 * Nested scenarios: the guest built in guest-physical memory, copied into host
 * memory at gpa + OFF, and an EPT mapping each guest page used.
 */
const OFF = 0x40_0000_0000;

interface NestOpts {
  levels?: 4 | 5;
  ad?: boolean;
  execonly?: boolean;
  /** EPT flags of a guest page (default RWX), or null to leave it unmapped. */
  perm?: (gpa: number) => EptFlags | null;
  /** Extra guest-physical pages to map (data pages). */
  data?: number[];
}

function nest(b: ScenarioBuilder, o: NestOpts = {}): { s: Scenario; ept: EptBuilder; host: PhysMem } {
  const host = new PhysMem();
  const ept = new EptBuilder(host, new PageAllocator(0x100000), { levels: o.levels ?? 4, ad: o.ad ?? false, execonly: o.execonly ?? false });
  const pages = new Set<number>();
  for (const pfn of b.mem.pageFrames()) {
    const w = b.mem.pageWords(pfn)!;
    for (let i = 0; i < 1024; i++) if (w[i] !== 0) host.write32(pfn * KiB4 + OFF + i * 4, w[i]);
    pages.add(pfn * KiB4);
  }
  for (const d of o.data ?? []) pages.add(d - (d % KiB4));
  for (const gpa of pages) {
    const f = o.perm ? o.perm(gpa) : {};
    if (f !== null) ept.map(gpa, gpa + OFF, KiB4, f);
  }
  const state: EptState = ept.state;
  return { s: { cpu: { ...b.cpu }, ept: state, memory: host }, ept, host };
}

describe('two-dimensional walks', () => {
  const VA = 0x00007fff00001000n;

  it.each([
    [4, 4, 24],
    [4, 5, 29],
    [5, 4, 29],
    [5, 5, 35],
  ] as const)('%i-level guest on %i-level EPT makes %i references, EPT walks before each guest entry', (g, h, n) => {
    for (const ad of [false, true]) {
      const b = native({ paging: g === 5 ? '5' : '4' });
      b.map(VA, 0x7000, KiB4, { w: true, u: true });
      const { s } = nest(b, { levels: h, ad, data: [0x7000] });
      const r = run(s, VA + 0x10n, 'write', 3);
      expect(r.outcome).toBe('ok');
      expect(r.pa).toBe(0x7010 + OFF);
      expect(r.refs.length).toBe(n);
      expect(n).toBe((g + 1) * (h + 1) - 1);
      const kinds = r.refs.map((x) => x.kind).join('');
      expect(kinds).toBe(('e'.repeat(h) + 'g').repeat(g) + 'e'.repeat(h));
      // Each guest entry is read at its host address (gpa + OFF).
      for (const x of r.refs.filter((x) => x.kind === 'g')) expect(x.pa).toBe(x.gpa + OFF);
    }
  });

  it('an EPT not-present entry: ept_violation at the exact gpa, qualification bits', () => {
    const b = native();
    b.map(VA, 0x7000, KiB4, { w: true, u: true });
    const { s } = nest(b); // data page not in EPT
    const r = run(s, VA + 0x123n, 'write', 3);
    expect(r.outcome).toBe('ept_violation');
    expect(r.gpa).toBe(0x7123);
    // write (bit 1), the not-present entry contributes R=W=X=0, GLA valid (7), final access (8)
    expect(r.qual).toBe(0x2 | 0x80 | 0x100);
    expect(r.writes).toEqual([]); // EPT A/D off
  });

  it('EPT rights: bits 3–5 AND the R/W/X of the EPT entries used', () => {
    const b = native();
    b.map(VA, 0x7000, KiB4, { w: true, u: true });
    const { s } = nest(b, { data: [0x7000], perm: (gpa) => (gpa === 0x7000 ? { r: true, w: false, x: true } : {}) });
    const r = run(s, VA, 'write', 3);
    expect([r.outcome, r.gpa, r.qual]).toEqual(['ept_violation', 0x7000, 0x2 | ((1 | 4) << 3) | 0x180]);
    expect(run(s, VA, 'read', 3).outcome).toBe('ok');
    const f = run(s, VA, 'fetch', 3);
    expect(f.outcome).toBe('ok');
  });

  it('a guest table page without EPT read: violation at the entry address, bit 8 clear', () => {
    const b = native();
    b.map(VA, 0x7000, KiB4);
    const pml4 = b.cpu.cr3;
    const { s } = nest(b, { data: [0x7000], perm: (gpa) => (gpa === pml4 ? null : {}) });
    const r = run(s, VA, 'read', 3);
    expect(r.outcome).toBe('ept_violation');
    expect(r.gpa).toBe(pml4 + ix(VA, 4) * 8);
    expect(r.qual).toBe(0x1 | 0x80);
    expect(r.refs.every((x) => x.kind === 'e')).toBe(true);
  });

  it('EPT misconfiguration: W without R, execute-only without support, bad memory type, reserved bits', () => {
    const cases: [EptFlags, boolean][] = [
      [{ r: false, w: true, x: false }, false],
      [{ r: false, w: true, x: true }, false],
      [{ r: false, w: false, x: true }, false],
      [{ memtype: 2 }, false],
      [{ memtype: 3 }, false],
      [{ memtype: 7 }, false],
    ];
    for (const [flags] of cases) {
      const b = native();
      b.map(VA, 0x7000, KiB4);
      const { s } = nest(b, { data: [0x7000], perm: (gpa) => (gpa === 0x7000 ? flags : {}) });
      const r = run(s, VA, 'read', 3);
      expect([r.outcome, r.gpa], JSON.stringify(flags)).toEqual(['ept_misconfig', 0x7000]);
      expect(r.qual).toBeUndefined();
    }
    // Execute-only with support: not a misconfiguration; a read is a violation, a fetch works.
    const b = native();
    b.map(VA, 0x7000, KiB4, { u: true });
    const { s } = nest(b, { execonly: true, data: [0x7000], perm: (gpa) => (gpa === 0x7000 ? { r: false, w: false, x: true } : {}) });
    expect(run(s, VA, 'read', 3)).toMatchObject({ outcome: 'ept_violation', qual: 0x1 | (4 << 3) | 0x180 });
    expect(run(s, VA, 'fetch', 3).outcome).toBe('ok');
    // Memory types 0, 1, 4, 5, 6 are fine.
    for (const mt of [0, 1, 4, 5, 6]) {
      const b2 = native();
      b2.map(VA, 0x7000, KiB4);
      const n = nest(b2, { data: [0x7000], perm: () => ({ memtype: mt }) });
      expect(run(n.s, VA).outcome).toBe('ok');
    }
    // A host-physical address bit above the host MAXPHYADDR in an EPT entry.
    const b3 = native();
    b3.map(VA, 0x7000, KiB4);
    const n3 = nest(b3, { data: [0x7000] });
    const eptLeaf = n3.ept.map(0x7000, 0x7000 + OFF, KiB4, {});
    n3.host.write32(eptLeaf + 4, n3.host.read32(eptLeaf + 4) | (1 << 15)); // bit 47 ≥ 46
    expect(run(n3.s, VA)).toMatchObject({ outcome: 'ept_misconfig', gpa: 0x7000 });
  });

  it('EPT A/D: A on every EPT entry of every completed walk, D on leaves of writes and of guest table accesses', () => {
    const b = native();
    b.map(VA, 0x7000, KiB4, { w: true, u: true });
    const { s } = nest(b, { ad: true, data: [0x7000] });
    const r = run(s, VA, 'read', 3);
    expect(r.outcome).toBe('ok');
    const w = writesOf(r);
    const eRefs = r.refs.filter((x) => x.kind === 'e');
    // Every EPT entry read gets A; EPT leaves (level 1 here) of the 4 table walks get D; the final read's leaf does not.
    const leafRefs = eRefs.filter((x) => x.level === 1);
    expect(leafRefs.length).toBe(5);
    for (const x of eRefs) expect((w.get(x.pa)! & 0x100n) !== 0n).toBe(true);
    leafRefs.slice(0, 4).forEach((x) => expect((w.get(x.pa)! & 0x200n) !== 0n).toBe(true));
    expect(w.get(leafRefs[4].pa)! & 0x200n).toBe(0n);
    // An EPT entry read by a later walk shows the A flag an earlier walk set.
    const top = eRefs.filter((x) => x.level === 4);
    expect(top[0].lo & 0x100).toBe(0);
    for (const x of top.slice(1)) expect(x.lo & 0x100).toBe(0x100);
    // And the write sets D on the final leaf.
    const rw = run(s, VA, 'write', 3);
    const lw = rw.refs.filter((x) => x.kind === 'e' && x.level === 1);
    expect(writesOf(rw).get(lw[4].pa)! & 0x200n).toBe(0x200n);
  });

  it('after a committed read (all A flags set), a write still sets D on the guest leaf and the final EPT leaf', () => {
    for (const levels of [4, 5] as const) {
      const b = native();
      b.map(VA, 0x7000, KiB4, { w: true, u: true });
      const { s } = nest(b, { ad: true, levels, data: [0x7000] });
      const rd = run(s, VA, 'read', 3);
      for (const w of rd.writes) s.memory.write64(w.pa, w.lo, w.hi);
      expect(run(s, VA, 'read', 3).writes).toEqual([]);
      const wr = run(s, VA, 'write', 3);
      expect(wr.outcome).toBe('ok');
      const guestLeaf = wr.refs.filter((x) => x.kind === 'g').pop()!;
      const eptLeaf = wr.refs[wr.refs.length - 1];
      const w = writesOf(wr);
      expect(w.size).toBe(2);
      expect(w.get(guestLeaf.pa)).toBe(q(s.memory, guestLeaf.pa) | 0x40n);
      expect(w.get(eptLeaf.pa)).toBe(q(s.memory, eptLeaf.pa) | 0x200n);
    }
  });

  it('EPT A/D: guest table accesses are writes needing EPT W; completed walks keep their flags on a fault', () => {
    const b = native();
    b.map(VA, 0x7000, KiB4, { w: true, u: true });
    const pt = chain(b.mem, b.cpu.cr3, VA, 4, 1)[3];
    const ptPage = pt - (pt % KiB4);
    const { s } = nest(b, { ad: true, data: [0x7000], perm: (gpa) => (gpa === ptPage ? { r: true, w: false, x: true } : {}) });
    const r = run(s, VA, 'read', 3);
    expect(r.outcome).toBe('ept_violation');
    expect(r.gpa).toBe(pt);
    expect(r.qual).toBe(0x3 | (5 << 3) | 0x80);
    // Three EPT walks completed (PML4, PDPT, PD pages): their EPT entries got A/D; no guest entry changed.
    const w = writesOf(r);
    expect(w.size).toBeGreaterThan(0);
    for (const [pa] of w) expect(r.refs.find((x) => x.pa === pa)?.kind).toBe('e');
    // The failing walk sets nothing: its EPT leaf (used by no completed walk) is unchanged.
    const failedLeaf = r.refs[r.refs.length - 1];
    expect([failedLeaf.kind, failedLeaf.level]).toEqual(['e', 1]);
    expect(w.has(failedLeaf.pa)).toBe(false);
    // The completed walks' leaves got A and D (a table access counts as a write with EPT A/D).
    const doneLeaves = r.refs.filter((x) => x.kind === 'e' && x.level === 1).slice(0, 3);
    for (const x of doneLeaves) expect(w.get(x.pa)! & 0x300n).toBe(0x300n);
    // Without EPT A/D the same walk reads fine.
    const { s: s2 } = nest(b, { ad: false, data: [0x7000], perm: (gpa) => (gpa === ptPage ? { r: true, w: false, x: true } : {}) });
    const r2 = run(s2, VA, 'read', 3);
    // ...but the guest's A update is a write to a page EPT maps read-only (FORMAT.md rule 5).
    expect(r2).toMatchObject({ outcome: 'ept_violation', gpa: pt, qual: 0x2 | (5 << 3) | 0x80 });
    expect(r2.writes).toEqual([]);
  });

  it('guest A/D under EPT without A/D: fine when the flags are already set', () => {
    const b = native();
    b.map(VA, 0x7000, KiB4, { w: true, u: true, a: true, d: true });
    const s0 = nest(b, { data: [0x7000] });
    for (const w of run(s0.s, VA, 'write', 3).writes) b.mem.write64(w.pa - OFF, w.lo, w.hi);
    const { s } = nest(b, { data: [0x7000], perm: (gpa) => (gpa === 0x7000 ? {} : { r: true, w: false, x: false }) });
    const r = run(s, VA, 'write', 3);
    expect(r.outcome).toBe('ok');
    expect(r.writes).toEqual([]);
  });

  it('PAE under EPT: the PDPTE load is an EPT read, bits 7 and 8 clear on a violation', () => {
    const b = new ScenarioBuilder({ paging: 'pae' });
    b.map(0x1000, 0x7000, KiB4);
    const pdpt = b.cpu.cr3;
    const { s } = nest(b, { ad: true, data: [0x7000], perm: (gpa) => (gpa === pdpt ? null : {}) });
    const r = run(s, 0x1000);
    expect(r).toMatchObject({ outcome: 'ept_violation', gpa: pdpt, qual: 0x1 });
    // With the PDPT page read-only in EPT (A/D on) the walk succeeds: the load is a read, and gets no D.
    const n = nest(b, { ad: true, data: [0x7000], perm: (gpa) => (gpa === pdpt ? { r: true, w: false, x: false } : {}) });
    const ok = run(n.s, 0x1000);
    expect(ok.outcome).toBe('ok');
    expect(ok.refs.length).toBe(3 * 5 + 4); // (3 guest levels + final) × 4 EPT + 3 guest
    const firstLeaf = ok.refs.find((x) => x.kind === 'e' && x.level === 1)!;
    expect(writesOf(ok).get(firstLeaf.pa)! & 0x300n).toBe(0x100n);
  });
});

describe('a Walker reused across walks (the fast path)', () => {
  it('sees memory written between walks: new pages, changed entries, committed A/D', async () => {
    const { Walker, compile, OK, PF } = await import('./index');
    const b = native();
    const w = new Walker(compile(b.cpu, null), b.mem);
    w.log = null;
    const VA = 0x0000000123456000n;
    const va = toU64(VA);
    // The root table is still empty (absent page): a not-present fault.
    expect(w.translate(va.lo, va.hi, 0, false, false)).toBe(PF);
    const leaf = b.map(VA, 0x9000, KiB4, { w: true });
    expect(w.translate(va.lo, va.hi, 1, false, false)).toBe(OK);
    expect(w.pa).toBe(0x9000);
    w.commit();
    expect(b.mem.read32(leaf) & 0x60).toBe(0x60);
    expect(w.translate(va.lo, va.hi, 1, false, false)).toBe(OK);
    expect(w.pending.size).toBe(0);
    // Remap the leaf in place, then clear it.
    b.mem.write32(leaf, (b.mem.read32(leaf) & 0xfff) | 0xabc000);
    expect(w.translate(va.lo + 0x10, va.hi, 0, false, false)).toBe(OK);
    expect(w.pa).toBe(0xabc010);
    b.mem.write64(leaf, 0, 0);
    expect(w.translate(va.lo, va.hi, 0, false, false)).toBe(PF);
    expect(w.ec).toBe(0);
  });
});
