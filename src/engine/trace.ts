/**
 * The explained trace: one step per memory reference with everything the UI
 * shows (structure, index and the address bits that chose it, entry address
 * and value, decoded fields, rights so far, reserved mask and violations, the
 * A/D change it will receive, a sentence), then the outcome decoded. The UI
 * draws this and never re-derives paging rules.
 */
import { bitRanges, hex64, hexNum } from './bits';
import { compile } from './compile';
import { decodeEntry, maskHex, rightsText, type EntryField } from './decode';
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

/** Build the explained trace from a walk result. */
export function explain(s: WalkInput, access: Access, r: WalkResult): Trace {
  const cfg = compile(s.cpu, s.ept);
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
    const d = decodeEntry(f, ref.level, ref.lo, ref.hi);
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
    step.text = stepSentence(f, step, d.target, s.cpu.maxphyaddr, ept ? s.ept!.maxphyaddr : 0, ref.gpa);
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
    outcome: outcomeOf(s, guest, access, r, steps, gAcc),
    writes: r.writes.map((w: QwordWrite) => ({ addr: hexNum(w.pa), value: hex64(w.lo, w.hi) })),
  };
}

function stepSentence(f: PagingFormat, st: TraceStep, target: number, gM: number, eM: number, gpa: number): string {
  const head = `${st.structure}[${hexNum(st.index)}] at ${st.entryAddr}`;
  const via = st.kind === 'e' ? ` (translating ${st.purpose}, GPA ${hexNum(gpa)})` : '';
  switch (st.entryKind) {
    case 'not-present':
      return f.kind === 'ept'
        ? `${head} is not present (R, W and X all clear)${via}: EPT violation.`
        : `${head} is not present (P=0): the walk stops with a page fault.`;
    case 'reserved': {
      if (st.misconfig) return `${head} is misconfigured: ${st.misconfig}${via}. EPT misconfiguration.`;
      const m = f.kind === 'ept' ? eM : gM;
      const high = st.rsvdViolation.filter((b) => b >= m && b <= 51);
      const why = high.length ? ` (MAXPHYADDR is ${m})` : '';
      return f.kind === 'ept'
        ? `${head} sets reserved bit${st.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(st.rsvdViolation)}${why}${via}: EPT misconfiguration.`
        : `${head} sets reserved bit${st.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(st.rsvdViolation)}${why}: ${st.structure === 'PDPTE' ? '#GP, as when CR3 was loaded' : 'page fault with RSVD'}.`;
    }
    default: {
      const size = st.entryKind === 'leaf' ? pageSize(f, st.level) : 0;
      const what =
        st.entryKind === 'leaf'
          ? `maps a ${sizeName(size)} page at ${hexNum(target)}`
          : `points to the ${f.levels[st.level - 1].name} at ${hexNum(target)}`;
      const flags: string[] = [];
      if (st.structure !== 'PDPTE') {
        flags.push(st.rights);
        const accessed = st.fields.find((x) => x.name === 'A');
        if (accessed) flags.push(accessed.value ? 'accessed' : 'not yet accessed');
      }
      const ad = st.adSet.length ? `; ${st.adSet.join(' and ')} will be set` : '';
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

function outcomeOf(s: WalkInput, guest: PagingFormat, a: Access, r: WalkResult, steps: TraceStep[], guestAcc: number): TraceOutcome {
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
    case 'ok':
      base.title = `${hexNum(r.pa!)} (${sizeName(r.size!)} page)`;
      base.text = `Linear ${va} translates to ${s.ept ? 'host-physical' : 'physical'} ${hexNum(r.pa!)} through a ${sizeName(r.size!)} page, in ${refs}.`;
      return base;
    case 'gp':
      if (r.reason === 'canonical') {
        const top = s.cpu.paging === '5' ? 56 : 47;
        base.title = '#GP(0): non-canonical address';
        base.text = `${va} is not canonical: bits 63:${top} must all equal bit ${top}. The CPU raises #GP(0) before any paging-structure access; no page fault, CR2 unchanged.`;
      } else {
        base.title = '#GP(0): reserved bit in a PAE PDPTE';
        base.text = `The PDPTE at ${last?.entryAddr} sets reserved bit${last && last.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(last?.rsvdViolation ?? [])}. PDPTEs are loaded as registers when CR3 is written, and a reserved bit there is #GP(0), not a page fault.`;
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
      base.text = `Page fault: ${cause}. CR2 = ${va}; error code ${hexNum(r.ec!)}. No accessed or dirty flag changes.`;
      return base;
    }
    case 'ept_violation': {
      base.bits = decodeBits(r.qual!, QUAL_BITS as [number, string, string][]);
      base.title = `EPT violation at GPA ${hexNum(r.gpa!)}, qualification ${hexNum(r.qual!)}`;
      const what =
        r.reason === 'ept-ad-write'
          ? `setting the guest's accessed/dirty flag in its ${guest.levels[r.eptTarget!].name} entry is a write, and EPT maps that page without write permission`
          : r.reason === 'ept-not-present'
            ? `the EPT walk for ${guestPurpose(guest, r.eptTarget!)} found a not-present entry`
            : `EPT does not allow this ${r.eptTarget === 0 ? a.op : 'paging-structure access'} on ${guestPurpose(guest, r.eptTarget!)}`;
      base.text = `VM exit (EPT violation): ${what}. The hypervisor sees GPA ${hexNum(r.gpa!)}${(r.qual! & 0x80) !== 0 ? ` and guest linear address ${va}` : ''}.`;
      return base;
    }
    case 'ept_misconfig':
      base.title = `EPT misconfiguration at GPA ${hexNum(r.gpa!)}`;
      base.text = `VM exit (EPT misconfiguration): ${last.structure} entry at ${last.entryAddr} ${
        last.misconfig ?? `sets reserved bit${last.rsvdViolation.length > 1 ? 's' : ''} ${bitRanges(last.rsvdViolation)}`
      }, while translating ${guestPurpose(guest, r.eptTarget!)} (GPA ${hexNum(r.gpa!)}).`;
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

/** Translate and explain in one call (nothing in the scenario changes). */
export function traceWalk(s: WalkInput, access: Access): Trace {
  return explain(s, access, translate(s, access));
}
