/**
 * The explained trace: one step per memory reference with everything the UI
 * shows (structure, index and the address bits that chose it, entry address
 * and value, decoded fields, rights so far, reserved mask and violations, the
 * A/D change it will receive, a sentence), then the outcome decoded. The UI
 * draws this and never re-derives paging rules.
 */
import { bitRanges, hex64, hexNum } from './bits';
import { compile } from './compile';
import { decodeContext, decodeEntry, maskHex, reservedExplanation, rightsText, type DecodedEntry, type EntryField } from './decode';
import { pageSize, type PagingFormat } from './formats';
import type { Access, WalkInput } from './scenario';
import { translate, type OutcomeName, type QwordWrite, type WalkResult } from './translate';
import type { EntryKind } from './tree';
import type { FaultReason } from './walk';

export interface TraceStep {
  /** 1-based reference number. */
  n: number;
  kind: 'g' | 'e';
  level: number;
  /** PML5, PML4, PDPT, PD, PT, PDPTE (PAE register), "EPT PD", … */
  structure: string;
  /** Table base (guest-physical for guest tables, host-physical for EPT). */
  tableBase: string;
  index: number;
  /** Address bits [high, low] that chose the index. */
  indexBits: [number, number];
  /** Where the entry was read (host-physical under EPT). */
  entryAddr: string;
  /** Guest entries under EPT: the entry's guest-physical address. */
  entryGpa: string | null;
  value: string;
  entryKind: EntryKind;
  fields: EntryField[];
  /** Rights accumulated so far in this walk (guest walk, or this EPT walk). */
  rights: string;
  rsvdMask: string;
  rsvdViolation: number[];
  misconfig: string | null;
  /** EPT steps: what this EPT walk translates ("guest PML4 table", "the final address", "the PDPTE load"). */
  purpose: string | null;
  /** EPT steps: the guest level it serves (0 = final address). */
  target: number | null;
  /** A/D flags this reference will set (applied when the translation allows), and the new value. */
  adSet: string[];
  newValue: string | null;
  /** Did the walk stop at this reference? */
  stop: boolean;
  text: string;
}

export interface DecodedBit {
  bit: number;
  name: string;
  set: boolean;
  meaning: string;
}

export interface TraceOutcome {
  outcome: OutcomeName;
  reason: FaultReason;
  pa: string | null;
  size: number | null;
  ec: string | null;
  gpa: string | null;
  qual: string | null;
  /** Decoded error code or exit qualification bits. */
  bits: DecodedBit[];
  title: string;
  text: string;
}

export interface Trace {
  va: string;
  op: Access['op'];
  cpl: 0 | 3;
  implicit: boolean;
  guestLevels: number;
  eptLevels: number;
  steps: TraceStep[];
  outcome: TraceOutcome;
  writes: { addr: string; value: string }[];
}

/**
 * What each address space is called in sentences. Natively there is one
 * physical space; under EPT the guest's tables hold guest-physical addresses
 * and EPT maps them to host-physical; under nested EPT the same walk is L2's
 * (L2-linear → L2-physical) under L1's EPT12 (→ L1-physical).
 */
export interface SpaceNames {
  linear: string;
  /** Addresses in the guest's own tables. */
  guest: string;
  /** Addresses EPT produces, and where EPT tables live. */
  host: string;
}

export const NATIVE_NAMES: SpaceNames = { linear: 'linear', guest: 'physical', host: 'physical' };
export const EPT_NAMES: SpaceNames = { linear: 'linear', guest: 'guest-physical', host: 'host-physical' };
export const NESTED_NAMES: SpaceNames = { linear: 'L2-linear', guest: 'L2-physical', host: 'L1-physical' };

const SIZE_NAMES: Record<number, string> = { 4096: '4 KiB', 2097152: '2 MiB', 4194304: '4 MiB', 1073741824: '1 GiB' };
export const sizeName = (n: number): string => SIZE_NAMES[n] ?? `${n} bytes`;

