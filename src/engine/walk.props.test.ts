/**
 * Property tests (fast-check) of the walker:
 * 1. a two-dimensional walk over an identity EPT gives the native result;
 * 2. mapping then walking round-trips for every mode and page size, and the
 *    permission outcome matches a small rights model written from the SDM;
 * 3. no fault changes a guest entry (only EPT A/D flags of completed EPT walks);
 * 4. the fast path (log off, then commit) and the traced walk agree.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// Property runs take a few seconds in all; give slow or busy machines room.
vi.setConfig({ testTimeout: 60_000 });
import {
  EptBuilder,
  GiB1,
  KiB4,
  MiB2,
  MiB4,
  OP_CODES,
  PageAllocator,
  ScenarioBuilder,
  Walker,
  applyWrites,
  compile,
  pendingQwords,
  pse36Width,
  toU64,
  translate,
  OUTCOME_NAMES,
  type Access,
  type AccessOp,
  type EptFlags,
  type GuestPaging,
  type PageFlags,
  type PageSizeBytes,
  type PhysMem,
  type Scenario,
} from './index';

interface PageSpec {
  size: PageSizeBytes;
  va: bigint;
  pa: number;
  flags: PageFlags;
}

interface Spec {
  paging: GuestPaging;
  maxphyaddr: number;
  nxe: boolean;
  wp: boolean;
  smep: boolean;
  smap: boolean;
  ac: boolean;
  pke: boolean;
  gbpages: boolean;
  pkru: number;
  target: PageSpec;
  noise: PageSpec[];
  op: AccessOp;
  cpl: 0 | 3;
  implicit: boolean;
  offset: number;
}

const SIZES: Record<GuestPaging, PageSizeBytes[]> = {
  '32': [KiB4, MiB4],
  pae: [KiB4, MiB2],
  '4': [KiB4, MiB2, GiB1],
  '5': [KiB4, MiB2, GiB1],
};
const VA_BITS: Record<GuestPaging, number> = { '32': 32, pae: 32, '4': 48, '5': 57 };

/** Physical-address width a leaf of `size` can hold in `paging` with `maxphyaddr`. */
function paBits(paging: GuestPaging, size: number, maxphyaddr: number): number {
  if (paging === '32') return size === MiB4 ? pse36Width(maxphyaddr) : 32;
  return maxphyaddr;
}

const canonical = (va: bigint, bits: number): bigint =>
  bits === 32 || ((va >> BigInt(bits - 1)) & 1n) === 0n ? va : va | (((1n << 64n) - 1n) ^ ((1n << BigInt(bits)) - 1n));

function pageArb(paging: GuestPaging, maxphyaddr: number): fc.Arbitrary<PageSpec> {
  return fc.constantFrom(...SIZES[paging]).chain((size) => {
    const vaPages = (1n << BigInt(VA_BITS[paging])) / BigInt(size);
    const paPages = 2 ** paBits(paging, size, maxphyaddr) / size;
    return fc.record({
      size: fc.constant(size),
      va: fc.bigInt({ min: 0n, max: vaPages - 1n }).map((p) => canonical(p * BigInt(size), VA_BITS[paging])),
      pa: fc.bigInt({ min: 0n, max: BigInt(paPages - 1) }).map((p) => Number(p) * size),
      flags: fc.record({
        w: fc.boolean(),
        u: fc.boolean(),
        nx: fc.boolean(),
        a: fc.boolean(),
        d: fc.boolean(),
        pkey: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
      }),
    });
  });
}

function specArb(opts: { maxPhyMax?: number; pagings?: GuestPaging[] } = {}): fc.Arbitrary<Spec> {
  return fc
    .record({
      paging: fc.constantFrom(...(opts.pagings ?? (['32', 'pae', '4', '5'] as GuestPaging[]))),
      maxphyaddr: fc.integer({ min: 32, max: opts.maxPhyMax ?? 52 }),
    })
    .chain(({ paging, maxphyaddr }) =>
      fc.record({
        paging: fc.constant(paging),
        maxphyaddr: fc.constant(maxphyaddr),
        nxe: fc.boolean(),
        wp: fc.boolean(),
        smep: fc.boolean(),
        smap: fc.boolean(),
        ac: fc.boolean(),
        pke: fc.boolean(),
        gbpages: fc.boolean(),
        pkru: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
        target: pageArb(paging, maxphyaddr),
        noise: fc.array(pageArb(paging, maxphyaddr), { maxLength: 5 }),
        op: fc.constantFrom<AccessOp>('read', 'write', 'fetch'),
        cpl: fc.constantFrom<0 | 3>(0, 3),
        implicit: fc.boolean(),
        offset: fc.integer({ min: 0, max: GiB1 - 1 }),
      }),
    )
    .map((s) => ({ ...s, implicit: s.implicit && s.op !== 'fetch', offset: s.offset % s.target.size }));
}

