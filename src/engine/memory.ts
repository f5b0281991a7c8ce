import { TWO32, hex64, hexNum } from './bits';

const PAGE = 4096;
const CACHE = 64;

/**
 * Sparse physical memory: 4 KiB pages allocated on first write, each stored as
 * 1024 little-endian 32-bit words (the qword at A is words A/4 and A/4+1), so a
 * 4-byte 32-bit-paging entry is one word and an 8-byte entry is two. Absent
 * memory reads as 0. A small direct-mapped cache of page lookups keeps the
 * walk loop off the Map for the hot tables.
 */
export class PhysMem {
  private pages = new Map<number, Uint32Array>();
  private cacheKey = new Float64Array(CACHE).fill(-1);
  private cachePage: (Uint32Array | undefined)[] = new Array(CACHE);

  private page(pfn: number): Uint32Array | undefined {
    const slot = pfn % CACHE;
    if (this.cacheKey[slot] === pfn) return this.cachePage[slot];
    const p = this.pages.get(pfn);
    if (p !== undefined) {
      this.cacheKey[slot] = pfn;
      this.cachePage[slot] = p;
    }
    return p;
  }

  /** The 32-bit word at 4-byte-aligned address `pa`. */
  read32(pa: number): number {
    const p = this.page(Math.floor(pa / PAGE));
    return p === undefined ? 0 : p[(pa % PAGE) >>> 2];
  }

  write32(pa: number, v: number): void {
    const pfn = Math.floor(pa / PAGE);
    let p = this.page(pfn);
    if (p === undefined) {
      if (v === 0) return;
      p = new Uint32Array(PAGE / 4);
      this.pages.set(pfn, p);
    }
    p[(pa % PAGE) >>> 2] = v;
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
