/**
 * "Which error code does this page fault carry?" A realistic space, then one
 * change that makes the access fault for a chosen reason: a not-present entry,
 * a reserved bit (above MAXPHYADDR, XD without NXE, PS where it is reserved, a
 * misaligned large page, PSE-36 bits), U/S, R/W with or without CR0.WP, XD on
 * a fetch, SMEP, SMAP (explicit with AC=0, or implicit whatever AC says), and
 * protection keys (sometimes on top of another failing check). A draw whose
 * engine outcome is not that kind of #PF is refused; the answer is the
 * engine's ec.
 */
import { GiB1, MiB2, MiB4, PhysMem, translate, traceWalk, type Access, type AccessOp, type GuestPaging, type PageFlags, type PageSizeBytes, type RefRecord, type Scenario } from '../../engine';
import { caseDoc } from './doc';
import { bitsSentence, cap, hx, walkStory } from './explain';
import { ecNames } from './parse';
import type { Rng } from './rng';
import { accessOf, addDecoys, canonical, newSpace, pageSizes, physBits, randomCpu, randomFlags, randomFrame, randomVa, tryMap, type Mapping } from './space';
import type { QuestionBody } from './types';
import { accessPhrase, nativeSetting } from './words';

export const EC_VARIANTS = ['not-present', 'rsvd', 'us', 'rw', 'nx', 'smep', 'smap', 'pk'] as const;
type EcVariant = (typeof EC_VARIANTS)[number];

const PAGINGS: Record<EcVariant, readonly GuestPaging[]> = {
  'not-present': ['32', 'pae', '4', '4', '5'],
  rsvd: ['32', 'pae', '4', '4', '5'],
  us: ['32', 'pae', '4', '4', '5'],
  rw: ['32', 'pae', '4', '4', '5'],
  nx: ['pae', '4', '4', '5'],
  smep: ['32', 'pae', '4', '4', '5'],
  smap: ['32', 'pae', '4', '4', '5'],
  pk: ['4', '4', '5'],
};

interface Draft {
  s: Scenario;
  a: Access;
  target: Mapping;
}

/** One mapping with the access's rights set as the variant needs, in a space with decoys. */
function draft(rng: Rng, paging: GuestPaging, cpuOver: Parameters<typeof randomCpu>[2], user: boolean, op: AccessOp, cpl: 0 | 3, flags: PageFlags, size?: PageSizeBytes, implicit = false): Draft {
  const sp = newSpace(rng, randomCpu(rng, paging, cpuOver));
  const c = sp.b.cpu;
  const sz = size ?? rng.pick(pageSizes(c));
  const va = randomVa(rng, c.paging, sz, user);
  const target: Mapping = { va, pa: randomFrame(rng, sp, sz, physBits(c, sz)), size: sz, flags: { ...randomFlags(rng, user), ...flags } };
  tryMap(sp, target);
  addDecoys(rng, sp, target, rng.int(3, 6));
  const off = BigInt(rng.bits(Math.log2(sz)));
  return { s: sp.b.scenario(), a: accessOf(va + off, op, cpl, implicit), target };
}

/** The guest entries the access reads, top first (from the engine's own walk). */
const pathOf = (d: Draft): RefRecord[] => translate(d.s, d.a).refs.filter((r) => r.kind === 'g');

/** Change one entry in place: `lo`/`hi` = (old & keep) | set. 32-bit entries have no high half. */
function edit(mem: PhysMem, r: RefRecord, entryBytes: number, fn: (lo: number, hi: number) => [number, number]): void {
  const [lo, hi] = fn(r.lo >>> 0, r.hi >>> 0);
  mem.write32(r.pa, lo >>> 0);
  if (entryBytes === 8) mem.write32(r.pa + 4, hi >>> 0);
}

const bytesOf = (p: GuestPaging): number => (p === '32' ? 4 : 8);
/** Entries with rights bits: not the PAE PDPTE registers (whose bits 2:1 and 63 are reserved). */
const rightsLevels = (path: RefRecord[], paging: GuestPaging): RefRecord[] => path.filter((r) => !(paging === 'pae' && r.level === 3));

const ops = (rng: Rng, list: readonly AccessOp[]): AccessOp => rng.pick(list);