function build(spec: Spec): { b: ScenarioBuilder; access: Access } {
  const b = new ScenarioBuilder({
    paging: spec.paging,
    maxphyaddr: spec.maxphyaddr,
    nxe: spec.nxe,
    wp: spec.wp,
    smep: spec.smep,
    smap: spec.smap,
    ac: spec.ac,
    pke: spec.pke,
    gbpages: spec.gbpages,
    pkru: spec.pkru,
    pse: true,
  });
  // Other pages first (skipping any that overlap the target or cannot be built), then the target.
  const t = spec.target;
  const size = BigInt(t.size);
  for (const p of spec.noise) {
    if (p.va < t.va + size && t.va < p.va + BigInt(p.size)) continue;
    try {
      b.map(p.va, p.pa, p.size, p.flags);
    } catch {
      // A large page over an existing table: the builder refuses it.
    }
  }
  b.map(t.va, t.pa, t.size, t.flags);
  const va = spec.target.va + BigInt(spec.offset);
  return { b, access: { va: toU64(va), op: spec.op, cpl: spec.cpl, implicit: spec.implicit } };
}

interface Expected {
  outcome: 'ok' | 'pf';
  pa?: number;
  size?: number;
  ec?: number;
}

/** The SDM's rules (§4.5–4.7, FORMAT.md rules 1–2) for one leaf under tables with P|W|U. */
function model(spec: Spec): Expected {
  const { paging, target: t, op, cpl, implicit } = spec;
  const long = paging === '4' || paging === '5';
  const wide = paging !== '32';
  const f = t.flags;
  const user = cpl === 3 && !implicit;
  const base = (op === 'write' ? 2 : 0) | (user ? 4 : 0) | (op === 'fetch' && (spec.smep || (spec.nxe && wide)) ? 0x10 : 0);
  // Reserved: XD without NXE, PK bits in PAE (they are above MAXPHYADDR there), 1 GiB without gbpages.
  const rsvd = (wide && !!f.nx && !spec.nxe) || (paging === 'pae' && (f.pkey ?? 0) !== 0) || (t.size === GiB1 && !spec.gbpages);
  if (rsvd) return { outcome: 'pf', ec: base | 1 | 8 };
  const xd = wide && spec.nxe && !!f.nx;
  const u = !!f.u;
  const w = !!f.w;
  let fault: boolean;
  if (user) fault = !u || (op === 'write' && !w) || (op === 'fetch' && xd);
  else if (op === 'fetch') fault = (u && spec.smep) || xd;
  else fault = (u && spec.smap && (implicit || !spec.ac)) || (op === 'write' && spec.wp && !w);
  const key = f.pkey ?? 0;
  const ad = ((spec.pkru >>> (2 * key)) & 1) === 1;
  const wd = ((spec.pkru >>> (2 * key + 1)) & 1) === 1;
  const pk = spec.pke && long && u && op !== 'fetch' && (ad || (wd && op === 'write' && (user || spec.wp)));
  if (fault || pk) return { outcome: 'pf', ec: base | 1 | (pk ? 0x20 : 0) };
  return { outcome: 'ok', pa: t.pa + spec.offset, size: t.size };
}

const RUNS = 300;

describe('property: map then walk round-trips, rights follow the model', () => {
  it('every mode and page size', () => {
    const seen = { ok: 0, pf: 0 };
    fc.assert(
      fc.property(specArb(), (spec) => {
        const { b, access } = build(spec);
        const s = b.scenario();
        const r = translate(s, access);
        const exp = model(spec);
        seen[exp.outcome]++;
        expect({ outcome: r.outcome, pa: r.pa, size: r.size, ec: r.ec }).toEqual({ outcome: exp.outcome, pa: exp.pa, size: exp.size, ec: exp.ec });
        const levels = { '32': 2, pae: 3, '4': 4, '5': 5 }[spec.paging];
        const leafDepth = spec.target.size === KiB4 ? levels : spec.target.size === GiB1 ? levels - 2 : levels - 1;
        expect(r.refs.length).toBe(leafDepth);
        if (r.outcome === 'ok') {
          // A on the leaf, D too for a write; only the A/D bits change.
          const leaf = r.refs[r.refs.length - 1];
          const want = 0x20 | (spec.op === 'write' ? 0x40 : 0);
          const leafQ = leaf.pa - (leaf.pa % 8);
          const w = r.writes.find((x) => x.pa === leafQ);
          const now = w ? (leaf.pa % 8 === 4 ? w.hi : w.lo) : leaf.lo;
          expect((now & want) >>> 0).toBe(want);
          expect(((now ^ leaf.lo) & ~0x60) >>> 0).toBe(0);
        } else {
          expect(r.writes).toEqual([]);
        }
      }),
      { numRuns: 600 },
    );
    // Both kinds of result are exercised.
    expect(Math.min(seen.ok, seen.pf)).toBeGreaterThan(60);
  });
});

