/**
 * Property test: the decoding agrees with the walker, for generated entries at
 * every level of every mode (32-bit with PSE on/off, PAE, 4- and 5-level with
 * NXE, 1 GiB pages and PKE on/off, EPT4/EPT5 with execute-only and A/D on/off,
 * MAXPHYADDR 32..52). Each entry is placed under valid tables and walked for
 * real (the flat walk loop in walk.ts), then:
 * - kind equals classify(); "reserved bits set or misconfigured" equals
 *   isReserved() and equals the walk stopping there on a reserved bit;
 * - a leaf maps exactly `target` with the level's page size; a table entry
 *   sends the walk to `target`; nothing else claims leaf or target;
 * - the reserved roles are exactly the walk's mask; setting any of them makes
 *   the walk fault there;
 * - flipping any bit decoded as ignored never changes the walk (outcome,
 *   address, size, error code, references), whatever the access;
 * - flipping an Address or "PA n:32" bit moves the page or table by that bit's weight;
 * - every field the walk acts on (P, R/W, U/S, A, D, PS, XD, PK; EPT R, W, X,
 *   A, D) changes some walk when flipped: a field the walk ignores fails;
 * - every bit is exactly one of field / reserved / ignored, and the fields
 *   list is the field roles, run by run.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { bit64 } from './bits';
import { defaultCpu, encodeFrame } from './build';
import { compile, compileEpt } from './compile';
import { decodeEntry, type DecodedEntry } from './decode';
import { eptFormat, guestFormat, isReserved, pageSize, rsvdMask, type GuestPaging, type PagingFormat } from './formats';
import { PhysMem } from './memory';
import type { DecodeContext } from './roles';
import type { AccessOp, CpuState, EptState } from './scenario';
import { OP_CODES, translate, type WalkResult } from './translate';
import { classify } from './tree';
import { Walker } from './walk';

vi.setConfig({ testTimeout: 120_000 });

type Mode = { kind: 'x86'; cpu: CpuState } | { kind: 'ept'; ept: EptState };

/** Table k of the chain above the entry (and the root); below 2^32 for 32-bit and PAE. */
const TABLE = (level: number) => 0x10000 * level;
const OFFSET = 0x123;

const formatOf = (m: Mode): PagingFormat => (m.kind === 'x86' ? guestFormat(m.cpu) : eptFormat(m.ept));
const ctxOf = (m: Mode): DecodeContext => (m.kind === 'x86' ? { pke: compile(m.cpu, null).pke, eptAd: false } : { pke: false, eptAd: m.ept.ad });

const chains = new Map<string, PhysMem>();

/**
 * Memory with valid tables from the root down to `level`, and the entry (lo,
 * hi) at index 0 there. Walks never write memory (A/D updates come back as
 * `writes`), so each chain is built once and only the entry is rewritten.
 */
function place(f: PagingFormat, level: number, lo: number, hi: number, tableFlags: number): PhysMem {
  const key = `${f.id}/${f.maxphyaddr}/${level}/${tableFlags}`;
  let mem = chains.get(key);
  if (mem === undefined) {
    mem = new PhysMem();
    for (let l = f.rootLevel; l > level; l--) {
      const fr = encodeFrame(f, l, TABLE(l - 1), false);
      const flags = f.levels[l].register ? 1 : tableFlags;
      mem.write32(TABLE(l), (fr.lo | flags) >>> 0);
      if (f.entryBytes === 8) mem.write32(TABLE(l) + 4, fr.hi);
    }
    chains.set(key, mem);
  }
  mem.write32(TABLE(level), lo >>> 0);
  if (f.entryBytes === 8) mem.write32(TABLE(level) + 4, hi >>> 0);
  return mem;
}

interface Access {
  op: AccessOp;
  cpl: 0 | 3;
  pkru: number;
}

/** The comparable part of a walk: what it did, where it read, and its writes. */
interface Seen {
  outcome: string;
  reason: string;
  pa?: number;
  size?: number;
  ec?: number;
  gpa?: number;
  qual?: number;
  refs: string[];
  /** [pa, lo, hi] of every qword written. */
  writes: [number, number, number][];
  /** The last reference: where the walk stopped or mapped. */
  last: { level: number; pa: number };
  /** References after the entry's own (a table entry sends the walk on). */
  next: { level: number; pa: number } | null;
}

