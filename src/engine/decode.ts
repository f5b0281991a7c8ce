/**
 * Decode paging-structure entries bit by bit (SDM vol. 3 tables 4-4..4-20 for
 * x86 entries, §28.2.2 / §29.3.2 for EPT) for the trace and the inspector.
 */
import { bit64, field64, hex64, hexNum, setBits } from './bits';
import { isLeaf, rsvdMask, type PagingFormat } from './formats';
import { classify, type EntryKind } from './tree';

export interface EntryField {
  /** Short name: P, R/W, U/S, PWT, PCD, A, D, PS, PAT, G, XD, PK, R, W, X, MT, IPAT, UX, Address. */
  name: string;
  /** Bit range [high, low]. */
  bits: [number, number];
  value: number;
  /** Plain-English meaning of this value. */
  meaning: string;
}

export interface DecodedEntry {
  kind: EntryKind;
  leaf: boolean;
  fields: EntryField[];
  /** Address the entry points to: next table or page base. */
  target: number;
  /** Reserved mask that applies (halves) and the reserved bits that are set. */
  rsvdLo: number;
  rsvdHi: number;
  rsvdSet: number[];
  /** EPT only: XWR/memory-type misconfiguration beyond reserved bits. */
  misconfig: string | null;
}

const MEMTYPES = ['UC', 'WC', 'reserved (2)', 'reserved (3)', 'WT', 'WP', 'WB', 'reserved (7)'];

const f1 = (lo: number, hi: number, b: number, name: string, on: string, off: string): EntryField => {
  const v = bit64(lo, hi, b) ? 1 : 0;
  return { name, bits: [b, b], value: v, meaning: v ? on : off };
};

export function decodeEntry(f: PagingFormat, level: number, lo: number, hi: number): DecodedEntry {
  const kind = classify(f, level, lo, hi);
  const present = (lo & f.presentMask) !== 0;
  const leaf = present && isLeaf(f, level, lo);
  const r = rsvdMask(f, level, lo);
  const rsvdSet = present ? setBits(lo & r.lo, hi & r.hi) : [];
  const fields = f.kind === 'ept' ? eptFields(f, level, lo, hi, leaf) : x86Fields(f, level, lo, hi, leaf);
  let misconfig: string | null = null;
  if (present && f.misconfigured !== null && f.misconfigured(lo, leaf)) {
    const xwr = lo & 7;
    misconfig =
      xwr === 2 || xwr === 6
        ? 'writable but not readable (W without R)'
        : xwr === 4
          ? 'execute-only, which this CPU does not support'
          : `memory type ${(lo >>> 3) & 7} is reserved`;
  }
  return {
    kind,
    leaf,
    fields,
    target: leaf ? f.leafBase(lo, hi, level) : f.tableBase(lo, hi),
    rsvdLo: r.lo >>> 0,
    rsvdHi: r.hi >>> 0,
    rsvdSet,
    misconfig,
  };
}

function addressField(f: PagingFormat, level: number, lo: number, hi: number, leaf: boolean): EntryField {
  const pa = leaf ? f.leafBase(lo, hi, level) : f.tableBase(lo, hi);
  const low = leaf ? f.levels[level].shift : 12;
  const high = f.entryBytes === 4 ? 31 : 51;
  return { name: 'Address', bits: [high, low], value: pa, meaning: `${leaf ? 'page' : 'table'} at ${hexNum(pa)}` };
}

function x86Fields(f: PagingFormat, level: number, lo: number, hi: number, leaf: boolean): EntryField[] {
  const L = f.levels[level];
  const out: EntryField[] = [f1(lo, hi, 0, 'P', 'present', 'not present')];
  if (L.register) {
    out.push(f1(lo, hi, 3, 'PWT', 'write-through', 'write-back'), f1(lo, hi, 4, 'PCD', 'cache disabled', 'cacheable'));
    out.push(addressField(f, level, lo, hi, false));
    return out;
  }
  out.push(
    f1(lo, hi, 1, 'R/W', 'writable', 'read-only'),
    f1(lo, hi, 2, 'U/S', 'user', 'supervisor'),
    f1(lo, hi, 3, 'PWT', 'write-through', 'write-back'),
    f1(lo, hi, 4, 'PCD', 'cache disabled', 'cacheable'),
    f1(lo, hi, 5, 'A', 'accessed', 'not accessed'),
  );
  if (leaf) out.push(f1(lo, hi, 6, 'D', 'dirty', 'clean'));
  if (level === 1) out.push(f1(lo, hi, 7, 'PAT', 'PAT index bit set', 'PAT index bit clear'));
  else if (L.psLeaf || level > 1) out.push(f1(lo, hi, 7, 'PS', L.psLeaf ? 'maps a page' : 'reserved here', L.psLeaf ? 'points to a table' : 'must be 0'));
  if (leaf) out.push(f1(lo, hi, 8, 'G', 'global', 'not global'));
  if (leaf && level > 1) out.push(f1(lo, hi, 12, 'PAT', 'PAT index bit set', 'PAT index bit clear'));
  out.push(addressField(f, level, lo, hi, leaf));
  if (f.entryBytes === 8) {
    if (leaf && f.addressBits > 32) {
      const pk = field64(lo, hi, 59, 4);
      out.push({ name: 'PK', bits: [62, 59], value: pk, meaning: `protection key ${pk}` });
    }
    out.push(f1(lo, hi, 63, 'XD', 'execute disabled', 'executable'));
  }
  return out;
}

function eptFields(f: PagingFormat, level: number, lo: number, hi: number, leaf: boolean): EntryField[] {
  const out: EntryField[] = [
    f1(lo, hi, 0, 'R', 'readable', 'not readable'),
    f1(lo, hi, 1, 'W', 'writable', 'not writable'),
    f1(lo, hi, 2, 'X', 'executable', 'not executable'),
  ];
  if (leaf) {
    const mt = (lo >>> 3) & 7;
    out.push({ name: 'MT', bits: [5, 3], value: mt, meaning: `memory type ${MEMTYPES[mt]}` });
    out.push(f1(lo, hi, 6, 'IPAT', 'ignore guest PAT', 'use guest PAT'));
  }
  if (level === 2 || level === 3) out.push(f1(lo, hi, 7, 'PS', 'maps a page', 'points to a table'));
  out.push(f1(lo, hi, 8, 'A', 'accessed', 'not accessed'));
  if (leaf) out.push(f1(lo, hi, 9, 'D', 'dirty', 'clean'));
  out.push(f1(lo, hi, 10, 'UX', 'user-executable (MBEC)', 'no user-execute (MBEC)'));
  out.push(addressField(f, level, lo, hi, leaf));
  if (leaf) out.push(f1(lo, hi, 63, 'SVE', 'suppress #VE', '#VE not suppressed'));
  return out;
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