const PFEC_BITS: [number, string, string, string][] = [
  [0, 'P', 'protection violation (the page was present)', 'not-present page'],
  [1, 'W/R', 'write access', 'read access'],
  [2, 'U/S', 'user-mode access', 'supervisor-mode access'],
  [3, 'RSVD', 'a reserved bit was set', 'no reserved bit'],
  [4, 'I/D', 'instruction fetch', 'data access'],
  [5, 'PK', 'protection key denied it', 'no protection-key violation'],
];
const QUAL_BITS: [number, string, string][] = [
  [0, 'read', 'data read'],
  [1, 'write', 'data write'],
  [2, 'fetch', 'instruction fetch'],
  [3, 'R', 'readable in every EPT entry used'],
  [4, 'W', 'writable in every EPT entry used'],
  [5, 'X', 'executable in every EPT entry used'],
  [6, 'UX', 'user-executable (MBEC; 0 here)'],
  [7, 'GLA valid', 'a guest linear address caused it'],
  [8, 'final', 'access to the translated address (clear: to a guest paging-structure entry)'],
];

function guestPurpose(guest: PagingFormat, target: number): string {
  if (target === 0) return 'the final address';
  const L = guest.levels[target];
  return L.register ? 'the PDPTE load' : `the guest ${L.name} table`;
}

/** Build the explained trace from a walk result; `names` says what to call each address space. */
export function explain(s: WalkInput, access: Access, r: WalkResult, names: SpaceNames = s.ept ? EPT_NAMES : NATIVE_NAMES): Trace {
  const cfg = compile(s.cpu, s.ept);
  // The same decoding the inspector shows, in this mode (one source for every bit's meaning).
  const ctx = decodeContext(cfg);
  const guest = cfg.guest;
  const ept = cfg.ept;
  const writesByWord = new Map<number, number>();
  for (const w of r.writes) {
    writesByWord.set(w.pa, w.lo);
  }
  const steps: TraceStep[] = [];
  let gAcc = 7;
  let eAcc = 7;
  r.refs.forEach((ref, i) => {
    const f = ref.kind === 'g' ? guest : ept!;
    const L = f.levels[ref.level];
    const d = decodeEntry(f, ref.level, ref.lo, ref.hi, ctx);
    const present = d.kind !== 'not-present';
    if (ref.kind === 'e' && ref.level === f.rootLevel) eAcc = 7;
    if (present && !L.register) {
      if (ref.kind === 'g') gAcc &= f.rights(ref.lo, ref.hi);
      else eAcc &= f.rights(ref.lo, ref.hi);
    }
    const acc = ref.kind === 'g' ? gAcc : eAcc;
    const qword = ref.pa - (ref.pa % 8);
    const newQ = writesByWord.get(qword);
    let adSet: string[] = [];
    let newValue: string | null = null;
    if (newQ !== undefined) {
      const newLo = ref.pa % 8 === 4 && f.entryBytes === 4 ? r.writes.find((w) => w.pa === qword)!.hi : newQ;
      const added = (newLo & ~ref.lo) >>> 0;
      adSet = [added & f.accessedMask ? 'A' : '', added & f.dirtyMask ? 'D' : ''].filter(Boolean);
      if (adSet.length) newValue = hex64(newLo, f.entryBytes === 8 ? ref.hi : 0);
    }
    const stop = i === r.refs.length - 1 && r.outcome !== 'ok' && r.reason !== 'rights' && r.reason !== 'ept-rights' && r.reason !== 'ept-ad-write';
    const step: TraceStep = {
      n: i + 1,
      kind: ref.kind,
      level: ref.level,
      structure: L.name,
      tableBase: hexNum(ref.tableBase),
      index: ref.index,
      indexBits: [L.shift + L.bits - 1, L.shift],
      entryAddr: hexNum(ref.pa),
      entryGpa: ref.kind === 'g' && ept ? hexNum(ref.gpa) : null,
      value: hex64(ref.lo, ref.hi),
      entryKind: d.kind,
      fields: d.fields,
      rights: present ? rightsText(f, acc) : '',
      rsvdMask: maskHex(d.rsvdLo, d.rsvdHi),
      rsvdViolation: d.rsvdSet,
      misconfig: d.misconfig,
      purpose: ref.kind === 'e' ? guestPurpose(guest, ref.target) : null,
      target: ref.kind === 'e' ? ref.target : null,
      adSet,
      newValue,
      stop,
      text: '',
    };
    step.text = stepSentence(f, step, d, ref.gpa, names);
    steps.push(step);
  });
  return {
    va: hex64(access.va.lo, access.va.hi),
    op: access.op,
    cpl: access.cpl,
    implicit: access.implicit,
    guestLevels: guest.rootLevel,
    eptLevels: ept ? ept.rootLevel : 0,
    steps,
    outcome: outcomeOf(s, guest, access, r, steps, gAcc, names),
    writes: r.writes.map((w: QwordWrite) => ({ addr: hexNum(w.pa), value: hex64(w.lo, w.hi) })),
  };
}

