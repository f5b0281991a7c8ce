/**
 * Decode paging-structure entries for the trace and the inspector (SDM vol. 3
 * tables 4-4..4-20 for x86 entries, §28.2.2 / §29.3.2 for EPT). One source:
 * the fields are read off `bitRoles` (roles.ts), which takes the reserved
 * bits, leaf rule and frame bits from the format the walker runs on, so an
 * entry decodes exactly as the walk reads it at that level in that mode.
 */
import { bitRanges, field64, hex64, hexNum, setBits } from './bits';
import { isLeaf, pageSize, rsvdMask, type PagingFormat } from './formats';
import { bitRoles, reservedReason, type BitRole, type BitRoleKind, type DecodeContext } from './roles';
import { classify, type EntryKind } from './tree';

export { bitRoles, decodeContext, reservedReason, type BitRole, type BitRoleKind, type DecodeContext } from './roles';

export interface EntryField {
  /** Short name: P, R/W, U/S, PWT, PCD, A, D, PS, PAT, G, XD, PK, R, W, X, MT, IPAT, SVE, Address, "PA 39:32". */
  name: string;
  /** Bit range [high, low]. */
  bits: [number, number];
  value: number;
  /** Plain-English meaning of this value. */
  meaning: string;
}

/** A run of adjacent bits with the same role, name and reason (high to low). */
export interface BitSpan {
  high: number;
  low: number;
  role: BitRoleKind;
  name: string;
  reason: string;
  /** The bits of the span that are set. */
  set: number[];
}

export interface DecodedEntry {
  kind: EntryKind;
  /** True only when the walk maps a page here (kind 'leaf'): never for a reserved or not-present entry. */
  leaf: boolean;
  /** The fields the walk reads at this level in this mode, low bits first. */
  fields: EntryField[];
  /** kind 'leaf': the page base; 'table': the next table's base; otherwise 0 (the walk stops here). */
  target: number;
  /** Reserved mask that applies (halves) and the reserved bits that are set (none when not present). */
  rsvdLo: number;
  rsvdHi: number;
  rsvdSet: number[];
  /** EPT only: XWR/memory-type misconfiguration beyond reserved bits. */
  misconfig: string | null;
  /** Every bit's role (index = bit number). */
  roles: BitRole[];
  /** The roles as runs, high bits first. */
  spans: BitSpan[];
}

/**
 * Without a context (trace.ts today) PK and the EPT A/D flags decode as
 * fields; pass `decodeContext(compile(...))` to decode them as the walk does.
 */
const FIELDS_CONTEXT: DecodeContext = { pke: true, eptAd: true };

const MEMTYPES = ['UC', 'WC', 'reserved (2)', 'reserved (3)', 'WT', 'WP', 'WB', 'reserved (7)'];

const SIZE_WORDS: Record<number, string> = { 4096: '4 KiB', 2097152: '2 MiB', 4194304: '4 MiB', 1073741824: '1 GiB' };

/** Flag meanings: [when 1, when 0]. */
const FLAGS: Record<string, [string, string]> = {
  P: ['present', 'not present'],
  'R/W': ['writable', 'read-only'],
  'U/S': ['user', 'supervisor'],
  PWT: ['write-through', 'write-back'],
  PCD: ['cache disabled', 'cacheable'],
  A: ['accessed', 'not accessed'],
  D: ['dirty', 'clean'],
  PAT: ['PAT index bit set', 'PAT index bit clear'],
  G: ['global', 'not global'],
  XD: ['execute disabled', 'executable'],
  R: ['readable', 'not readable'],
  W: ['writable', 'not writable'],
  X: ['executable', 'not executable'],
  IPAT: ['ignore guest PAT', 'use guest PAT'],
  SVE: ['suppress #VE', '#VE not suppressed'],
};

/**
 * Decode the entry (lo, hi) at `level` of `f` as the walk reads it (KVM's
 * FNAME(walk_addr_generic): present, then reserved bits, then leaf or table).
 * `ctx` gives the mode inputs the format does not hold (CR4.PKE, EPT A/D).
 */
export function decodeEntry(f: PagingFormat, level: number, lo: number, hi: number, ctx: DecodeContext = FIELDS_CONTEXT): DecodedEntry {
  const kind = classify(f, level, lo, hi);
  const present = kind !== 'not-present';
  const r = rsvdMask(f, level, lo);
  const roles = bitRoles(f, level, lo, ctx);
  const target = kind === 'leaf' ? f.leafBase(lo, hi, level) : kind === 'table' ? f.tableBase(lo, hi) : 0;
  return {
    kind,
    leaf: kind === 'leaf',
    fields: fieldsOf(f, level, lo, hi, kind, roles),
    target,
    rsvdLo: r.lo >>> 0,
    rsvdHi: r.hi >>> 0,
    rsvdSet: present ? setBits(lo & r.lo, hi & r.hi) : [],
    misconfig: present ? misconfigText(f, level, lo) : null,
    roles,
    spans: spansOf(roles, lo, hi),
  };
}

/** EPT's bad XWR / memory type in words (KVM's bad_mt_xwr), or null. */
function misconfigText(f: PagingFormat, level: number, lo: number): string | null {
  if (f.misconfigured === null || !f.misconfigured(lo, isLeaf(f, level, lo))) return null;
  const xwr = lo & 7;
  if (xwr === 2 || xwr === 6) return 'writable but not readable (W without R)';
  if (xwr === 4) return 'execute-only, which this CPU does not support';
  return `memory type ${(lo >>> 3) & 7} is reserved`;
}