function build(rng: Rng, v: EcVariant): Draft | null {
  const paging = rng.pick(PAGINGS[v]);
  const user = rng.chance(0.6);
  switch (v) {
    case 'not-present': {
      const op = ops(rng, ['read', 'write', 'fetch']);
      const cpl: 0 | 3 = user && rng.chance(0.7) ? 3 : 0;
      const d = draft(rng, paging, {}, user, op, cpl, { u: user, w: true, nx: false });
      const path = pathOf(d);
      if (rng.chance(0.5)) {
        // A neighbouring page nobody mapped: the walk ends wherever its path does.
        const step = BigInt(d.target.size) * BigInt(rng.pick([1, 2, 3, 7, 64, 512]));
        const va = d.target.va + (rng.chance(0.5) ? step : -step) + BigInt(rng.bits(12));
        if (va < 0n || !canonical(paging, va)) return null;
        return { ...d, a: accessOf(va, op, cpl) };
      }
      // P=0 in one entry of the path; sometimes its other bits stay (the CPU ignores them).
      const r = rng.pick(path);
      edit(d.s.memory, r, bytesOf(paging), (lo, hi) => (rng.chance(0.5) ? [0, 0] : [lo & ~1, hi]));
      return d;
    }
    case 'rsvd':
      return reserved(rng, paging, user);
    case 'us': {
      // CPL 3 touches a supervisor page, or U/S=0 sits in an upper entry.
      const op = ops(rng, ['read', 'write', 'fetch']);
      const upper = rng.chance(0.4);
      const d = draft(rng, paging, {}, rng.chance(0.5), op, 3, { u: upper, w: true, nx: false });
      if (upper) {
        const above = rightsLevels(pathOf(d), paging).slice(0, -1);
        if (above.length === 0) return null;
        edit(d.s.memory, rng.pick(above), bytesOf(paging), (lo, hi) => [lo & ~4, hi]);
      }
      return d;
    }
    case 'rw': {
      // A write to a read-only page: at CPL 3, or at CPL 0 with CR0.WP=1; R/W=0 in the leaf or above it.
      const cpl: 0 | 3 = rng.chance(0.5) ? 3 : 0;
      const upper = rng.chance(0.4);
      const d = draft(rng, paging, { wp: true }, cpl === 3 || rng.chance(0.5), 'write', cpl, { u: cpl === 3 ? true : undefined, w: upper });
      if (upper) {
        const above = rightsLevels(pathOf(d), paging).slice(0, -1);
        if (above.length === 0) return null;
        edit(d.s.memory, rng.pick(above), bytesOf(paging), (lo, hi) => [lo & ~2, hi]);
      }
      return d;
    }
    case 'nx': {
      const cpl: 0 | 3 = user && rng.chance(0.7) ? 3 : 0;
      const upper = rng.chance(0.3);
      const d = draft(rng, paging, { nxe: true }, user, 'fetch', cpl, { u: user, nx: !upper });
      if (upper) {
        const above = rightsLevels(pathOf(d), paging).slice(0, -1);
        if (above.length === 0) return null;
        edit(d.s.memory, rng.pick(above), 8, (lo, hi) => [lo, hi | 0x8000_0000]);
      }
      return d;
    }
    case 'smep':
      return draft(rng, paging, { smep: true }, true, 'fetch', 0, { u: true, nx: false });
    case 'smap': {
      // Explicit supervisor access with AC=0, or an implicit one (a descriptor-table read) whatever AC is, even at CPL 3.
      const implicit = rng.chance(0.4);
      const op = ops(rng, ['read', 'write']);
      return draft(rng, paging, { smap: true, ac: implicit ? rng.chance(0.5) : false, wp: rng.chance(0.7) }, true, op, implicit && rng.chance(0.5) ? 3 : 0, { u: true, w: true }, undefined, implicit);
    }
    case 'pk': {
      const key = rng.int(0, 15);
      const wdOnly = rng.chance(0.5);
      const op = wdOnly ? 'write' : ops(rng, ['read', 'write']);
      const cpl: 0 | 3 = rng.chance(0.75) ? 3 : 0;
      // Denied by PKRU; sometimes also a read-only page at CPL 3 (PK is reported on top, KVM's reading).
      const alsoRo = cpl === 3 && op === 'write' && rng.chance(0.3);
      const others = rng.bits(32) & 0x5555_5554 & ~(3 << (2 * key));
      const pkru = (others | (wdOnly ? 2 : 1) << (2 * key)) >>> 0;
      return draft(rng, paging, { pke: true, pkru, smap: false, wp: true }, true, op, cpl, { u: true, w: !alsoRo, pkey: key });
    }
  }
}