function stepSentence(f: PagingFormat, st: TraceStep, d: DecodedEntry, gpa: number, names: SpaceNames): string {
  const target = d.target;
  // Guest entries live at guest addresses (under EPT: read at the host address EPT gave); EPT entries at host addresses.
  const where = st.kind === 'e' ? `${names.host} ${st.entryAddr}` : st.entryGpa !== null ? `${names.guest} ${st.entryGpa} (${names.host} ${st.entryAddr})` : `${names.guest} ${st.entryAddr}`;
  const head = `${st.structure}[${hexNum(st.index)}] at ${where}`;
  const points = st.kind === 'e' ? names.host : names.guest;
  const via = st.kind === 'e' ? ` (translating ${names.guest} ${hexNum(gpa)}: ${st.purpose})` : '';
  switch (st.entryKind) {
    case 'not-present':
      return f.kind === 'ept'
        ? `${head} is not present (R, W and X all clear)${via}: EPT violation.`
        : `${head} is not present (P=0): the walk stops with a page fault.`;
    case 'reserved': {
      if (st.misconfig && st.rsvdViolation.length === 0) return `${head} is misconfigured: ${st.misconfig}${via}. EPT misconfiguration.`;
      const which = `sets reserved ${reservedExplanation(d, 'set')}`;
      return f.kind === 'ept'
        ? `${head} ${which}${via}: EPT misconfiguration.`
        : `${head} ${which}: ${st.structure === 'PDPTE' ? '#GP, as when CR3 was loaded' : 'page fault with RSVD'}.`;
    }
    default: {
      const size = st.entryKind === 'leaf' ? pageSize(f, st.level) : 0;
      const what =
        st.entryKind === 'leaf'
          ? `maps a ${sizeName(size)} page at ${points} ${hexNum(target)}`
          : `points to the ${f.levels[st.level - 1].name} at ${points} ${hexNum(target)}`;
      const flags: string[] = [];
      if (st.structure !== 'PDPTE') {
        flags.push(st.rights);
        const accessed = st.fields.find((x) => x.name === 'A');
        if (accessed) flags.push(accessed.value ? 'accessed' : 'not yet accessed');
      }
      // Guest A/D are written only when the whole translation succeeds; EPT A/D as each EPT walk completes (FORMAT.md rule 3).
      const ad = st.adSet.length ? (st.kind === 'e' ? `; this EPT walk sets ${st.adSet.join(' and ')}` : `; ${st.adSet.join(' and ')} will be set when the translation completes`) : '';
      return `${head} ${what}${flags.length ? ': ' + flags.join(', ') : ''}${ad}${via}.`;
    }
  }
}

function decodeBits(value: number, table: [number, string, string, string?][]): DecodedBit[] {
  return table.map(([bit, name, on, off]) => {
    const set = ((value >>> bit) & 1) === 1;
    return { bit, name, set, meaning: set ? on : (off ?? `not ${on}`) };
  });
}

/** A page-fault error code, bit by bit (SDM §4.7). */
export const pfecBits = (ec: number): DecodedBit[] => decodeBits(ec, PFEC_BITS);
/** An EPT-violation exit qualification, bits 0–8 (SDM §27.2.1 / §28.2.1). */
export const qualBits = (q: number): DecodedBit[] => decodeBits(q, QUAL_BITS as [number, string, string][]);

