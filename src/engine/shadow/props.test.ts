/**
 * Property tests: random guests (32-bit, PAE, 4- and 5-level) run random
 * sequences of accesses, page-table stores at every level, INVLPG and CR3
 * switches between two address spaces under the shadow MMU (PAE PDPTEs
 * included: registers reloaded only by CR3 loads). Every result must
 * be one bare hardware could show (TlbOracle), and the shadow MMU's
 * invariants must hold throughout.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GiB1, KiB4, MiB2, MiB4, ScenarioBuilder, type PageSizeBytes } from '../build';
import { PhysMem } from '../memory';
import type { CpuState } from '../scenario';
import type { GuestPaging } from '../formats';
import { translate } from '../translate';
import { FETCH, OK, PF, READ, WRITE, type OpCode } from '../walk';
import { ShadowMachine } from './machine';
import { TlbOracle, type Seen } from './oracle';
import { roleAccess, roleHas4Byte, roleQuadrant } from './role';
import { spteFrame } from './spte';

/** Guest memory: read-write below 768 MiB, a read-only slot above it (KVM_MEM_READONLY: never mapped writable). */
const SLOTS = [
  { gpa: 0, hpa: 0x1_0000_0000, size: 0x3000_0000 },
  { gpa: 0x3000_0000, hpa: 0x2_0000_0000, size: 0x1000_0000, readonly: true },
];
const RO_FRAME = 0x3000_0000;
const TWO32 = 4294967296;
const split = (v: bigint) => ({ lo: Number(v & 0xffffffffn), hi: Number(v >> 32n) });

/** Candidate linear addresses per mode: neighbours in one table, another region, a large-page region. */
function vaSet(paging: GuestPaging): { va: bigint; large: PageSizeBytes }[] {
  if (paging === '32' || paging === 'pae') {
    const L = paging === '32' ? MiB4 : MiB2;
    return [
      { va: 0x40_0000n, large: L },
      { va: 0x40_1000n, large: L },
      { va: 0x40_2000n, large: L },
      { va: 0xc000_0000n, large: L },
      { va: 0xc000_1000n, large: L },
      { va: 0x80_0000n + 0x3000n, large: L },
      { va: 0xc080_0000n, large: L },
      { va: 0x7fc0_0000n + 0x5000n, large: L },
    ];
  }
  const hi = paging === '5' ? 0xff11_0000_0000_0000n : 0xffff_8880_0000_0000n;
  return [
    { va: 0x40_0000n, large: MiB2 },
    { va: 0x40_1000n, large: MiB2 },
    { va: 0x40_2000n, large: MiB2 },
    { va: 0x7f00_0020_0000n, large: MiB2 },
    { va: 0x7f00_0020_1000n, large: MiB2 },
    { va: hi + 0x4000_0000n + 0x5000n, large: GiB1 },
    { va: hi + 0x1000n, large: MiB2 },
    { va: 0x7f00_4000_0000n + 0x2000n, large: GiB1 },
  ];
}

interface World {
  cpu: CpuState;
  cr3: [number, number];
  mem: PhysMem;
  vas: { lo: number; hi: number }[];
  /** Guest entry addresses on the paths (qword-aligned) and their level. */
  entries: { addr: number; level: number }[];
  tables: number[];
  data: number[];
}

const likely = fc.nat(3).map((n) => n !== 0);
const unlikely = fc.nat(3).map((n) => n === 0);
const flagsArb = fc.record({ w: likely, u: likely, nx: unlikely, a: likely, d: fc.boolean() });
const mapArb = fc.record({
  in0: fc.boolean(),
  in1: fc.boolean(),
  large: fc.nat(4),
  frame: fc.nat(15),
  flags: flagsArb,
  flags1: flagsArb,
});
const cpuArb = fc.record({
  paging: fc.constantFrom<GuestPaging>('32', 'pae', '4', '5'),
  wp: fc.boolean(),
  smep: fc.boolean(),
  smap: fc.boolean(),
  ac: fc.boolean(),
  nxe: fc.boolean(),
  pke: fc.boolean(),
  pkru: fc.nat(0xffff),
});