/** EPT tables and nothing else live at or above this host address. */
const EPT_BASE = 2 ** 45;

function identityEpt(s: Scenario, gpas: Iterable<number>, levels: 4 | 5, ad: boolean, perm?: (gpa: number) => EptFlags | null): Scenario {
  const host = s.memory.clone();
  const ept = new EptBuilder(host, new PageAllocator(EPT_BASE), { levels, ad, maxphyaddr: 46 });
  const done = new Set<number>();
  for (const g of gpas) {
    const page = g - (g % KiB4);
    if (done.has(page)) continue;
    done.add(page);
    const f = perm ? perm(page) : { r: true, w: true, x: true };
    if (f !== null) ept.map(page, page, KiB4, f);
  }
  return { cpu: { ...s.cpu }, ept: ept.state, memory: host };
}

describe('property: a two-dimensional walk over an identity EPT gives the native result', () => {
  it('any guest mode, EPT 4 or 5 levels, EPT A/D on or off', () => {
    let oks = 0;
    fc.assert(
      fc.property(specArb({ maxPhyMax: 45 }), fc.constantFrom<4 | 5>(4, 5), fc.boolean(), (spec, levels, ad) => {
        const { b, access } = build(spec);
        const s = b.scenario();
        const nat = translate(s, access);
        // Every guest page used: the tables in memory, every entry the walk reads, the final page.
        const used = [...s.memory.pageFrames().map((p) => p * KiB4), ...nat.refs.map((x) => x.pa)];
        if (nat.pa !== undefined) used.push(nat.pa);
        const n = identityEpt(s, used, levels, ad);
        const r = translate(n, access);
        if (nat.outcome === 'ok') oks++;
        expect({ outcome: r.outcome, pa: r.pa, size: r.size, ec: r.ec }).toEqual({ outcome: nat.outcome, pa: nat.pa, size: nat.size, ec: nat.ec });
        expect(r.refs.filter((x) => x.kind === 'g').map((x) => [x.level, x.pa, x.lo, x.hi])).toEqual(nat.refs.map((x) => [x.level, x.pa, x.lo, x.hi]));
        // The guest's own A/D updates are the same; anything else is an EPT A/D flag.
        expect(r.writes.filter((w) => w.pa < EPT_BASE)).toEqual(nat.writes);
        if (!ad) expect(r.writes.filter((w) => w.pa >= EPT_BASE)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    expect(oks).toBeGreaterThan(RUNS / 10);
  });
});

/** A random scenario with damaged entries and, optionally, an EPT with random permissions. */
const messyArb = fc.record({
  spec: specArb({ maxPhyMax: 45 }),
  /** Bit flips in guest qwords: [which qword (fraction), bit]. */
  flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 63 })), { maxLength: 3 }),
  nested: fc.boolean(),
  levels: fc.constantFrom<4 | 5>(4, 5),
  ad: fc.boolean(),
  /** Per-page EPT flags, picked by page number; null = unmapped. */
  perms: fc.array(
    fc.option(
      fc.record({ r: fc.boolean(), w: fc.boolean(), x: fc.boolean(), memtype: fc.constantFrom(6, 6, 6, 0, 2, 7) }),
      { freq: 6 },
    ),
    { minLength: 1, maxLength: 8 },
  ),
});

type Messy = typeof messyArb extends fc.Arbitrary<infer T> ? T : never;

function buildMessy(m: Messy): { s: Scenario; access: Access } {
  const { b, access } = build(m.spec);
  const s = b.scenario();
  const qwords = Object.keys(s.memory.toJSON()).map((k) => Number(k));
  for (const [at, bit] of m.flips) {
    const pa = qwords[Math.floor(at * qwords.length)];
    if (pa === undefined) continue;
    const word = pa + (bit >= 32 ? 4 : 0);
    s.memory.write32(word, s.memory.read32(word) ^ (1 << bit % 32));
  }
  if (!m.nested) return { s, access };
  const nat = translate(s, access);
  const used = [...s.memory.pageFrames().map((p) => p * KiB4), ...nat.refs.map((x) => x.pa)];
  if (nat.pa !== undefined) used.push(nat.pa);
  const perm = (page: number) => m.perms[(page / KiB4) % m.perms.length];
  return { s: identityEpt(s, used, m.levels, m.ad, perm), access };
}

