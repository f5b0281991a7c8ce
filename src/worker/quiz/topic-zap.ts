/**
 * "Which shadow pages does this guest store zap?" A guest under KVM's shadow
 * MMU (no EPT) builds its shadow tables with a few accesses, sometimes lets a
 * page table go unsync with a store, then makes one more store to a
 * page-table entry. Variants aim at each thing that store can meet: a
 * write-flooded table (the third store in a row without a walk through it),
 * a flooded table with an unsync child, a misaligned store, a store after a
 * walk reset the flooding count, a store that makes a last-level table unsync,
 * a store to an unsync one (no exit), a store to a table no shadow page
 * shadows. The answer is what the ShadowSession reports as zapped by that
 * store, and the explanation is its events.
 */
import { hexNum, type GuestPaging } from '../../engine';
import { shadowDoc } from './doc';
import { hx } from './explain';
import type { Rng } from './rng';
import type { QuestionBody, QuizChoice } from './types';
import { guestName } from './words';
import { accessOp, caseOf, entryOf, entryWords, run, storeOp, zapWorld, type ZapOp, type ZapRun, type ZapWorld } from './zap-world';
import type { ShadowPageCard, ShadowView } from '../shadowTypes';

export const ZAP_VARIANTS = ['flood', 'flood-unsync', 'misaligned', 'flood-reset', 'pt-first', 'pt-unsync', 'untouched'] as const;

const PTE_FLAGS = 0x67n; // P W U A D
/** Data a guest writes into a table it reuses for something else: bit 0 clear, so nothing becomes present. */
const junk = (rng: Rng): bigint => (BigInt(rng.bits(31)) << 1n) & ~1n;

function newPte(rng: Rng): bigint {
  return (BigInt(rng.int(0x100, 0xf_ffff)) << 12n) | PTE_FLAGS | (rng.chance(0.5) ? 1n << 63n : 0n);
}

/** Stores to entries of the table at `level` on `va`'s path that no mapping uses (indexes far from the used one). */
function spareStores(rng: Rng, w: ZapWorld, va: bigint, level: number, n: number): ZapOp[] {
  const r = entryOf(w, va, level);
  const max = w.s.cpu.paging === 'pae' && level === 3 ? 4 : 512;
  const used = new Set([r.index, ...[...w.a, ...w.b, w.k].map((v) => tryEntry(w, v, level, r.tableBase))]);
  const out: ZapOp[] = [];
  for (let k = 0; out.length < n && k < 200; k++) {
    const i = rng.int(0, max - 1);
    if (used.has(i)) continue;
    used.add(i);
    const gpa = r.tableBase + i * 8;
    out.push(storeOp(gpa, junk(rng), entryWords({ ...r, index: i, pa: gpa }, w.s.cpu.paging)));
  }
  return out;
}

/** The index `va` uses in the table at `base`, if its path goes through it. */
function tryEntry(w: ZapWorld, va: bigint, level: number, base: number): number {
  try {
    const r = entryOf(w, va, level);
    return r.tableBase === base ? r.index : -1;
  } catch {
    return -1;
  }
}

/** A store to a PT entry of `va`'s table: remap a used entry or fill an unused one. */
function ptStore(rng: Rng, w: ZapWorld, va: bigint): ZapOp {
  const r = entryOf(w, va, 1);
  return storeOp(r.pa, newPte(rng), entryWords(r, w.s.cpu.paging));
}

/** The tracked levels a flood can hit: above the PT, and for PAE only the PD (its PDPT is registers, not a shadow page). */
const floodLevels = (p: GuestPaging): number[] => (p === 'pae' ? [2] : p === '5' ? [2, 3, 4, 5] : [2, 3, 4]);

function script(rng: Rng, v: string, w: ZapWorld): ZapOp[] | null {
  const [a0, a1, a2] = w.a;
  const p = w.s.cpu.paging;
  const touch = accessOp(a0, rng.pick(['read', 'write'] as const), 3);
  const kernel = rng.chance(0.5) ? [accessOp(w.k, 'read', 0)] : [];
  switch (v) {
    case 'flood': {
      const level = rng.pick(floodLevels(p));
      const [s1, s2, s3] = spareStores(rng, w, a0, level, 3);
      return s3 ? [touch, ...kernel, s1, s2, s3] : null;
    }
    case 'flood-unsync': {
      const [s1, s2, s3] = spareStores(rng, w, a0, 2, 3);
      return s3 ? [touch, accessOp(a1, 'read', 3), ptStore(rng, w, a2), s1, s2, s3] : null;
    }
    case 'misaligned': {
      // Straddle two entries no mapping uses, so the guest's own mappings stay as they were.
      const level = rng.pick(floodLevels(p));
      const r = entryOf(w, a0, level);
      const spare = spareStores(rng, w, a0, level, 40).map((o) => (Number(o.json.gpa) - r.tableBase) / 8);
      const i = spare.find((x) => x < 511 && spare.includes(x + 1));
      if (i === undefined) return null;
      const gpa = r.tableBase + i * 8 + 4;
      const what = `the high half of entry ${hx(i)} and the low half of entry ${hx(i + 1)} of its ${entryWords(r, p).split(' of its ')[1]}`;
      const unsync = rng.chance(0.5) ? [ptStore(rng, w, a1)] : [];
      return [touch, ...kernel, ...unsync, storeOp(gpa, junk(rng), what)];
    }
    case 'flood-reset': {
      const [s1, s2, s3] = spareStores(rng, w, a0, 2, 3);
      return s3 ? [touch, s1, s2, accessOp(w.b[0], 'read', 3), s3] : null;
    }
    case 'pt-first':
      return [touch, ...kernel, ...(rng.chance(0.5) ? [accessOp(a1, 'read', 3)] : []), ptStore(rng, w, rng.pick([a1, a2]))];
    case 'pt-unsync':
      return [touch, ptStore(rng, w, a1), ...(rng.chance(0.5) ? [accessOp(a2, 'write', 3)] : []), ...kernel, ptStore(rng, w, a2)];
    default:
      // A page table no access has walked through: nothing shadows it.
      return [touch, ...kernel, ptStore(rng, w, w.b[0])];
  }
}