type OpSpec =
  | { t: 'access'; v: number; kind: OpCode; cpl: 0 | 3; implicit: boolean }
  | { t: 'store'; target: number; mut: number; arg: number }
  | { t: 'data'; target: number; arg: number }
  | { t: 'invlpg'; v: number; off: number }
  | { t: 'cr3'; as: number };

const opArb: fc.Arbitrary<OpSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('access' as const), v: fc.nat(7), kind: fc.constantFrom<OpCode>(READ, WRITE, FETCH), cpl: fc.constantFrom<0 | 3>(0, 3), implicit: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('store' as const), target: fc.nat(200), mut: fc.nat(11), arg: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('data' as const), target: fc.nat(50), arg: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('invlpg' as const), v: fc.nat(7), off: fc.oneof(fc.constant(-1), fc.constant(-1), fc.nat(0x1fffff)) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cr3' as const), as: fc.nat(1) }) },
);

type CpuSpec = { paging: GuestPaging; wp: boolean; smep: boolean; smap: boolean; ac: boolean; nxe: boolean; pke: boolean; pkru: number };
type Flags = { w: boolean; u: boolean; nx: boolean; a: boolean; d: boolean };
type MapSpec = { in0: boolean; in1: boolean; large: number; frame: number; flags: Flags; flags1: Flags };

function build(c: CpuSpec, maps: MapSpec[]): World {
  const mem = new PhysMem();
  const cpu0: Partial<CpuState> = {
    paging: c.paging,
    wp: c.wp,
    smep: c.smep,
    smap: c.smap,
    ac: c.ac,
    nxe: c.paging === '32' ? false : c.nxe,
    pke: c.pke,
    pkru: c.pkru * 0x10001,
    pse: true,
    maxphyaddr: 40,
    gbpages: true,
  };
  const b0 = new ScenarioBuilder(cpu0, { tableBase: 0x10_0000, mem });
  const b1 = new ScenarioBuilder(cpu0, { tableBase: 0x20_0000, mem });
  const cands = vaSet(c.paging);
  const data: number[] = [];
  const taken = new Set<string>();
  for (let k = 0; k < cands.length; k++) {
    const m = maps[k % maps.length];
    const { va, large } = cands[k];
    const useLarge = m.large === 0;
    const size: PageSizeBytes = useLarge ? large : KiB4;
    // Large pages cover neighbours: map each large region once per space.
    const region = `${va - (va % BigInt(size))}:${size}`;
    const pa = useLarge ? (size === GiB1 ? 0 : 0x1000_0000 + m.frame * size) % RO_FRAME : 0x100_0000 + (k * 16 + m.frame) * KiB4;
    for (const [i, bld, on, fl] of [[0, b0, m.in0 || !m.in1, m.flags], [1, b1, m.in1, m.flags1]] as const) {
      if (!on || taken.has(`${i}:${region}`)) continue;
      try {
        bld.map(va - (va % BigInt(size)), pa, size, { ...fl, nx: c.paging !== '32' && fl.nx });
        taken.add(`${i}:${region}`);
      } catch {
        // A 4 KiB map under an existing large page (or the reverse): keep the first.
      }
    }
    data.push(pa);
  }
  data.push(RO_FRAME, RO_FRAME + 0x10_0000);
  const vas = cands.map((x) => split(x.va + 0x123n * BigInt(cands.indexOf(x) % 3)));
  const cpu = { ...b0.cpu };
  const cr3: [number, number] = [b0.cpu.cr3, b1.cpu.cr3];
  // Every guest entry on every path, at every level (PAE PDPTEs too: registers until the next CR3 load).
  const entries = new Map<number, number>();
  const tables = new Set<number>();
  for (const root of cr3) {
    for (const v of vas) {
      const r = translate({ cpu: { ...cpu, cr3: root }, ept: null, memory: mem }, { va: v, op: 'read', cpl: 0, implicit: false });
      for (const ref of r.refs) {
        entries.set(ref.pa - (ref.pa % 8), ref.level);
        tables.add(ref.pa - (ref.pa % 4096));
      }
    }
  }
  return {
    cpu,
    cr3,
    mem,
    vas,
    entries: [...entries].map(([addr, level]) => ({ addr, level })),
    tables: [...tables],
    data,
  };
}