/** Every accessed/dirty change the access makes, guest and EPT, in one sentence (FORMAT.md rule 3). */
function adSentence(steps: TraceStep[], ok: boolean, underEpt: boolean): string {
  const count = (kind: 'g' | 'e', flag: string) => steps.filter((st) => st.kind === kind && st.adSet.includes(flag)).length;
  const entries = (k: number) => `${k} ${k === 1 ? 'entry' : 'entries'}`;
  const leaves = (k: number) => `${k} ${k === 1 ? 'leaf' : 'leaves'}`;
  const parts: string[] = [];
  const gA = count('g', 'A');
  const gD = count('g', 'D');
  // "guest" only where there is a host: natively these are simply the page tables.
  const whose = underEpt ? "the guest's accessed flag" : 'the accessed flag';
  if (gA || gD) parts.push(`${whose} in ${entries(gA)}${gD ? ' and its dirty flag in the leaf' : ''}`);
  const eA = count('e', 'A');
  const eD = count('e', 'D');
  if (eA || eD) parts.push(`EPT accessed flags in ${entries(eA)}${eD ? ` and EPT dirty flags in ${leaves(eD)}` : ''}`);
  if (parts.length === 0) {
    if (ok) return 'No accessed or dirty flag changes: every flag this access uses is already set.';
    return `No accessed or dirty flag changes: a fault changes no ${underEpt ? 'guest entry, and no EPT walk that completed had a flag to set' : 'entry'}.`;
  }
  const text = `Sets ${parts.join('; and ')}.`;
  return ok ? text : `${text} The guest's own entries are unchanged (a fault changes none), but the EPT flags set by the EPT walks that completed stay.`;
}

function outcomeOf(s: WalkInput, guest: PagingFormat, a: Access, r: WalkResult, steps: TraceStep[], guestAcc: number, names: SpaceNames): TraceOutcome {
  const va = hex64(a.va.lo, a.va.hi);
  const base: TraceOutcome = {
    outcome: r.outcome,
    reason: r.reason,
    pa: r.pa !== undefined ? hexNum(r.pa) : null,
    size: r.size ?? null,
    ec: r.ec !== undefined ? hexNum(r.ec) : null,
    gpa: r.gpa !== undefined ? hexNum(r.gpa) : null,
    qual: r.qual !== undefined ? hexNum(r.qual) : null,
    bits: [],
    title: '',
    text: '',
  };
  const n = steps.length;
  const refs = `${n} reference${n === 1 ? '' : 's'}`;
  const last = steps[n - 1];
  switch (r.outcome) {
    case 'ok': {
      base.title = `${hexNum(r.pa!)} (${sizeName(r.size!)} page)`;
      const fin = r.refs.find((x) => x.kind === 'e' && x.target === 0);
      const via = s.ept && fin ? ` (${names.guest} ${hexNum(fin.gpa)})` : '';
      base.text = `${cap(names.linear)} ${va} translates to ${names.host} ${hexNum(r.pa!)}${via} through a ${sizeName(r.size!)} page, in ${refs}. ${adSentence(steps, true, s.ept !== null)}`;
      return base;
    }
    case 'gp':
      if (r.reason === 'canonical') {
        const top = s.cpu.paging === '5' ? 56 : 47;
        base.title = '#GP(0): non-canonical address';
        base.text = `${va} is not canonical: bits 63:${top} must all equal bit ${top}. The CPU raises #GP(0) before any paging-structure access; no page fault, CR2 unchanged.`;
      } else {
        base.title = '#GP(0): reserved bit in a PAE PDPTE';
        base.text = `The PDPTE at ${names.host} ${last?.entryAddr} sets reserved bit${last && last.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(last?.rsvdViolation ?? [])}. PDPTEs are loaded as registers when CR3 is written, and a reserved bit there is #GP(0), not a page fault.`;
      }
      return base;
    case 'pf': {
      base.bits = decodeBits(r.ec!, PFEC_BITS);
      const named = base.bits.filter((b) => b.set).map((b) => b.name);
      base.title = `#PF, error code ${hexNum(r.ec!)}${named.length ? ` (${named.join(' ')})` : ''}`;
      const cause =
        r.reason === 'not-present'
          ? `${last.structure}[${hexNum(last.index)}] is not present`
          : r.reason === 'reserved'
            ? `${last.structure}[${hexNum(last.index)}] sets reserved bit${last.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(last.rsvdViolation)}`
            : rightsCause(s, a, r.ec!, guestAcc);
      base.text = `Page fault${s.ept ? ' in the guest (no VM exit)' : ''}: ${cause}. CR2 = ${va}; error code ${hexNum(r.ec!)}. ${adSentence(steps, false, s.ept !== null)}`;
      return base;
    }
    case 'ept_violation': {
      base.bits = decodeBits(r.qual!, QUAL_BITS as [number, string, string][]);
      base.title = `EPT violation at ${names.guest} ${hexNum(r.gpa!)}, qualification ${hexNum(r.qual!)}`;
      const what =
        r.reason === 'ept-ad-write'
          ? `setting the guest's accessed/dirty flag in its ${guest.levels[r.eptTarget!].name} entry is a write, and EPT maps that page without write permission`
          : r.reason === 'ept-not-present'
            ? `the EPT walk for ${guestPurpose(guest, r.eptTarget!)} found a not-present entry`
            : `EPT does not allow this ${r.eptTarget === 0 ? a.op : 'paging-structure access'} on ${guestPurpose(guest, r.eptTarget!)}`;
      base.text = `VM exit (EPT violation): ${what}. The hypervisor sees ${names.guest} ${hexNum(r.gpa!)}${(r.qual! & 0x80) !== 0 ? ` and ${names.linear} ${va}` : ''}. ${adSentence(steps, false, true)}`;
      return base;
    }
    case 'ept_misconfig':
      base.title = `EPT misconfiguration at ${names.guest} ${hexNum(r.gpa!)}`;
      base.text = `VM exit (EPT misconfiguration): ${last.structure} entry at ${names.host} ${last.entryAddr} ${
        last.misconfig ?? `sets reserved bit${last.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(last.rsvdViolation)}`
      }, while translating ${guestPurpose(guest, r.eptTarget!)} (${names.guest} ${hexNum(r.gpa!)}). ${adSentence(steps, false, true)}`;
      return base;
  }
}