/** Walk the entry (lo, hi) placed at `level` in mode `m`. */
function walk(m: Mode, level: number, lo: number, hi: number, a: Access): Seen {
  const f = formatOf(m);
  let r: WalkResult;
  if (m.kind === 'x86') {
    const cpu: CpuState = { ...m.cpu, cr3: TABLE(f.rootLevel), pkru: a.pkru, wp: false, smep: false, smap: false };
    const mem = place(f, level, lo, hi, 0x27);
    r = translate({ cpu, ept: null, memory: mem }, { va: { lo: OFFSET, hi: 0 }, op: a.op, cpl: a.cpl, implicit: false });
  } else {
    const ept: EptState = { ...m.ept, root: TABLE(f.rootLevel) };
    const mem = place(f, level, lo, hi, 0x7 | (ept.ad ? 0x100 : 0));
    const w = new Walker(compileEpt(ept), mem);
    w.log = [];
    const code = w.translateGpa(OFFSET, OP_CODES[a.op]);
    r = { outcome: ['ok', 'gp', 'pf', 'ept_violation', 'ept_misconfig'][code] as WalkResult['outcome'], reason: w.reason, refs: w.log, writes: [] };
    if (code === 0) [r.pa, r.size] = [w.pa, w.size];
    else [r.gpa, r.qual] = [w.gpa, w.qual];
    for (const [pa, v] of w.pending) r.writes.push({ pa, lo: v, hi: 0 });
  }
  const entry = TABLE(level);
  const at = r.refs.findIndex((x) => x.level === level && x.pa === entry);
  const after = at >= 0 ? r.refs[at + 1] : undefined;
  const lastRef = r.refs[r.refs.length - 1];
  return {
    outcome: r.outcome,
    reason: r.reason,
    pa: r.pa,
    size: r.size,
    ec: r.ec,
    gpa: r.gpa,
    qual: r.qual,
    refs: r.refs.map((x) => `${x.kind}${x.level}@${x.pa}`),
    writes: r.writes.map((w): [number, number, number] => [w.pa, w.lo >>> 0, w.hi >>> 0]).sort((x, y) => x[0] - y[0]),
    last: { level: lastRef.level, pa: lastRef.pa },
    next: after ? { level: after.level, pa: after.pa } : null,
  };
}

/** Accesses that between them exercise every rights bit and protection keys (a denying PKRU). */
const ACCESSES: Access[] = [
  { op: 'read', cpl: 0, pkru: 0xfffffffc },
  { op: 'write', cpl: 3, pkru: 0xfffffffc },
  { op: 'fetch', cpl: 3, pkru: 0 },
];

/** A walk with bit `b` of the entry at `level` cleared in its writes (a flipped ignored bit is written back as it was read). */
function without(s: Seen, level: number, b: number): Seen {
  const w = s.writes.map(([pa, lo, hi]): [number, number, number] =>
    pa === TABLE(level) ? (b < 32 ? [pa, (lo & ~(1 << b)) >>> 0, hi] : [pa, lo, (hi & ~(1 << (b - 32))) >>> 0]) : [pa, lo, hi],
  );
  return { ...s, writes: w };
}

const flip = (lo: number, hi: number, b: number): [number, number] =>
  b < 32 ? [(lo ^ (1 << b)) >>> 0, hi] : [lo, (hi ^ (1 << (b - 32))) >>> 0];

/** An access the entry's own rights allow (so a leaf maps): a plain read, or a fetch for execute-only EPT. */
const mapAccess = (m: Mode, lo: number): Access => (m.kind === 'ept' && (lo & 1) === 0 ? { op: 'fetch', cpl: 0, pkru: 0 } : { op: 'read', cpl: 0, pkru: 0 });

const maxPhy = fc.integer({ min: 32, max: 52 });
const modeArb: fc.Arbitrary<Mode> = fc.oneof(
  fc
    .record({
      paging: fc.constantFrom<GuestPaging>('32', 'pae', '4', '5'),
      maxphyaddr: maxPhy,
      nxe: fc.boolean(),
      gbpages: fc.boolean(),
      pse: fc.boolean(),
      pke: fc.boolean(),
    })
    .map((o) => ({ kind: 'x86' as const, cpu: defaultCpu(o) })),
  fc
    .record({ levels: fc.constantFrom<4 | 5>(4, 5), maxphyaddr: maxPhy, execonly: fc.boolean(), ad: fc.boolean() })
    .map((o) => ({ kind: 'ept' as const, ept: { ...o, root: 0 } })),
);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const sparse = fc.tuple(u32, u32, u32).map(([a, b, c]) => (a & b & c) >>> 0);
/** Low halves: random, sparse, or a plausible entry (frame plus a few flags). */
const loArb = fc.oneof(u32, sparse, fc.tuple(u32, fc.integer({ min: 0, max: 0x1ff })).map(([fr, fl]) => ((fr & 0xfffff000) | fl) >>> 0));
/** High halves below MAXPHYADDR half the time, so leaves and tables are common. */
const hiArb = (m: number) => fc.oneof(fc.constant(0), sparse, u32, fc.constant(0x80000000), u32.map((x) => (x & (2 ** Math.max(0, m - 32) - 1)) >>> 0));

