/**
 * A real guest's dump in the worker: open it from a read callback (nothing
 * but headers and notes is read), choose the vCPU and what the dump does not
 * say (NXE, MAXPHYADDR), then answer the views with plain data: the folded
 * mappings (filtered, paged), the leaves of one range, translate with the
 * explained trace, and the reverse map. Leaves are listed once per CPU choice
 * and kept.
 */
import { hex64, hexNum, parseHex64 } from '../engine/bits';
import {
  DumpError,
  ReverseMap,
  canonical,
  collectLeaves,
  dumpCpu,
  foldMappings,
  leafJSON,
  openDump,
  parseLinear,
  qemuDepartures,
  rangeJSON,
  summarize,
  type ByteSource,
  type Departure,
  type Dump,
  type DumpCpu,
  type DumpCpuOptions,
  type LeafJSON,
  type LeafTable,
  type MappingFilter,
  type MappingRange,
  type MappingSummary,
  type RangeJSON,
} from '../engine/dump';
import { traceWalk, type Trace } from '../engine/trace';
import type { AccessOp } from '../engine/scenario';
import type { Result } from './types';

export interface DumpInfo {
  vcpus: number;
  cpu: number;
  paging: string;
  cr0: string;
  cr3: string;
  cr4: string;
  rflags: string;
  nxe: boolean;
  maxphyaddr: number;
  assumptions: string[];
  departures: Pick<Departure, 'id' | 'text'>[];
  memoryBytes: number;
  summary: MappingSummary;
  /** True when the leaf listing stopped at the limit (a hostile or looping table). */
  truncated: boolean;
}

export interface MappingsPage {
  filter: MappingFilter;
  total: number;
  offset: number;
  ranges: (RangeJSON & { first: number; count: number })[];
}

export interface ReverseAnswer {
  pa: string;
  mapped: { va: string; size: number; entry: string }[];
}

const MAX_LEAVES = 4_000_000;

const fail = <T>(field: string, e: unknown): Result<T> => {
  if (e instanceof DumpError) return { ok: false, problem: { field, message: e.message } };
  throw e;
};

export class DumpSession {
  private dump: Dump | null = null;
  private cpu: DumpCpu | null = null;
  private leaves: LeafTable | null = null;
  private truncated = false;
  private folded = new Map<MappingFilter, MappingRange[]>();
  private reverseMap: ReverseMap | null = null;

  /** Open a dump (the worker passes fileByteSource(file)); the first vCPU with default assumptions. */
  open(src: ByteSource, opts: DumpCpuOptions = {}): Result<DumpInfo> {
    try {
      this.dump = openDump(src);
    } catch (e) {
      this.dump = null;
      return fail('file', e);
    }
    return this.configure(opts);
  }

  /** Use a dump already opened (the session holds it), with a vCPU and assumptions. */
  attach(dump: Dump, opts: DumpCpuOptions): Result<DumpInfo> {
    this.dump = dump;
    return this.configure(opts);
  }

  /** Choose the vCPU, NXE, MAXPHYADDR; lists the leaves again. */
  configure(opts: DumpCpuOptions): Result<DumpInfo> {
    if (!this.dump) return { ok: false, problem: { field: 'file', message: 'no dump is open' } };
    try {
      this.cpu = dumpCpu(this.dump, opts);
    } catch (e) {
      return fail('cpu', e);
    }
    const { leaves, truncated } = collectLeaves(this.cpu.format, this.cpu.input.memory, this.cpu.root, { maxLeaves: MAX_LEAVES });
    this.leaves = leaves;
    this.truncated = truncated;
    this.folded.clear();
    this.reverseMap = null;
    return { ok: true, value: this.info() };
  }

  info(): DumpInfo {
    const d = this.cpu!;
    const s = d.state;
    return {
      vcpus: this.dump!.cpus.length,
      cpu: d.index,
      paging: d.paging,
      cr0: '0x' + s.cr[0].toString(16),
      cr3: '0x' + s.cr[3].toString(16),
      cr4: '0x' + s.cr[4].toString(16),
      rflags: '0x' + s.rflags.toString(16),
      nxe: d.cpu.nxe,
      maxphyaddr: d.cpu.maxphyaddr,
      assumptions: d.assumptions,
      departures: qemuDepartures(d).map(({ id, text }) => ({ id, text })),
      memoryBytes: this.dump!.memoryBytes,
      summary: summarize(this.leaves!, this.fold('all')),
      truncated: this.truncated,
    };
  }

  private fold(filter: MappingFilter): MappingRange[] {
    let r = this.folded.get(filter);
    if (!r) this.folded.set(filter, (r = foldMappings(this.leaves!, filter)));
    return r;
  }

  /** A page of the folded view. */
  mappings(filter: MappingFilter = 'all', offset = 0, limit = 500): MappingsPage {
    const all = this.leaves ? this.fold(filter) : [];
    const t = this.leaves!;
    return { filter, total: all.length, offset, ranges: all.slice(offset, offset + limit).map((r) => ({ ...rangeJSON(t, r), first: r.first, count: r.count })) };
  }

  /** The leaves of one folded range (first/count from `mappings`), paged. */
  leavesOf(first: number, count: number): LeafJSON[] {
    const t = this.leaves;
    if (!t) return [];
    const out: LeafJSON[] = [];
    for (let i = Math.max(0, first); i < Math.min(t.n, first + count); i++) out.push(leafJSON(t, i));
    return out;
  }

  /** Search by linear address: translate with the explained trace (nothing is written to the dump). */
  translate(va: string, op: AccessOp = 'read', user = false): Result<Trace> {
    if (!this.cpu) return { ok: false, problem: { field: 'file', message: 'no dump is open' } };
    try {
      const v = parseLinear(this.cpu, va);
      return { ok: true, value: traceWalk(this.cpu.input, { va: v, op, cpl: user ? 3 : 0, implicit: false }) };
    } catch (e) {
      return fail('va', e);
    }
  }

  /** Physical → every linear address that maps it. */
  reverse(pa: string): Result<ReverseAnswer> {
    if (!this.leaves) return { ok: false, problem: { field: 'file', message: 'no dump is open' } };
    const u = parseHex64(pa, true);
    if (u === null || u.hi >= 0x100000) return { ok: false, problem: { field: 'pa', message: `"${pa}" is not a physical address below 2^52` } };
    const p = u.hi * 4294967296 + u.lo;
    this.reverseMap ??= new ReverseMap(this.leaves);
    const t = this.leaves;
    return {
      ok: true,
      value: {
        pa: hexNum(p),
        mapped: this.reverseMap.lookup(p).map((h) => {
          const c = canonical(t.format, h.va);
          return { va: hex64(c.lo, c.hi), size: h.pageSize, entry: hex64(t.lo[h.leaf], t.hi[h.leaf]) };
        }),
      },
    };
  }
}