const qwordAt = (mem: PhysMem, pa: number) => ({ lo: mem.read32(pa), hi: mem.read32(pa + 4) });

describe('property: no fault changes a guest entry', () => {
  it('faults write only EPT A/D flags (of completed EPT walks); successes only A/D flags', () => {
    let faults = 0;
    fc.assert(
      fc.property(messyArb, (m) => {
        const { s, access } = buildMessy(m);
        const r = translate(s, access);
        for (const w of r.writes) {
          const old = qwordAt(s.memory, w.pa);
          const changedLo = (old.lo ^ w.lo) >>> 0;
          const changedHi = (old.hi ^ w.hi) >>> 0;
          // Flags are only ever set.
          expect((old.lo & ~w.lo) >>> 0).toBe(0);
          expect((old.hi & ~w.hi) >>> 0).toBe(0);
          if (w.pa >= EPT_BASE) {
            expect(s.ept?.ad).toBe(true);
            expect((changedLo & ~0x300) >>> 0).toBe(0);
            expect(changedHi).toBe(0);
            // It is an entry an EPT walk read.
            expect(r.refs.some((x) => x.kind === 'e' && x.pa === w.pa)).toBe(true);
          } else {
            expect(r.outcome).toBe('ok');
            // A guest entry: A/D only (in the 4-byte half the entry occupies).
            expect(r.refs.some((x) => x.kind === 'g' && x.pa - (x.pa % 8) === w.pa)).toBe(true);
            expect((changedLo & ~0x60) >>> 0).toBe(0);
            // 32-bit paging: a 4-byte entry may be the high half of the qword.
            expect((changedHi & ~(s.cpu.paging === '32' ? 0x60 : 0)) >>> 0).toBe(0);
          }
        }
        if (r.outcome !== 'ok') {
          faults++;
          if (s.ept === null || !s.ept.ad) expect(r.writes).toEqual([]);
          // A failing EPT walk sets nothing: the EPT entries it read after the last completed walk are unchanged.
          const lastG = r.refs.map((x) => x.kind).lastIndexOf('g');
          if (r.outcome === 'ept_violation' || r.outcome === 'ept_misconfig') {
            const tail = r.refs.slice(lastG + 1);
            const leaf = tail[tail.length - 1];
            if (leaf && r.reason !== 'ept-ad-write') {
              expect(r.writes.some((w) => w.pa === leaf.pa && (w.lo & ~leaf.lo & 0x300) !== 0)).toBe(false);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(faults).toBeGreaterThan(RUNS / 10);
  });
});

describe('property: the fast path and the traced walk agree', () => {
  it('outcome, pa, size, ec, gpa, qual and writes', () => {
    fc.assert(
      fc.property(messyArb, (m) => {
        const { s, access } = buildMessy(m);
        const r = translate(s, access);

        const fast = s.memory.clone();
        const w = new Walker(compile(s.cpu, s.ept), fast);
        w.log = null;
        const code = w.translate(access.va.lo, access.va.hi, OP_CODES[access.op], access.cpl === 3, access.implicit);
        expect(OUTCOME_NAMES[code]).toBe(r.outcome);
        if (r.outcome === 'ok') expect([w.pa, w.size]).toEqual([r.pa, r.size]);
        if (r.outcome === 'pf') expect(w.ec).toBe(r.ec);
        if (r.outcome === 'ept_violation') expect([w.gpa, w.qual]).toEqual([r.gpa, r.qual]);
        if (r.outcome === 'ept_misconfig') expect(w.gpa).toBe(r.gpa);
        expect(pendingQwords(w)).toEqual(r.writes);
        w.commit();
        const traced = s.memory.clone();
        applyWrites({ ...s, memory: traced }, r.writes);
        expect(fast.toJSON()).toEqual(traced.toJSON());

        // The same walker again after commit: same answer, and nothing left to write when it succeeded.
        const again = w.translate(access.va.lo, access.va.hi, OP_CODES[access.op], access.cpl === 3, access.implicit);
        expect(again).toBe(code);
        if (code === 0) expect(w.pending.size).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});
