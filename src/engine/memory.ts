import { TWO32, hex64, hexNum } from './bits';

const PAGE = 4096;
/** Direct-mapped page-lookup cache slots (a power of two). */
const CACHE = 1024;
/**
 * Cache slot of the page holding `pa`: frame-number bits 21:12 mixed with the
 * bits above 2^32 (so memory laid out at a large offset, e.g. a guest placed at
 * 1 TiB in host memory, does not collide with memory near 0). No division:
 * `>>>` takes the low 32 bits of any address below 2^53, and the scale by
 * 2^-32 is exact.
 */
const slotOf = (pa: number): number =>
  ((pa >>> 12) ^ (Math.imul((pa * 2.3283064365386963e-10) | 0, 0x9e3779b1) >>> 22)) & (CACHE - 1);

/** What an absent page reads as, in every backing; never written. */
const ZERO_PAGE = new Uint32Array(PAGE / 4);

/** Is `p` the shared page that stands for absent memory (from any `pageAt`)? */
export const isZeroPage = (p: Uint32Array): boolean => p === ZERO_PAGE;

/** The shared all-zero page, for other backings to return for absent memory. */
export const zeroPage = (): Uint32Array => ZERO_PAGE;

/**
 * Physical memory as the walker and the table readers see it: 4 KiB pages of
 * little-endian 32-bit words. Two backings: PhysMem (in memory, for scenarios;
 * writable) and FileMemory (a dump read lazily; read-only). Absent memory reads
 * as 0, through the shared zero page.
 */
export interface Memory {
  /**
   * The words of the page holding `pa` (the shared zero page when absent: read
   * it, never write it). Index it with `(pa >>> 2) & 1023`. A page returned
   * once keeps its contents until the memory itself is written.
   */
  pageAt(pa: number): Uint32Array;
  /** The 32-bit word at 4-byte-aligned address `pa`. */
  read32(pa: number): number;
}

/** A memory that takes writes (A/D commits, edits): PhysMem. A dump is not one. */
export interface WritableMemory extends Memory {
  write32(pa: number, v: number): void;
}

export const isWritable = (m: Memory): m is WritableMemory => typeof (m as Partial<WritableMemory>).write32 === 'function';

/**
 * Sparse physical memory: 4 KiB pages allocated on first write, each stored as
 * 1024 little-endian 32-bit words (the qword at A is words A/4 and A/4+1), so a
 * 4-byte 32-bit-paging entry is one word and an 8-byte entry is two. Absent
 * memory reads as 0. A direct-mapped cache of page lookups (absent pages
 * included, as a shared zero page) keeps the walk loop off the Map for the hot
 * tables; `write32` keeps it coherent when it allocates a page.
 */
export class PhysMem implements WritableMemory {
  private pages = new Map<number, Uint32Array>();
  private cacheKey = new Float64Array(CACHE).fill(-1);
  private cachePage: Uint32Array[] = new Array<Uint32Array>(CACHE).fill(ZERO_PAGE);

  /**
   * The words of the page holding `pa` (a shared all-zero array when the page
   * is absent: read it, never write it). Index it with `(pa >>> 2) & 1023`.
   */
  pageAt(pa: number): Uint32Array {
    const key = pa - (pa & (PAGE - 1));
    const slot = slotOf(pa);
    if (this.cacheKey[slot] === key) return this.cachePage[slot];
    const p = this.pages.get(key / PAGE) ?? ZERO_PAGE;
    this.cacheKey[slot] = key;
    this.cachePage[slot] = p;
    return p;
  }

  /** Is `p` the shared page that stands for absent memory (from `pageAt`)? Other pages never move. */
  static isZeroPage(p: Uint32Array): boolean {
    return p === ZERO_PAGE;
  }

  /** The 32-bit word at 4-byte-aligned address `pa`. */
  read32(pa: number): number {
    return this.pageAt(pa)[(pa >>> 2) & 1023];
  }

  write32(pa: number, v: number): void {
    let p = this.pageAt(pa);
    if (p === ZERO_PAGE) {
      if (v === 0) return;
      const key = pa - (pa & (PAGE - 1));
      p = new Uint32Array(PAGE / 4);
      this.pages.set(key / PAGE, p);
      const slot = slotOf(pa);
      this.cacheKey[slot] = key;
      this.cachePage[slot] = p;
    }
    p[(pa >>> 2) & 1023] = v;
  }

  /** Write the qword at 8-byte-aligned `pa`. */
  write64(pa: number, lo: number, hi: number): void {
    this.write32(pa, lo);
    this.write32(pa + 4, hi);
  }

  readQword(pa: number): { lo: number; hi: number } {
    return { lo: this.read32(pa), hi: this.read32(pa + 4) };
  }

  /** Is the 4 KiB page at `pa` allocated (has ever held a non-zero word)? */
  hasPage(pa: number): boolean {
    return this.pages.has(Math.floor(pa / PAGE));
  }

  /** Allocated page frame numbers, ascending. */
  pageFrames(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /** The 1024 words of a page, or undefined; callers must not write to it. */
  pageWords(pfn: number): Uint32Array | undefined {
    return this.pages.get(pfn);
  }

  clone(): PhysMem {
    const m = new PhysMem();
    for (const [k, v] of this.pages) m.pages.set(k, v.slice());
    return m;
  }

  /** Non-zero qwords as a FORMAT.md memory object ("0xaddr" → "0xvalue"). */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pfn of this.pageFrames()) {
      const p = this.pages.get(pfn)!;
      for (let i = 0; i < p.length; i += 2) {
        if (p[i] !== 0 || p[i + 1] !== 0) out[hexNum(pfn * PAGE + i * 4)] = hex64(p[i], p[i + 1]);
      }
    }
    return out;
  }

  /** Number of non-zero qwords (the size of toJSON). */
  countQwords(): number {
    let n = 0;
    for (const p of this.pages.values()) for (let i = 0; i < p.length; i += 2) if (p[i] !== 0 || p[i + 1] !== 0) n++;
    return n;
  }

  /** Bytes held by page storage. */
  byteSize(): number {
    return this.pages.size * PAGE;
  }
}

/** Physical address of the qword holding byte address `pa`. */
export const qwordOf = (pa: number): number => pa - (pa % 8);

export const MAX_PA = 2 ** 52;
export { TWO32 };