/** A reserved bit in one entry of the path, chosen among the kinds this mode has. */
function reserved(rng: Rng, paging: GuestPaging, user: boolean): Draft | null {
  const op = ops(rng, ['read', 'write']);
  const cpl: 0 | 3 = user && rng.chance(0.6) ? 3 : 0;
  const flags = { u: user, w: true };
  if (paging === '32') {
    // PSE-36: a 4 MiB PDE reserves bits 21:(M'−19), M' = min(MAXPHYADDR, 40).
    const d = draft(rng, '32', { pse: true, maxphyaddr: rng.pick([32, 36]) }, user, op, cpl, flags, MiB4);
    const m = d.s.cpu.maxphyaddr;
    const leaf = pathOf(d).at(-1)!;
    edit(d.s.memory, leaf, 4, (lo) => [lo | (1 << rng.int(m - 19, 21)), 0]);
    return d;
  }
  const kinds = ['maxphyaddr', 'nxe', 'align', ...(paging === '4' || paging === '5' ? ['pml4-ps', 'gbpages'] : [])];
  const kind = rng.pick(kinds);
  switch (kind) {
    case 'maxphyaddr': {
      const d = draft(rng, paging, { maxphyaddr: rng.pick([36, 39, 40, 42, 46]) }, user, op, cpl, flags);
      const m = d.s.cpu.maxphyaddr;
      // Not a PAE PDPTE: a reserved bit there is #GP when CR3 is loaded, not a #PF.
      const r = rng.pick(rightsLevels(pathOf(d), paging));
      const b = rng.int(m, 51);
      edit(d.s.memory, r, 8, (lo, hi) => [lo, hi | (1 << (b - 32))]);
      return d;
    }
    case 'nxe': {
      const d = draft(rng, paging, { nxe: false }, user, op, cpl, flags);
      edit(d.s.memory, rng.pick(rightsLevels(pathOf(d), paging)), 8, (lo, hi) => [lo, hi | 0x8000_0000]);
      return d;
    }
    case 'align': {
      const size = paging === 'pae' ? MiB2 : rng.pick([MiB2, GiB1] as const);
      const d = draft(rng, paging, { gbpages: true }, user, op, cpl, flags, size);
      const leaf = pathOf(d).at(-1)!;
      const b = rng.int(13, Math.log2(size) - 1);
      edit(d.s.memory, leaf, 8, (lo, hi) => [lo | (1 << b), hi]);
      return d;
    }
    case 'pml4-ps': {
      const d = draft(rng, paging, {}, user, op, cpl, flags);
      const top = pathOf(d).find((r) => r.level >= 4 && rng.chance(0.6)) ?? pathOf(d)[0];
      edit(d.s.memory, top, 8, (lo, hi) => [lo | 0x80, hi]);
      return d;
    }
    default: {
      // A 1 GiB page on a CPU without 1 GiB pages: PS=1 in the PDPTE is reserved.
      const gb = draft(rng, paging, { gbpages: true }, user, op, cpl, flags, GiB1);
      return { ...gb, s: { ...gb.s, cpu: { ...gb.s.cpu, gbpages: false } } };
    }
  }
}

/** Is this #PF the kind the variant is about? */
function fits(v: EcVariant, reason: string, ec: number): boolean {
  switch (v) {
    case 'not-present':
      return (ec & 1) === 0;
    case 'rsvd':
      return (ec & 9) === 9;
    case 'pk':
      return (ec & 0x21) === 0x21;
    default: {
      const need = { us: 4, rw: 2, nx: 16, smep: 16, smap: 0 }[v];
      return reason === 'rights' && (ec & 0x29) === 1 && (ec & need) === need;
    }
  }
}

export function makeEc(rng: Rng, variant: string): QuestionBody | null {
  const v = variant as EcVariant;
  const d = build(rng, v);
  if (d === null) return null;
  const t = traceWalk(d.s, d.a);
  if (t.outcome.outcome !== 'pf' || t.outcome.ec === null) return null;
  const ec = Number(t.outcome.ec);
  if (!fits(v, t.outcome.reason, ec)) return null;
  const names = ecNames(ec);
  const short = (n: string) => n.replace('W/R', 'W').replace('U/S', 'U');
  return {
    variant: `${v}-${d.s.cpu.paging}`,
    prompt: `${nativeSetting(d.s.cpu)}. ${cap(accessPhrase(d.a))} of linear ${t.va} page-faults. Which error code does the #PF carry? Give it in hex or as its bits by name (P W U RSVD I/D PK).`,
    answerKind: 'bits',
    answer: hx(ec),
    answerText: `${hx(ec)} (${names.length ? names.join(' ') : 'no bit set'})`,
    explain: [...walkStory(t), t.outcome.text, `Error code ${bitsSentence(t).replace(/\b(W\/R|U\/S)\b/g, short)}`].join('\n'),
    traps: [],
    doc: caseDoc(d.s, d.a, 'Quiz: which error code?'),
  };
}