/** Why the rights check failed, in the SDM's terms (§4.6); `acc` is the combined X=1 W=2 U=4. */
function rightsCause(s: WalkInput, a: Access, ec: number, acc: number): string {
  const parts: string[] = [];
  const userAddr = (acc & 4) !== 0;
  const w = (acc & 2) !== 0;
  const x = (acc & 1) !== 0;
  if (a.cpl === 3 && !a.implicit) {
    if (!userAddr) parts.push('a user-mode access to a supervisor-mode page (U/S=0 in some entry)');
    else if (a.op === 'write' && !w) parts.push('a user-mode write to a read-only page (R/W=0 in some entry)');
    else if (a.op === 'fetch' && !x) parts.push('an instruction fetch from a no-execute page (XD=1 in some entry)');
  } else if (a.op === 'fetch') {
    if (userAddr && s.cpu.smep) parts.push('SMEP forbids supervisor-mode fetches from user-mode pages');
    else if (!x) parts.push('an instruction fetch from a no-execute page (XD=1 in some entry)');
  } else {
    if (userAddr && s.cpu.smap && (a.implicit || !s.cpu.ac)) {
      parts.push(
        a.implicit
          ? 'SMAP forbids implicit supervisor accesses to user-mode pages, whatever EFLAGS.AC says'
          : 'SMAP forbids supervisor-mode accesses to user-mode pages while EFLAGS.AC=0',
      );
    } else if (a.op === 'write' && s.cpu.wp && !w) parts.push('CR0.WP=1 forbids supervisor-mode writes to read-only pages');
  }
  if (ec & 32) parts.push('the protection key in the leaf denies it (PKRU)');
  return parts.length ? parts.join('; and ') : 'the access is not allowed';
}

const cap = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);

/** Translate and explain in one call (nothing in the scenario changes). */
export function traceWalk(s: WalkInput, access: Access, names?: SpaceNames): Trace {
  return explain(s, access, translate(s, access), names);
}