interface Case {
  mode: Mode;
  level: number;
  lo: number;
  hi: number;
}

const caseArb: fc.Arbitrary<Case> = modeArb.chain((mode) => {
  const f = formatOf(mode);
  return fc
    .record({
      level: fc.integer({ min: 1, max: f.rootLevel }),
      lo: loArb,
      hi: f.entryBytes === 4 ? fc.constant(0) : hiArb(f.maxphyaddr),
      present: fc.integer({ min: 0, max: 9 }),
      ps: fc.boolean(),
      xwr: fc.constantFrom(1, 3, 5, 7, 4, 2),
    })
    .map(({ level, lo, hi, present, ps, xwr }) => {
      // Mostly present; bit 7 either way; EPT mostly with a valid XWR.
      let v = (lo & ~0x80) | (ps ? 0x80 : 0);
      if (f.kind === 'x86') v = present < 8 ? v | 1 : v & ~1;
      else v = (v & ~7) | (present < 8 ? xwr : 0);
      return { mode, level, lo: v >>> 0, hi };
    });
});

function describeCase(c: Case): string {
  const m = c.mode.kind === 'x86' ? JSON.stringify({ ...c.mode.cpu, cr3: undefined }) : JSON.stringify(c.mode.ept);
  return `${c.mode.kind} ${m} level ${c.level} entry ${c.hi.toString(16)}:${c.lo.toString(16)}`;
}

/** Structure: one role per bit, spans and fields consistent with the roles. */
function checkShape(f: PagingFormat, d: DecodedEntry, lo: number, hi: number): void {
  const width = f.entryBytes * 8;
  expect(d.roles).toHaveLength(width);
  for (const r of d.roles) expect(['field', 'reserved', 'ignored']).toContain(r.role);
  const covered: number[] = [];
  for (const s of d.spans) for (let b = s.high; b >= s.low; b--) covered.push(b);
  expect(covered).toEqual(Array.from({ length: width }, (_, i) => width - 1 - i));
  const fromFields = new Map<number, string>();
  for (const fl of d.fields) {
    for (let b = fl.bits[1]; b <= fl.bits[0]; b++) {
      expect(fromFields.has(b)).toBe(false);
      fromFields.set(b, fl.name);
    }
  }
  d.roles.forEach((r, b) => expect(r.role === 'field' ? r.name : undefined).toBe(fromFields.get(b)));
  // A span's set bits are the entry's.
  for (const s of d.spans) for (let b = s.high; b >= s.low; b--) expect(s.set.includes(b)).toBe(bit64(lo, hi, b));
}

