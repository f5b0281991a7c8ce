/**
 * Scenario builders: allocate tables and map pages of any size in any format
 * (guest or EPT), walking the same format descriptors as the walker, so one
 * function builds 32-bit, PAE, 4/5-level and EPT trees alike.
 */
import { TWO32, type U64 } from './bits';
import { eptFormat, guestFormat, type PagingFormat } from './formats';
import { PhysMem } from './memory';
import type { CpuState, EptState, Scenario } from './scenario';

export const KiB4 = 4096;
export const MiB2 = 2 ** 21;
export const MiB4 = 2 ** 22;
export const GiB1 = 2 ** 30;
export type PageSizeBytes = typeof KiB4 | typeof MiB2 | typeof MiB4 | typeof GiB1;

/** A bump allocator of zeroed 4 KiB pages in physical memory. */
export class PageAllocator {
  constructor(
    public next: number,
    private readonly limit = 2 ** 52,
  ) {
    if (next % KiB4 !== 0) throw new RangeError('allocator base must be 4 KiB aligned');
  }
  alloc(): number {
    if (this.next + KiB4 > this.limit) throw new RangeError('out of table memory');
    const pa = this.next;
    this.next += KiB4;
    return pa;
  }
}

/** Leaf and table flags of an x86 paging entry. */
export interface PageFlags {
  w?: boolean;
  u?: boolean;
  nx?: boolean;
  a?: boolean;
  d?: boolean;
  g?: boolean;
  pwt?: boolean;
  pcd?: boolean;
  pkey?: number;
}

/** Flags of an EPT entry. */
export interface EptFlags {
  r?: boolean;
  w?: boolean;
  x?: boolean;
  memtype?: number;
  ipat?: boolean;
  a?: boolean;
  d?: boolean;
}

/** Low/high halves of an x86 entry's flags (without frame or PS). */
export function x86Bits(f: PageFlags): U64 {
  const lo =
    1 |
    (f.w ? 2 : 0) |
    (f.u ? 4 : 0) |
    (f.pwt ? 8 : 0) |
    (f.pcd ? 16 : 0) |
    (f.a ? 0x20 : 0) |
    (f.d ? 0x40 : 0) |
    (f.g ? 0x100 : 0);
  const hi = (f.nx ? 0x80000000 : 0) | (((f.pkey ?? 0) & 0xf) << 27);
  return { lo, hi: hi >>> 0 };
}

export function eptBits(f: EptFlags): U64 {
  const lo =
    (f.r ?? true ? 1 : 0) |
    (f.w ?? true ? 2 : 0) |
    (f.x ?? true ? 4 : 0) |
    (((f.memtype ?? 6) & 7) << 3) |
    (f.ipat ? 0x40 : 0) |
    (f.a ? 0x100 : 0) |
    (f.d ? 0x200 : 0);
  return { lo, hi: 0 };
}

/** Encode a frame address into an entry of `f` at `level` (leaf or table). */
export function encodeFrame(f: PagingFormat, level: number, pa: number, leaf: boolean): U64 {
  if (f.entryBytes === 4) {
    if (leaf && level === 2) {
      // 4 MiB PDE: PA bits 31:22 in place, PA bits 39:32 in bits 20:13 (PSE-36/40).
      return { lo: ((pa % TWO32) & 0xffc00000) | ((Math.floor(pa / TWO32) & 0xff) << 13), hi: 0 };
    }
    return { lo: (pa % TWO32) & 0xfffff000, hi: 0 };
  }
  return { lo: (pa % TWO32) & 0xfffff000, hi: Math.floor(pa / TWO32) & 0xfffff };
}

const idx = (f: PagingFormat, level: number, a: U64): number => {
  const L = f.levels[level];
  const m = (1 << L.bits) - 1;
  if (L.shift >= 32) return (a.hi >>> (L.shift - 32)) & m;
  if (L.shift + L.bits <= 32) return (a.lo >>> L.shift) & m;
  return ((a.lo >>> L.shift) | (a.hi << (32 - L.shift))) & m;
};

function readEntry(f: PagingFormat, mem: PhysMem, pa: number): U64 {
  return { lo: mem.read32(pa), hi: f.entryBytes === 8 ? mem.read32(pa + 4) : 0 };
}

function writeEntry(f: PagingFormat, mem: PhysMem, pa: number, v: U64): void {
  mem.write32(pa, v.lo >>> 0);
  if (f.entryBytes === 8) mem.write32(pa + 4, v.hi >>> 0);
}

/** The level whose leaves map pages of `size` bytes in `f`, or throws. */
export function leafLevelFor(f: PagingFormat, size: number): number {
  for (let l = 1; l <= f.rootLevel; l++) {
    const L = f.levels[l];
    if (2 ** L.shift === size && (l === 1 || L.psLeaf)) return l;
  }
  throw new RangeError(`${f.id} paging cannot map a ${size}-byte page`);
}

