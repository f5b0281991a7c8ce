/**
 * Physical memory backed by a dump file, read lazily: a page is read (4 KiB
 * through the source's read callback) the first time a walk or a view touches
 * it, then kept in a bounded cache. Pages outside every segment read as 0, as
 * the Memory contract says. Read-only: it has no write32, so Walker.commit()
 * refuses and A/D updates stay in the walker's `pending`.
 */
import { isZeroPage, zeroPage, type Memory } from '../memory';
import type { ByteSource } from './source';

const PAGE = 4096;
/** Direct-mapped page-lookup cache slots (as PhysMem's). */
const CACHE = 1024;
const slotOf = (pa: number): number =>
  ((pa >>> 12) ^ (Math.imul((pa * 2.3283064365386963e-10) | 0, 0x9e3779b1) >>> 22)) & (CACHE - 1);

// Pages are copied byte for byte into Uint32Arrays, which read in host order.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('file-memory: a little-endian host is required');

/** A run of guest-physical memory in the file: [pa, pa + memSize); the first fileSize bytes are at `offset`. */
export interface PhysRange {
  pa: number;
  memSize: number;
  fileSize: number;
  offset: number;
}

export interface FileMemoryOptions {
  /** Pages kept in memory at most (default 65,536 = 256 MiB); the oldest go first. */
  maxPages?: number;
}

export class FileMemory implements Memory {
  /** Ranges sorted by address, not overlapping. */
  readonly ranges: readonly PhysRange[];
  private readonly starts: Float64Array;
  private readonly pages = new Map<number, Uint32Array>();
  private readonly maxPages: number;
  private cacheKey = new Float64Array(CACHE).fill(-1);
  private cachePage: Uint32Array[] = new Array<Uint32Array>(CACHE).fill(zeroPage());
  /** Pages read from the source so far (a measure of laziness). */
  pagesRead = 0;

  constructor(
    private readonly src: ByteSource,
    ranges: PhysRange[],
    opts: FileMemoryOptions = {},
  ) {
    const sorted = ranges.filter((r) => r.memSize > 0).sort((a, b) => a.pa - b.pa);
    for (let i = 1; i < sorted.length; i++) {
      const p = sorted[i - 1];
      if (p.pa + p.memSize > sorted[i].pa) throw new Error(`file-memory: ranges at 0x${p.pa.toString(16)} and 0x${sorted[i].pa.toString(16)} overlap`);
    }
    this.ranges = sorted;
    this.starts = Float64Array.from(sorted, (r) => r.pa);
    this.maxPages = Math.max(16, opts.maxPages ?? 65536);
  }

  /** Index of the last range starting at or below `pa`, or -1 (binary search). */
  private lastAtOrBelow(pa: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= pa) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** The range holding `pa`, or -1. */
  rangeIndex(pa: number): number {
    const i = this.lastAtOrBelow(pa);
    return i >= 0 && pa < this.starts[i] + this.ranges[i].memSize ? i : -1;
  }

  /** Is `pa` inside the dumped memory? */
  contains(pa: number): boolean {
    return this.rangeIndex(pa) >= 0;
  }

  pageAt(pa: number): Uint32Array {
    const key = pa - (pa & (PAGE - 1));
    const slot = slotOf(pa);
    if (this.cacheKey[slot] === key) return this.cachePage[slot];
    const p = this.load(key);
    this.cacheKey[slot] = key;
    this.cachePage[slot] = p;
    return p;
  }

  read32(pa: number): number {
    return this.pageAt(pa)[(pa >>> 2) & 1023];
  }

  /** The page at page-aligned `key`, from the map or the source. */
  private load(key: number): Uint32Array {
    const pfn = key / PAGE;
    const have = this.pages.get(pfn);
    if (have !== undefined) return have;
    const page = this.readPage(key);
    if (isZeroPage(page)) return page;
    if (this.pages.size >= this.maxPages) {
      // Drop the oldest. Whoever still holds it (the lookup slots, a walker's
      // per-level page) keeps valid contents: a dump never changes.
      const first = this.pages.keys().next().value as number;
      this.pages.delete(first);
    }
    this.pages.set(pfn, page);
    return page;
  }

  /** Copy one page from the file: usually one read; pieces where segments start or end inside it. */
  private readPage(key: number): Uint32Array {
    let words: Uint32Array | null = null;
    let bytes: Uint8Array | null = null;
    // The first range ending after the page starts: the one holding it, or the next.
    let i = this.lastAtOrBelow(key);
    if (i < 0 || key >= this.starts[i] + this.ranges[i].memSize) i++;
    for (; i < this.ranges.length; i++) {
      const r = this.ranges[i];
      if (r.pa >= key + PAGE) break;
      const from = Math.max(key, r.pa);
      const to = Math.min(key + PAGE, r.pa + r.fileSize);
      if (to <= from) continue;
      const chunk = this.src.read(r.offset + (from - r.pa), to - from);
      if (words === null) {
        words = new Uint32Array(PAGE / 4);
        bytes = new Uint8Array(words.buffer);
      }
      bytes!.set(chunk.subarray(0, to - from), from - key);
    }
    if (words === null) return zeroPage();
    this.pagesRead++;
    return words;
  }

  /** Pages held in the cache now. */
  cachedPages(): number {
    return this.pages.size;
  }
}