function checkCase(c: Case, stats: Record<string, number>): void {
  const { mode, level, lo, hi } = c;
  const f = formatOf(mode);
  const ctx = ctxOf(mode);
  const d = decodeEntry(f, level, lo, hi, ctx);
  const present = (lo & f.presentMask) !== 0;
  checkShape(f, d, lo, hi);

  // Kind and the reserved check: the tree's classify, the formats' isReserved, the walk's flat masks.
  expect(d.kind).toBe(classify(f, level, lo, hi));
  const rsvdRoles = d.roles.flatMap((r, b) => (r.role === 'reserved' ? [b] : []));
  const mask = rsvdMask(f, level, lo);
  if (present) expect(rsvdRoles).toEqual(Array.from({ length: f.entryBytes * 8 }, (_, b) => b).filter((b) => bit64(mask.lo, mask.hi, b)));
  else expect(rsvdRoles).toEqual([]);
  const setReserved = rsvdRoles.filter((b) => bit64(lo, hi, b));
  expect(setReserved).toEqual(d.rsvdSet);
  expect(present && (setReserved.length > 0 || d.misconfig !== null)).toBe(present && isReserved(f, level, lo, hi));

  // The walk itself.
  const s = walk(mode, level, lo, hi, mapAccess(mode, lo));
  stats[d.kind]++;
  switch (d.kind) {
    case 'not-present':
      expect(s.last).toEqual({ level, pa: TABLE(level) });
      expect(s.reason).toBe(mode.kind === 'x86' ? 'not-present' : 'ept-not-present');
      expect(d.leaf).toBe(false);
      expect(d.target).toBe(0);
      break;
    case 'reserved':
      expect(s.last).toEqual({ level, pa: TABLE(level) });
      expect(['reserved', 'pdpte-reserved', 'ept-misconfig']).toContain(s.reason);
      expect(d.leaf).toBe(false);
      expect(d.target).toBe(0);
      break;
    case 'leaf':
      expect(d.leaf).toBe(true);
      expect(s.outcome).toBe('ok');
      expect(s.pa).toBe(d.target + OFFSET);
      expect(s.size).toBe(pageSize(f, level));
      break;
    case 'table':
      expect(d.leaf).toBe(false);
      expect(s.next).toEqual({ level: level - 1, pa: d.target });
      break;
  }
  // No field describes a mapping the walk does not make.
  if (d.kind !== 'leaf') for (const fl of d.fields) expect(fl.meaning).not.toMatch(/^(maps a|page at)/);
  if (d.kind !== 'table') for (const fl of d.fields) expect(fl.meaning).not.toMatch(/^(points to a table$|table at)/);

  // Setting any reserved bit makes the walk stop here on it.
  if (present && d.misconfig === null) {
    for (const b of rsvdRoles) {
      const [l2, h2] = flip(lo, hi, b);
      if (bit64(lo, hi, b)) continue;
      const t = walk(mode, level, l2, h2, mapAccess(mode, l2));
      expect(t.last, `setting reserved bit ${b}`).toEqual({ level, pa: TABLE(level) });
      expect(['reserved', 'pdpte-reserved', 'ept-misconfig']).toContain(t.reason);
    }
  }

  // Flipping an ignored bit changes nothing the walk does.
  const ignored = d.roles.flatMap((r, b) => (r.role === 'ignored' ? [b] : []));
  for (const a of ACCESSES) {
    const base = walk(mode, level, lo, hi, a);
    for (const b of ignored) {
      const [l2, h2] = flip(lo, hi, b);
      // Compared with bit b masked out of the entry's A/D writes.
      expect({ ...without(walk(mode, level, l2, h2, a), level, b), bit: b, op: a.op }).toEqual({ ...without(base, level, b), bit: b, op: a.op });
    }
  }

  checkHonoured(mode, level, d, lo, hi);

  // Address bits move the page or the next table by their weight.
  if (d.kind === 'leaf' || d.kind === 'table') {
    for (const fl of d.fields.filter((x) => x.name === 'Address' || x.name.startsWith('PA '))) {
      for (const b of [fl.bits[0], fl.bits[1]]) {
        const [l2, h2] = flip(lo, hi, b);
        const weight = fl.name === 'Address' ? 2 ** b : 2 ** (32 + b - fl.bits[1]);
        const sign = bit64(lo, hi, b) ? -1 : 1;
        const t = walk(mode, level, l2, h2, mapAccess(mode, l2));
        if (d.kind === 'leaf') expect(t.pa, `Address bit ${b}`).toBe(d.target + OFFSET + sign * weight);
        else expect(t.next, `Address bit ${b}`).toEqual({ level: level - 1, pa: d.target + sign * weight });
      }
    }
  }
}

/** Fields the walk acts on (the rest, PWT/PCD/PAT/G/MT/IPAT/SVE, only matter to caches and #VE, which it does not model). */
const WALK_FIELDS = new Set(['P', 'R/W', 'U/S', 'A', 'D', 'PS', 'XD', 'PK', 'R', 'W', 'X']);

/** Probes for a permissive leaf: every kind of access at both privilege levels, plus one PKRU that denies the leaf's own key. */
const probes = (key: number): Access[] => [
  ...(['read', 'write', 'fetch'] as const).flatMap((op) => [0, 3].map((cpl) => ({ op, cpl: cpl as 0 | 3, pkru: 0 }))),
  { op: 'read', cpl: 3, pkru: 1 << (2 * key) },
];

/**
 * A field is there because the walk reads it: flipping a walk field of a leaf
 * (made permissive first, so no other bit hides it) changes what some access
 * does; flipping PS in a table entry changes where the walk goes.
 */