/** A new qword for a guest entry: flip a flag, retarget, or break it. */
function mutate(w: World, lo: number, hi: number, mut: number, arg: number, level: number): [number, number] {
  const bits32 = w.cpu.paging === '32';
  switch (mut) {
    case 0: return [lo ^ 1, hi]; // P
    case 1: return [lo ^ 2, hi]; // W
    case 2: return [lo ^ 4, hi]; // U
    case 3: return [lo ^ 0x20, hi]; // A
    case 4: return [lo ^ 0x40, hi]; // D
    case 5: return bits32 ? [lo ^ (4 << 0), hi] : [lo, hi ^ 0x80000000]; // NX
    case 6: { // retarget to another table page (a table used at another level, or twice)
      const t = w.tables[arg % w.tables.length];
      return [((lo & 0xfff) | t) >>> 0, bits32 ? hi : 0];
    }
    case 7: { // retarget to a data frame
      const d = w.data[arg % w.data.length] + (level === 1 ? (arg % 8) * 4096 : 0);
      return [((lo & 0xfff) | (d % TWO32 & 0xfffff000)) >>> 0, bits32 ? hi : Math.floor(d / TWO32)];
    }
    case 8: return bits32 ? [lo | (1 << 21) | 0x80, hi] : [lo, hi | (1 << 19)]; // a reserved bit (MAXPHYADDR 40)
    case 9: return [0, bits32 ? hi : 0];
    case 10: return [(lo ^ 0x80) & (bits32 ? ~0x1fe000 : ~0), hi]; // PS (32-bit: no PA bits above 4 GiB)
    default: return [lo | 0x63, hi]; // restore P/W/A/D
  }
}

function checkInvariants(m: ShadowMachine): void {
  const st = m.store;
  for (const sp of st.live()) {
    if (!sp.direct) {
      if (sp.level > 1) expect(st.isWriteTracked(sp.gfn), `L${sp.level} page #${sp.id} write-tracked`).toBe(true);
      if (!sp.unsync) {
        for (const ref of st.rmap.get(sp.gfn) ?? []) {
          const o = st.byId.get(Math.floor(ref / 512))!;
          expect(o.lo[ref % 512] & 2, `gfn ${sp.gfn.toString(16)} shadowed by sync page #${sp.id} is mapped writable`).toBe(0);
        }
      }
    }
    for (let i = 0; i < 512; i++) {
      if (!sp.isPresent(i) || sp.child[i] !== null) continue;
      const lo = sp.lo[i];
      const hi = sp.hi[i];
      const gfn = sp.gfnOf[i];
      expect(spteFrame(lo, hi)).toBe(m.host.hpaOf(gfn * 4096));
      const W = (lo & 2) !== 0;
      const U = (lo & 4) !== 0;
      const X = (hi & 0x80000000) === 0;
      const ra = roleAccess(sp.role);
      if (U) expect(ra & 4).toBe(4);
      if (X) expect(ra & 1).toBe(1);
      if (W) {
        expect(m.host.slotOf(gfn)!.readonly ?? false, `writable SPTE into a read-only slot`).toBe(false);
        expect((ra & 2) !== 0 || (!m.cpu.wp && !U)).toBe(true);
        expect(st.isWriteTracked(gfn)).toBe(false);
        for (const o of st.indirectAt(gfn)) expect(o.unsync, `writable SPTE to shadowed gfn ${gfn.toString(16)}`).toBe(true);
      }
      if (!sp.direct && sp.level === 1 && !sp.unsync) {
        // A synced page's SPTE never grants more than its guest PTE does now.
        const has4 = roleHas4Byte(sp.role);
        const a = sp.gfn * 4096 + (has4 ? (roleQuadrant(sp.role) * 512 + i) * 4 : i * 8);
        const glo = m.mem.read32(a);
        const ghi = has4 ? 0 : m.mem.read32(a + 4);
        expect(glo & 1).toBe(1);
        const f = m.cfg.guest;
        expect(Math.floor(f.leafBase(glo, ghi, 1) / 4096)).toBe(gfn);
        const ga = f.rights(glo, ghi);
        if (U) expect(ga & 4).toBe(4);
        if (X) expect(ga & 1).toBe(1);
        if (W) expect(((ga & 2) !== 0 && (glo & 0x40) !== 0) || (!m.cpu.wp && !U)).toBe(true);
      }
    }
  }
}