function spansOf(roles: BitRole[], lo: number, hi: number): BitSpan[] {
  const out: BitSpan[] = [];
  for (let b = roles.length - 1; b >= 0; b--) {
    const x = roles[b];
    const last = out[out.length - 1];
    const on = bitOf(lo, hi, b);
    if (last && last.low === b + 1 && last.role === x.role && last.name === x.name && last.reason === x.reason) {
      last.low = b;
      if (on) last.set.push(b);
    } else out.push({ high: b, low: b, role: x.role, name: x.name, reason: x.reason, set: on ? [b] : [] });
  }
  return out;
}

const bitOf = (lo: number, hi: number, b: number): boolean => ((b < 32 ? lo >>> b : hi >>> (b - 32)) & 1) === 1;

/** One EntryField per run of field bits, low bits first, each with the meaning of its value. */
function fieldsOf(f: PagingFormat, level: number, lo: number, hi: number, kind: EntryKind, roles: BitRole[]): EntryField[] {
  const out: EntryField[] = [];
  for (let b = 0; b < roles.length; b++) {
    if (roles[b].role !== 'field') continue;
    const name = roles[b].name;
    let top = b;
    while (top + 1 < roles.length && roles[top + 1].role === 'field' && roles[top + 1].name === name) top++;
    const value = name === 'Address' ? addressValue(f, level, lo, hi) : field64(lo, hi, b, top - b + 1);
    out.push({ name, bits: [top, b], value, meaning: meaning(f, level, kind, name, value) });
    b = top;
  }
  return out;
}

/** The frame an Address field holds, read as the layout bit 7 selects (leaf or table). */
const addressValue = (f: PagingFormat, level: number, lo: number, hi: number): number =>
  isLeaf(f, level, lo) ? f.leafBase(lo, hi, level) : f.tableBase(lo, hi);

function meaning(f: PagingFormat, level: number, kind: EntryKind, name: string, value: number): string {
  const stops = kind === 'reserved';
  const size = SIZE_WORDS[pageSize(f, level)] ?? `${pageSize(f, level)}-byte`;
  switch (name) {
    case 'Address':
      if (stops) return 'not used: the walk stops at this entry';
      return kind === 'leaf' ? `page at ${hexNum(value)}` : `table at ${hexNum(value)}`;
    case 'PS': {
      if (stops) return value ? `would map a ${size} page, but the walk stops here` : 'would point to a table, but the walk stops here';
      if (value) return `maps a ${size} page`;
      // PS=0 where PS=1 would be reserved (no 1 GiB pages): say so.
      const gb = f.levels[level].rsvdParts[1].find((p) => p.why === 'gbpages');
      return gb ? `points to a table (PS=1 would be reserved: ${reservedReason(f, level, 'gbpages')})` : 'points to a table';
    }
    case 'PK':
      return `protection key ${value}`;
    case 'MT':
      return `memory type ${MEMTYPES[value]}`;
    default: {
      if (name.startsWith('PA ')) return `physical address bits ${name.slice(3)} of the page`;
      const m = FLAGS[name];
      return m ? m[value ? 0 : 1] : '';
    }
  }
}

/** Bits of one role grouped by reason (and name), highest group first. */
export interface BitGroup {
  reason: string;
  /** Names of the bits in the group (XD, PS, …), '' when none. */
  names: string[];
  bits: number[];
  /** The bits as ranges, "51:46, 7". */
  ranges: string;
}

/** Group the bits with `role` (all of them, or only the set ones) by reason. */
export function bitGroups(d: DecodedEntry, role: Exclude<BitRoleKind, 'field'>, only: 'set' | 'all' = 'all'): BitGroup[] {
  const by = new Map<string, BitGroup>();
  for (const s of d.spans) {
    if (s.role !== role) continue;
    const bits = only === 'set' ? s.set : range(s.high, s.low);
    if (bits.length === 0) continue;
    let g = by.get(s.reason);
    if (g === undefined) by.set(s.reason, (g = { reason: s.reason, names: [], bits: [], ranges: '' }));
    g.bits.push(...bits);
    if (s.name && !g.names.includes(s.name)) g.names.push(s.name);
  }
  const out = [...by.values()];
  for (const g of out) g.ranges = bitRanges(g.bits);
  return out.sort((a, b) => Math.max(...b.bits) - Math.max(...a.bits));
}

const range = (high: number, low: number): number[] => Array.from({ length: high - low + 1 }, (_, i) => high - i);

/**
 * The reserved bits of a decoded entry with their reasons, for sentences:
 * "bit 63 (EFER.NXE=0), bits 50:46 (above MAXPHYADDR 46)". `only: 'set'`
 * (default) lists the set ones, the walk's violations; '' when there are none.
 */
export function reservedExplanation(d: DecodedEntry, only: 'set' | 'all' = 'set'): string {
  return bitGroups(d, 'reserved', only)
    .map((g) => `bit${g.bits.length > 1 ? 's' : ''} ${g.ranges} (${g.reason})`)
    .join(', ');
}

/** Rights as words: x86 acc bits X=1 W=2 U=4; EPT R=1 W=2 X=4. */
export function rightsText(f: PagingFormat, acc: number): string {
  if (f.kind === 'ept') {
    const s = `${acc & 1 ? 'R' : '-'}${acc & 2 ? 'W' : '-'}${acc & 4 ? 'X' : '-'}`;
    return s;
  }
  return [acc & 2 ? 'writable' : 'read-only', acc & 4 ? 'user' : 'supervisor', acc & 1 ? 'executable' : 'no-execute'].join(', ');
}

/** Reserved-mask halves as one hex string. */
export const maskHex = (lo: number, hi: number): string => hex64(lo, hi);
