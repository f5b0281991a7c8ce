/**
 * Every present leaf reachable from a root through present entries, ascending
 * by linear address, as QEMU's `info tlb` lists them (target/i386/monitor.c:
 * tlb_info_32, tlb_info_pae32, tlb_info_la48/la57): an entry is followed or
 * listed when P = 1, whatever its reserved bits, and bit 7 makes a leaf only
 * where the format says it is a page-size bit (SDM vol. 3 §4.3–4.5; a PML4E or
 * PML5E with bit 7 is followed as a table, 32-bit paging without CR4.PSE
 * ignores it). Each leaf also carries the rights combined along its path
 * (R/W and U/S AND-ed, XD OR-ed: SDM §4.6) and whether any entry on its path
 * has a reserved bit set, which the walk would report as a fault.
 *
 * The result is columnar (typed arrays), so a 40,000-leaf guest costs a few
 * hundred kilobytes and no object per leaf.
 */
import { frame52 } from '../bits';
import { isReserved, type PagingFormat } from '../formats';
import type { Memory } from '../memory';

import { ACC_U, ACC_W, ACC_X } from '../rights';

/** Rights bits in LeafTable.acc: X = 1 (no XD on the path), W = 2, U = 4 (the walker's, rights.ts). */
export { ACC_U, ACC_W, ACC_X };

export class LeafTable {
  n = 0;
  /** Linear address of the page (not sign-extended; below 2^57). */
  va: Float64Array;
  /** Physical base of the page. */
  pa: Float64Array;
  /** Raw leaf entry. */
  lo: Uint32Array;
  hi: Uint32Array;
  /** Level of the leaf (1 = PT). */
  level: Uint8Array;
  /** Rights combined along the path (ACC_*). */
  acc: Uint8Array;
  /** 1 when an entry on the path (the leaf included) has a reserved bit set. */
  rsvd: Uint8Array;

  constructor(
    readonly format: PagingFormat,
    readonly root: number,
    capacity = 4096,
  ) {
    this.va = new Float64Array(capacity);
    this.pa = new Float64Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.level = new Uint8Array(capacity);
    this.acc = new Uint8Array(capacity);
    this.rsvd = new Uint8Array(capacity);
  }

  /** Page size in bytes of leaf `i`. */
  size(i: number): number {
    return 2 ** this.format.levels[this.level[i]].shift;
  }

  push(va: number, pa: number, lo: number, hi: number, level: number, acc: number, rsvd: boolean): void {
    if (this.n === this.va.length) this.grow();
    const i = this.n++;
    this.va[i] = va;
    this.pa[i] = pa;
    this.lo[i] = lo;
    this.hi[i] = hi;
    this.level[i] = level;
    this.acc[i] = acc;
    this.rsvd[i] = rsvd ? 1 : 0;
  }

  private grow(): void {
    const c = this.va.length * 2;
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.va = g(this.va, (n) => new Float64Array(n));
    this.pa = g(this.pa, (n) => new Float64Array(n));
    this.lo = g(this.lo, (n) => new Uint32Array(n));
    this.hi = g(this.hi, (n) => new Uint32Array(n));
    this.level = g(this.level, (n) => new Uint8Array(n));
    this.acc = g(this.acc, (n) => new Uint8Array(n));
    this.rsvd = g(this.rsvd, (n) => new Uint8Array(n));
  }

  /** Index of the leaf whose page holds linear address `va` (not sign-extended), or -1. Binary search. */
  find(va: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.va[mid] <= va) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && va < this.va[hi] + this.size(hi) ? hi : -1;
  }
}

export interface CollectOptions {
  /** Stop after this many leaves (a hostile dump can make tables reach each other 512^levels times). */
  maxLeaves?: number;
}

/**
 * Collect the leaves of the tables under `root` (SDM vol. 3 §4.3–4.5 formats),
 * reading each table page once per path through the memory's page cache.
 * Returns the table and whether `maxLeaves` cut it short.
 */
export function collectLeaves(f: PagingFormat, mem: Memory, root: number, opts: CollectOptions = {}): { leaves: LeafTable; truncated: boolean } {
  const out = new LeafTable(f, root);
  const max = opts.maxLeaves ?? Infinity;
  const eb = f.entryBytes;
  const wordsPerEntry = eb / 4;
  const present = f.presentMask;
  const levels = f.levels;
  let truncated = false;

  const visit = (level: number, base: number, prefix: number, acc: number, rsvdPath: boolean): void => {
    const L = levels[level];
    const count = 1 << L.bits;
    const step = 2 ** L.shift;
    const page = mem.pageAt(base);
    const w0 = (base & 4095) >>> 2;
    for (let i = 0; i < count; i++) {
      const w = w0 + i * wordsPerEntry;
      const lo = page[w] >>> 0;
      if ((lo & present) === 0) continue;
      const hi = eb === 8 ? page[w + 1] >>> 0 : 0;
      const rs = rsvdPath || isReserved(f, level, lo, hi);
      const a = L.register ? acc : acc & f.rights(lo, hi);
      const va = prefix + i * step;
      if (level === 1 || (L.psLeaf && (lo & 0x80) !== 0)) {
        if (out.n >= max) {
          truncated = true;
          return;
        }
        out.push(va, f.leafBase(lo, hi, level), lo, hi, level, a, rs);
      } else {
        visit(level - 1, eb === 8 ? frame52(lo, hi) : (lo & 0xfffff000) >>> 0, va, a, rs);
        if (truncated) return;
      }
    }
  };
  visit(f.rootLevel, root, 0, ACC_X | ACC_W | ACC_U, false);
  return { leaves: out, truncated };
}

/**
 * A linear address as the 64-bit value software uses: sign-extended from the
 * top bit of a 48- or 57-bit address (SDM vol. 3 §3.3.7.1, canonical form);
 * 32-bit linear addresses as they are. Returns the two 32-bit halves.
 */
export function canonical(f: PagingFormat, va: number): { lo: number; hi: number } {
  const lo = va % 4294967296 >>> 0;
  let hi = Math.floor(va / 4294967296) >>> 0;
  const bits = f.addressBits;
  if (bits > 32 && va >= 2 ** (bits - 1)) hi = (hi | (0xffffffff << (bits - 32))) >>> 0;
  return { lo, hi };
}

/** The linear address (below 2^57) a canonical 64-bit value names, or null when it is not canonical for `f`. */
export function linearOf(f: PagingFormat, lo: number, hi: number): number | null {
  const bits = f.addressBits;
  if (bits <= 32) return hi === 0 ? lo >>> 0 : null;
  const top = (hi | 0) >> (bits - 1 - 32);
  if (top !== 0 && top !== -1) return null;
  return (hi & ((1 << (bits - 32)) - 1)) * 4294967296 + (lo >>> 0);
}