function checkHonoured(mode: Mode, level: number, d: DecodedEntry, lo: number, hi: number): void {
  if (d.kind === 'table') {
    const ps = d.fields.find((x) => x.name === 'PS');
    if (!ps) return;
    const a = mapAccess(mode, lo);
    const [l2, h2] = flip(lo, hi, 7);
    expect(walk(mode, level, l2, h2, a), 'PS (bit 7) of a table entry').not.toEqual(walk(mode, level, lo, hi, a));
    return;
  }
  if (d.kind !== 'leaf') return;
  // Present with every right (x86 P, R/W, U/S; EPT R, W, X) and XD clear where XD is a field.
  const xd = d.fields.some((x) => x.name === 'XD');
  const vlo = (lo | 7) >>> 0;
  const vhi = xd ? (hi & 0x7fffffff) >>> 0 : hi;
  const key = (vhi >>> 27) & 15;
  const seen = probes(key).map((a) => walk(mode, level, vlo, vhi, a));
  for (const fl of d.fields) {
    if (!WALK_FIELDS.has(fl.name)) continue;
    for (let b = fl.bits[1]; b <= fl.bits[0]; b++) {
      const [l2, h2] = flip(vlo, vhi, b);
      const changed = probes(key).some((a, i) => !equal(walk(mode, level, l2, h2, a), seen[i]));
      expect(changed, `field ${fl.name} (bit ${b}) changes no walk`).toBe(true);
    }
  }
}

const equal = (a: Seen, b: Seen): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('property: the decoding is what the walk does', () => {
  it('every level of every mode, generated entries', () => {
    const stats: Record<string, number> = { leaf: 0, table: 0, reserved: 0, 'not-present': 0 };
    fc.assert(
      fc.property(caseArb, (c) => {
        try {
          checkCase(c, stats);
        } catch (e) {
          throw new Error(`${describeCase(c)}: ${(e as Error).message}`);
        }
      }),
      { numRuns: 800 },
    );
    // The generator reaches every outcome often enough to mean something.
    for (const k of Object.keys(stats)) expect(stats[k], k).toBeGreaterThan(40);
  });

  it('a fixed sweep: every option combination and level, PS clear and set', () => {
    const stats: Record<string, number> = { leaf: 0, table: 0, reserved: 0, 'not-present': 0 };
    for (const mode of sweepModes()) {
      const f = formatOf(mode);
      // A frame at 4 MiB (so large pages are aligned); x86 XD=1 and PK=5, EPT SVE=1.
      const hi = f.entryBytes === 8 ? 0xa800_0000 : 0;
      const flags = f.kind === 'x86' ? 0x67 : 0x377; // x86 P, R/W, U/S, A, D; EPT RWX, WB, IPAT, A, D
      for (let level = 1; level <= f.rootLevel; level++) {
        for (const ps of [0, 0x80]) checkCase({ mode, level, lo: 0x0040_0000 | flags | ps, hi }, stats);
      }
    }
    for (const k of ['leaf', 'table', 'reserved']) expect(stats[k], k).toBeGreaterThan(10);
  });
});

/** Every combination of options, one mode per distinct format, EPT misconfiguration rule and decode context. */
function sweepModes(): Mode[] {
  const modes = new Map<string, Mode>();
  const add = (m: Mode) => {
    const f = formatOf(m);
    const levels = f.levels.slice(1).map((l) => [l.rsvd, l.psLeaf]);
    modes.set(JSON.stringify([f.id, levels, m.kind === 'ept' && m.ept.execonly, ctxOf(m), m.kind === 'x86' && m.cpu.nxe]), m);
  };
  const flags = [false, true];
  for (const paging of ['32', 'pae', '4', '5'] as GuestPaging[]) {
    for (const maxphyaddr of [32, 36, 40, 46, 52]) {
      for (const [nxe, gbpages, pse, pke] of flags.flatMap((a) => flags.flatMap((b) => flags.flatMap((c) => flags.map((d) => [a, b, c, d]))))) {
        add({ kind: 'x86', cpu: defaultCpu({ paging, maxphyaddr, nxe, gbpages, pse, pke }) });
      }
    }
  }
  for (const levels of [4, 5] as const) {
    for (const maxphyaddr of [32, 40, 46, 52]) {
      for (const [execonly, ad] of flags.flatMap((a) => flags.map((b) => [a, b]))) add({ kind: 'ept', ept: { levels, maxphyaddr, execonly, ad, root: 0 } });
    }
  }
  return [...modes.values()];
}
