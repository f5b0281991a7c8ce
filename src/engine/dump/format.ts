/**
 * The dump CLI's JSON shapes, kept in the engine so the worker and the CLI
 * print the same thing: one leaf (`list`), one translation (`translate`, with
 * the vectors CLI's result keys: outcome, pa, size, ec, refs, writes), one
 * folded range.
 */
import { hex64, hexNum, parseHex64 } from '../bits';
import type { AccessOp } from '../scenario';
import { translate } from '../translate';
import { resultToJSON, type VectorResultJSON } from '../vectors';
import { canonical, type LeafTable } from './leaves';
import type { MappingRange } from './mappings';
import type { DumpCpu } from './open';
import { DumpError } from './source';

export interface LeafJSON {
  va: string;
  pa: string;
  size: number;
  entry: string;
}

/** Leaf `i` as a `list` line: canonical linear address, page base, size, raw entry. */
export function leafJSON(t: LeafTable, i: number): LeafJSON {
  const v = canonical(t.format, t.va[i]);
  return { va: hex64(v.lo, v.hi), pa: hexNum(t.pa[i]), size: t.size(i), entry: hex64(t.lo[i], t.hi[i]) };
}

export interface TranslateJSON {
  va: string;
  result: VectorResultJSON;
}

export interface AccessKind {
  /** CPL 3 (a user-mode access). */
  user: boolean;
  op: AccessOp;
}

/**
 * Parse a linear address typed by a user: hex, 64 bits at most; 32-bit and PAE
 * guests take addresses below 2^32 only.
 */
export function parseLinear(d: DumpCpu, text: string): { lo: number; hi: number } {
  const u = parseHex64(text, true);
  if (u === null) throw new DumpError(`"${text}" is not a hex linear address of at most 64 bits`);
  if (d.format.addressBits <= 32 && u.hi !== 0) throw new DumpError(`${text}: a ${d.paging === 'pae' ? 'PAE' : '32-bit'} guest has 32-bit linear addresses`);
  return u;
}

/** Translate one linear address in the dump (nothing is written: the A/D updates are only listed in `writes`). */
export function translateJSON(d: DumpCpu, va: { lo: number; hi: number }, kind: AccessKind): TranslateJSON {
  const r = translate(d.input, { va, op: kind.op, cpl: kind.user ? 3 : 0, implicit: false });
  return { va: hex64(va.lo, va.hi), result: resultToJSON(r) };
}

export interface RangeJSON {
  start: string;
  /** Last byte of the range (inclusive, so the top of the address space stays a 64-bit value). */
  last: string;
  pages: number;
  pageSize: number;
  rights: string;
  attrs: string;
  pa: string;
  physContiguous: boolean;
  reserved: boolean;
}

/** Rights as ptdump prints them: USR or "   ", RW or ro, x or NX; plus GLB, PWT, PCD, PAT. */
export function rangeJSON(t: LeafTable, r: MappingRange): RangeJSON {
  const s = canonical(t.format, r.start);
  const e = canonical(t.format, r.end - 1);
  const attrs = [r.global && 'GLB', r.attrs & 8 && 'PWT', r.attrs & 0x10 && 'PCD', r.attrs & 0x1000 && 'PAT'].filter(Boolean).join(' ');
  return {
    start: hex64(s.lo, s.hi),
    last: hex64(e.lo, e.hi),
    pages: r.count,
    pageSize: r.pageSize,
    rights: `${r.user ? 'USR' : 'KRN'} ${r.writable ? 'RW' : 'ro'} ${r.executable ? 'x' : 'NX'}`,
    attrs,
    pa: hexNum(r.pa),
    physContiguous: r.physContiguous,
    reserved: r.reserved,
  };
}