/**
 * Map `addr` → `pa` with a leaf of `size` bytes in the tree of `f` at `root`,
 * allocating missing tables with `alloc`. `leaf` holds the leaf's flag bits;
 * tables get `tableLo` (PAE PDPTE registers get P only: their other bits are reserved).
 * `addr` and `pa` must be aligned to `size`. Returns the leaf entry's address.
 */
export function mapInFormat(
  f: PagingFormat,
  mem: PhysMem,
  root: number,
  addr: U64,
  pa: number,
  size: number,
  leaf: U64,
  alloc: () => number,
  tableLo = 7,
): number {
  const leafLevel = leafLevelFor(f, size);
  if (pa % size !== 0) throw new RangeError(`physical address ${pa.toString(16)} is not aligned to the page size`);
  let base = root;
  for (let level = f.rootLevel; ; level--) {
    const ea = base + idx(f, level, addr) * f.entryBytes;
    if (level === leafLevel) {
      const old = readEntry(f, mem, ea);
      if (level > 1 && (old.lo & f.presentMask) !== 0 && !(f.levels[level].psLeaf && old.lo & 0x80)) {
        throw new RangeError(`${f.levels[level].name} entry at 0x${ea.toString(16)} already points to a table`);
      }
      const fr = encodeFrame(f, level, pa, true);
      const ps = level > 1 ? 0x80 : 0;
      writeEntry(f, mem, ea, { lo: (fr.lo | leaf.lo | ps) >>> 0, hi: (fr.hi | leaf.hi) >>> 0 });
      return ea;
    }
    const e = readEntry(f, mem, ea);
    if ((e.lo & f.presentMask) !== 0 && !(f.levels[level].psLeaf && e.lo & 0x80)) {
      base = f.tableBase(e.lo, e.hi);
      continue;
    }
    const t = alloc();
    const fr = encodeFrame(f, level, t, false);
    const lo = f.levels[level].register ? 1 : tableLo;
    writeEntry(f, mem, ea, { lo: (fr.lo | lo) >>> 0, hi: fr.hi });
    base = t;
  }
}

/** Default CPU state: 4-level paging, NXE and WP on, MAXPHYADDR 46. */
export function defaultCpu(over: Partial<CpuState> = {}): CpuState {
  return {
    paging: '4',
    cr3: 0,
    wp: true,
    pse: true,
    nxe: true,
    smep: false,
    smap: false,
    ac: false,
    pke: false,
    pkru: 0,
    maxphyaddr: 46,
    gbpages: true,
    ...over,
  };
}

export const toU64 = (v: U64 | bigint | number): U64 =>
  typeof v === 'bigint'
    ? { lo: Number(v & 0xffffffffn), hi: Number((v >> 32n) & 0xffffffffn) }
    : typeof v === 'number'
      ? { lo: v % TWO32, hi: Math.floor(v / TWO32) }
      : v;

/** Builds a native guest scenario: a root table at `tableBase`, then pages mapped on demand. */
export class ScenarioBuilder {
  readonly mem: PhysMem;
  readonly cpu: CpuState;
  readonly tables: PageAllocator;

  constructor(cpu: Partial<CpuState> = {}, opts: { tableBase?: number; mem?: PhysMem } = {}) {
    this.mem = opts.mem ?? new PhysMem();
    this.tables = new PageAllocator(opts.tableBase ?? 0x1000);
    const root = this.tables.alloc();
    this.cpu = defaultCpu({ ...cpu, cr3: root });
  }

  get format(): PagingFormat {
    return guestFormat(this.cpu);
  }

  /** Map a linear page of `size` bytes to `pa`. Returns the leaf entry's address. */
  map(va: U64 | bigint | number, pa: number, size: PageSizeBytes = KiB4, flags: PageFlags = { w: true, u: true }): number {
    return mapInFormat(this.format, this.mem, this.cpu.cr3, toU64(va), pa, size, x86Bits(flags), () => this.tables.alloc());
  }

  scenario(ept: EptState | null = null): Scenario {
    return { cpu: { ...this.cpu }, ept, memory: this.mem };
  }
}

/** Builds EPT tables in host memory. */
export class EptBuilder {
  readonly state: EptState;
  constructor(
    readonly mem: PhysMem,
    readonly tables: PageAllocator,
    opts: Partial<Omit<EptState, 'root'>> = {},
  ) {
    this.state = { levels: opts.levels ?? 4, root: tables.alloc(), ad: opts.ad ?? false, execonly: opts.execonly ?? false, maxphyaddr: opts.maxphyaddr ?? 46 };
  }
  get format(): PagingFormat {
    return eptFormat(this.state);
  }
  map(gpa: number, hpa: number, size: PageSizeBytes = KiB4, flags: EptFlags = {}): number {
    return mapInFormat(this.format, this.mem, this.state.root, toU64(gpa), hpa, size, eptBits(flags), () => this.tables.alloc());
  }
}