/** "#4: level 2, shadows the guest PD at guest-physical 0x103000 (unsync)". */
function choiceLabel(c: ShadowPageCard, v: ShadowView): string {
  const gt = v.guestTables.find((g) => g.id === c.guestTable);
  const what = c.direct ? `direct, maps the guest large page from guest frame ${c.gfn}` : `shadows the guest ${gt ? gt.name : 'table'} at guest-physical ${gt ? gt.base : hexNum(Number(c.gfn) * 4096)}`;
  // What the page is, not its write-flooding count: counting the stores is the student's part.
  const notes = [c.currentRoot ? 'the root' : '', c.unsync ? 'unsync' : ''].filter(Boolean);
  return `#${c.id}: level ${c.level}, ${what}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/** Why the store zapped what it did, from its events and the pages around it. */
function explainRun(r: ZapRun, gpa: number, choices: QuizChoice[], earlier: number): string {
  const gfn = hexNum(Math.floor(gpa / 4096));
  const lines: string[] = [];
  const shadows = r.before.pages.filter((p) => !p.direct && p.gfn === gfn);
  if (r.events.length === 0) {
    lines.push(
      shadows.length === 0
        ? `No shadow page shadows guest frame ${gfn} (no access has walked through that table yet), so the store is an ordinary write: no exit, and nothing is zapped.`
        : `Guest frame ${gfn} is shadowed only by unsync last-level page${shadows.length > 1 ? 's' : ''} ${shadows.map((p) => `#${p.id}`).join(', ')}, which the guest may write without an exit: KVM does not even see this store, so nothing is zapped (the shadow may stay stale until INVLPG or a CR3 load).`,
    );
  } else {
    lines.push(`${r.record.outcome} What KVM did:`);
    for (const e of r.events) lines.push(`- ${e.text}`);
  }
  for (const p of r.after.pages) {
    if (p.gfn !== gfn || p.direct || p.writeFlooding === 0) continue;
    lines.push(`Shadow page #${p.id} has now been written ${p.writeFlooding} time${p.writeFlooding > 1 ? 's' : ''} in a row without a walk through it; KVM zaps it at the third (write flooding).`);
    if (earlier + 1 > p.writeFlooding) lines.push(`The earlier store${earlier > 1 ? 's' : ''} to this table no longer count: an access since then faulted and KVM's walk went through shadow page #${p.id}, which resets its count.`);
  }
  const zapped = r.after.zapped.map((c) => choices.find((x) => x.id === String(c.id))?.label ?? `#${c.id}`);
  lines.push(zapped.length ? `Zapped: ${zapped.join('; ')}.` : 'Nothing is zapped.');
  return lines.join('\n');
}

export function makeZap(rng: Rng, variant: string): QuestionBody | null {
  const paging = rng.pick(['4', '4', '4', '5', 'pae'] as const);
  const w = zapWorld(rng, paging);
  const ops = script(rng, variant, w);
  if (ops === null) return null;
  const c = caseOf(w, ops);
  const title = 'Quiz: which shadow pages does this store zap?';
  const r = run(c, title);
  const choices: QuizChoice[] = r.before.pages.map((p) => ({ id: String(p.id), label: choiceLabel(p, r.before) }));
  const zapped = r.after.zapped.map((p) => p.id).sort((x, y) => x - y);
  // Every zapped page must be one of the choices (a store creates no pages).
  if (!zapped.every((id) => choices.some((x) => x.id === String(id)))) return null;
  const last = ops[ops.length - 1];
  const gpa = Number(last.json.gpa);
  const done = ops.slice(0, -1).map((o, i) => `${i + 1}. ${o.text}`);
  return {
    variant: `${variant}-${paging}`,
    prompt:
      `${guestName(paging)} runs under KVM's shadow MMU (no EPT; guest-physical memory sits at host-physical + ${hx(w.hostOffset)}); its CR3 is guest-physical ${hx(w.s.cpu.cr3)}. ` +
      `It has made these operations: ${done.join('; ')}. Now it makes ${last.text}. Which shadow pages does this store zap? Choose among the live shadow pages (the answer may be none).`,
    answerKind: 'set',
    choices,
    answer: zapped.length ? zapped.join(', ') : 'none',
    answerText: zapped.length ? zapped.map((id) => choices.find((x) => x.id === String(id))!.label).join('; ') : 'none: this store zaps no shadow page',
    explain: explainRun(r, gpa, choices, ops.slice(0, -1).filter((o) => o.json.op === 'store' && Math.floor(Number(o.json.gpa) / 4096) === Math.floor(gpa / 4096)).length),
    traps: [],
    doc: shadowDoc(c, title, ops.length),
  };
}