function run(c: CpuSpec, maps: MapSpec[], ops: OpSpec[]): void {
  const w = build(c, maps);
  const m = new ShadowMachine({ cpu: w.cpu, slots: SLOTS, memory: w.mem, collectEvents: false });
  const oracle = new TlbOracle({ ...w.cpu }, w.mem, m.host, w.vas);
  ops.forEach((op, n) => {
    switch (op.t) {
      case 'access': {
        const v = w.vas[op.v];
        const implicit = op.kind !== FETCH && op.implicit;
        const code = m.access(v.lo, v.hi, op.kind, op.cpl === 3, implicit);
        const got: Seen = code === OK ? { outcome: 'ok', pa: m.pa } : code === PF ? { outcome: 'pf', ec: m.ec } : { outcome: 'gp' };
        const why = oracle.check(v.lo, v.hi, op.kind, op.cpl === 3, implicit, got);
        expect(why, `op ${n} access ${v.hi.toString(16)}:${v.lo.toString(16)} kind ${op.kind} cpl ${op.cpl}${implicit ? ' implicit' : ''}`).toBeNull();
        oracle.after(v.lo, v.hi, got);
        break;
      }
      case 'store': {
        // Most edits hit last-level entries, the ones that can go stale (unsync pages).
        const l1 = w.entries.filter((x) => x.level === 1);
        const e = op.arg % 5 < 3 && l1.length > 0 ? l1[op.target % l1.length] : w.entries[op.target % w.entries.length];
        const lo = w.mem.read32(e.addr);
        const hi = w.mem.read32(e.addr + 4);
        let nlo = lo;
        let nhi = hi;
        if (w.cpu.paging === '32') {
          // Two 4-byte entries per qword: edit one of them.
          const half = op.arg & 1;
          const cur = half ? hi : lo;
          const [v] = mutate(w, cur, 0, op.mut, op.arg >> 1, e.level);
          if (half) nhi = v >>> 0;
          else nlo = v >>> 0;
        } else {
          [nlo, nhi] = mutate(w, lo, hi, op.mut, op.arg, e.level);
        }
        if (w.cpu.paging === '32' && e.level === 2 && op.mut !== 8) {
          // Keep 4 MiB pages below 4 GiB (PSE-36 bits 20:13 clear): every address stays in the slot.
          if (nlo & 0x80) nlo &= ~0x1fe000;
          if (nhi & 0x80) nhi &= ~0x1fe000;
        }
        m.store64(e.addr, nlo >>> 0, nhi >>> 0);
        oracle.observe();
        break;
      }
      case 'data': {
        const d = w.data[op.target % w.data.length] + (op.arg % 512) * 8;
      if (d >= RO_FRAME) break;
        m.store64(d, op.arg, 0);
        oracle.observe();
        break;
      }
      case 'invlpg': {
        const v = w.vas[op.v];
        // The address itself, or anywhere in its 2 MiB region (INVLPG inside a large page covers all of it).
        const lo = op.off < 0 ? v.lo : ((v.lo & ~0x1fffff) | op.off) >>> 0;
        m.invlpg(lo, v.hi);
        oracle.invalidate(lo, v.hi);
        break;
      }
      case 'cr3': {
        m.loadCr3(w.cr3[op.as]);
        oracle.loadCr3({ ...w.cpu, cr3: w.cr3[op.as] });
        break;
      }
    }
    if (n % 8 === 7) checkInvariants(m);
  });
  checkInvariants(m);
}

describe('shadow MMU transparency (property)', () => {
  for (const paging of ['32', 'pae', '4', '5'] as const) {
    it(`${paging} paging: every result is one hardware could show; invariants hold`, () => {
      fc.assert(
        fc.property(cpuArb.map((c) => ({ ...c, paging })), fc.array(mapArb, { minLength: 8, maxLength: 8 }), fc.array(opArb, { minLength: 30, maxLength: 150, size: "max" }), (c, maps, ops) => {
          run(c, maps, ops);
        }),
        { numRuns: 100 },
      );
    }, 60000);
  }
});
