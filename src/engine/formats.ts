/**
 * Paging-structure formats as data, the way KVM's paging_tmpl.h is one walker
 * parameterised three times (PTTYPE 32, 64, EPT). A format says how many
 * levels there are, which address bits index each level, the entry width,
 * which bits mean present / accessed / dirty / page size, how rights decode,
 * and the reserved-bit masks per level and per page size — KVM's
 * rsvd_bits_mask[bit 7][level-1] (mmu.c: __reset_rsvds_bits_mask and
 * __reset_rsvds_bits_mask_ept; SDM vol. 3 §4.3–4.5, §28.2.2/§29.3.2).
 */
import { TWO32, bitRange, or64, type U64 } from './bits';

export type GuestPaging = '32' | 'pae' | '4' | '5';
export type FormatKind = 'x86' | 'ept';

export interface LevelFormat {
  /** KVM's level number: 1 is the page table, the root level is the largest. */
  level: number;
  /** Structure name: PML5, PML4, PDPT, PD, PT; "EPT PD" etc. for EPT. */
  name: string;
  /** Lowest address bit of this level's index, and the index width. */
  shift: number;
  bits: number;
  /** Does bit 7 select a leaf here (PS)? False where it is PAT, ignored or reserved. */
  psLeaf: boolean;
  /** Reserved bits: [0] when bit 7 is clear (or not a PS bit here), [1] when set. The OR of `rsvdParts`. */
  rsvd: [U64, U64];
  /**
   * The same masks kept as their named components (disjoint), so a decoder
   * can say why a bit is reserved: KVM builds rsvd_bits_mask from the same
   * pieces (its H, N, G and alignment terms).
   */
  rsvdParts: [RsvdPart[], RsvdPart[]];
  /** Low-half mask that keeps a leaf's frame bits (aligned to its page size). */
  frameLoMask: number;
  /** Entries of this level are PAE PDPTE registers: no rights, no A flag, #GP on reserved bits. */
  register: boolean;
}

/**
 * Where a reserved bit comes from (SDM vol. 3 §4.3–4.5 reserved-bit notes;
 * KVM __reset_rsvds_bits_mask / __reset_rsvds_bits_mask_ept):
 * - maxphyaddr: a physical-address bit at or above MAXPHYADDR (KVM's H);
 * - nxe: bit 63 (XD) with EFER.NXE=0 (KVM's N);
 * - gbpages: PS=1 in a PDPTE without 1 GiB pages (KVM's G);
 * - ps: bit 7 of a PML4E/PML5E (or EPT PML4E/PML5E), which cannot map a page;
 * - align: the low frame bits of a large page, which must be size-aligned;
 * - pse36: 32-bit 4 MiB PDE bits 21:(M′−19), beyond the PSE-36 width M′;
 * - pdpte: bits a PAE PDPTE register reserves (2:1, 8:5, 63);
 * - ept-nonleaf: EPT bits 6:3 (memory type, ignore-PAT) of an entry that points to a table.
 */
export type RsvdWhy = 'maxphyaddr' | 'nxe' | 'gbpages' | 'ps' | 'align' | 'pse36' | 'pdpte' | 'ept-nonleaf';

export interface RsvdPart {
  why: RsvdWhy;
  mask: U64;
}

export interface PagingFormat {
  id: string;
  kind: FormatKind;
  /** The MAXPHYADDR the masks were built for (guest's, or the host's for EPT). */
  maxphyaddr: number;
  /** Entry width in bytes: 4 for 32-bit paging, else 8. */
  entryBytes: 4 | 8;
  rootLevel: number;
  /** Width of the addresses it translates: 32 (32-bit, PAE), 48 or 57. */
  addressBits: number;
  /** Indexed by level (index 0 unused). */
  levels: LevelFormat[];
  /** An entry is present when (low half & presentMask) != 0. */
  presentMask: number;
  accessedMask: number;
  dirtyMask: number;
  /**
   * Rights of one entry as 3 bits that AND across levels. x86: X=1 (XD
   * inverted, as KVM xors the NX bit), W=2, U=4. EPT: R=1, W=2, X=4.
   */
  rights(lo: number, hi: number): number;
  /** Physical base of the page a leaf at `level` maps. */
  leafBase(lo: number, hi: number, level: number): number;
  /** Physical base of the table a non-leaf entry points to. */
  tableBase(lo: number, hi: number): number;
  /** EPT only: a present entry that is misconfigured beyond its reserved bits (bad XWR or memory type). */
  misconfigured: ((lo: number, leaf: boolean) => boolean) | null;
}

export interface GuestFormatOptions {
  paging: GuestPaging;
  maxphyaddr: number;
  nxe: boolean;
  gbpages: boolean;
  pse: boolean;
}

export interface EptFormatOptions {
  levels: 4 | 5;
  maxphyaddr: number;
  execonly: boolean;
}

const NONE: U64 = { lo: 0, hi: 0 };
const BIT7 = bitRange(7, 7);
const BIT63 = bitRange(63, 63);
const X86_NAMES = ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'];
const FRAME_LO = 0xfffff000;

/** Physical-address bits at or above M, up to `top` (51 for 64-bit formats, 62 for PAE). */
const highRsvd = (m: number, top: number): U64 => (m <= top ? bitRange(top, m) : NONE);

const frame52 = (lo: number, hi: number, loMask: number): number =>
  (hi & 0xfffff) * TWO32 + ((lo & loMask) >>> 0);

function sizeLoMask(shift: number): number {
  // Keep bits 31:shift of the low half (frames of large pages are size-aligned).
  return shift >= 32 ? 0 : (FRAME_LO & ~((2 ** shift - 1) | 0)) >>> 0;
}

/** A named mask component; empty masks are dropped. */
const part = (why: RsvdWhy, mask: U64): RsvdPart[] => (mask.lo === 0 && mask.hi === 0 ? [] : [{ why, mask }]);

const orParts = (ps: RsvdPart[]): U64 => ps.reduce((m, p) => or64(m, p.mask), NONE);

function level(
  lvl: number,
  name: string,
  shift: number,
  bits: number,
  psLeaf: boolean,
  rsvd0: RsvdPart[],
  rsvd1: RsvdPart[],
  register = false,
): LevelFormat {
  return {
    level: lvl,
    name,
    shift,
    bits,
    psLeaf,
    rsvd: [orParts(rsvd0), orParts(rsvd1)],
    rsvdParts: [rsvd0, rsvd1],
    frameLoMask: sizeLoMask(shift),
    register,
  };
}

const x86Rights = (nx: boolean) =>
  nx ? (lo: number, hi: number) => (lo & 6) | (~hi >>> 31) : (lo: number) => (lo & 6) | 1;

function long(o: GuestFormatOptions, depth: 4 | 5): PagingFormat {
  // KVM's H (bits 51:M) and N (bit 63 without NXE), folded together there.
  const h = [...part('maxphyaddr', highRsvd(o.maxphyaddr, 51)), ...part('nxe', o.nxe ? NONE : BIT63)];
  const g = part('gbpages', o.gbpages ? NONE : BIT7);
  const levels: LevelFormat[] = [undefined as unknown as LevelFormat];
  levels[1] = level(1, 'PT', 12, 9, false, h, h);
  levels[2] = level(2, 'PD', 21, 9, true, h, [...h, ...part('align', bitRange(20, 13))]);
  levels[3] = level(3, 'PDPT', 30, 9, true, h, [...h, ...g, ...part('align', bitRange(29, 13))]);
  const ps = [...h, ...part('ps', BIT7)];
  for (let l = 4; l <= depth; l++) levels[l] = level(l, X86_NAMES[l], 12 + 9 * (l - 1), 9, false, ps, ps);
  return x86Format(`${depth}`, 8, depth, levels, o.nxe, o.maxphyaddr);
}

function pae(o: GuestFormatOptions): PagingFormat {
  const h = [...part('maxphyaddr', highRsvd(o.maxphyaddr, 62)), ...part('nxe', o.nxe ? NONE : BIT63)];
  // A PDPTE reserves 63:M (no XD), 8:5 and 2:1; bit 63 is kept apart from the MAXPHYADDR part.
  const pdpte = [...part('maxphyaddr', highRsvd(o.maxphyaddr, 62)), ...part('pdpte', or64(or64(BIT63, bitRange(8, 5)), bitRange(2, 1)))];
  const levels: LevelFormat[] = [undefined as unknown as LevelFormat];
  levels[1] = level(1, 'PT', 12, 9, false, h, h);
  levels[2] = level(2, 'PD', 21, 9, true, h, [...h, ...part('align', bitRange(20, 13))]);
  levels[3] = level(3, 'PDPTE', 30, 2, false, pdpte, pdpte, true);
  return x86Format('pae', 8, 3, levels, o.nxe, o.maxphyaddr);
}

/** M′ of SDM §4.3: the physical-address width a 4 MiB PDE can express. */
export const pse36Width = (maxphyaddr: number): number => Math.max(32, Math.min(maxphyaddr, 40));

function bits32(o: GuestFormatOptions): PagingFormat {
  const m = pse36Width(o.maxphyaddr);
  // A 4 MiB PDE reserves bits 21:(M′−19); its bits (M′−20):13 hold PA bits (M′−1):32.
  const big = part('pse36', o.pse ? bitRange(21, m - 19) : NONE);
  const levels: LevelFormat[] = [undefined as unknown as LevelFormat];
  levels[1] = level(1, 'PT', 12, 10, false, [], []);
  levels[2] = level(2, 'PD', 22, 10, o.pse, [], big);
  const f = x86Format('32', 4, 2, levels, false, o.maxphyaddr);
  const highMask = m > 32 ? (1 << (m - 32)) - 1 : 0;
  f.leafBase = (lo, _hi, lvl) =>
    lvl === 1 ? (lo & FRAME_LO) >>> 0 : ((lo >>> 13) & highMask) * TWO32 + ((lo & 0xffc00000) >>> 0);
  f.tableBase = (lo) => (lo & FRAME_LO) >>> 0;
  return f;
}

function x86Format(id: string, entryBytes: 4 | 8, rootLevel: number, levels: LevelFormat[], nx: boolean, maxphyaddr: number): PagingFormat {
  return {
    id,
    kind: 'x86',
    maxphyaddr,
    entryBytes,
    rootLevel,
    addressBits: rootLevel >= 4 ? 12 + 9 * rootLevel : 32,
    levels,
    presentMask: 1,
    accessedMask: 0x20,
    dirtyMask: 0x40,
    rights: x86Rights(nx),
    leafBase: (lo, hi, lvl) => frame52(lo, hi, levels[lvl].frameLoMask),
    tableBase: (lo, hi) => frame52(lo, hi, FRAME_LO),
    misconfigured: null,
  };
}

/** Memory types 2, 3 and 7 are reserved in an EPT leaf (SDM §28.2.3.1 / §29.3.3.1). */
const BAD_MEMTYPE = (1 << 2) | (1 << 3) | (1 << 7);

function ept(o: EptFormatOptions): PagingFormat {
  const h = part('maxphyaddr', highRsvd(o.maxphyaddr, 51));
  const levels: LevelFormat[] = [undefined as unknown as LevelFormat];
  const name = (l: number) => 'EPT ' + X86_NAMES[l];
  // No PAT bit in EPT: large-page alignment starts at bit 12.
  const nonLeaf = [...h, ...part('ept-nonleaf', bitRange(6, 3))];
  levels[1] = level(1, name(1), 12, 9, false, h, h);
  levels[2] = level(2, name(2), 21, 9, true, nonLeaf, [...h, ...part('align', bitRange(20, 12))]);
  levels[3] = level(3, name(3), 30, 9, true, nonLeaf, [...h, ...part('align', bitRange(29, 12))]);
  const top = [...nonLeaf, ...part('ps', BIT7)];
  for (let l = 4; l <= o.levels; l++) levels[l] = level(l, name(l), 12 + 9 * (l - 1), 9, false, top, top);
  const execonly = o.execonly;
  return {
    id: `ept${o.levels}`,
    kind: 'ept',
    maxphyaddr: o.maxphyaddr,
    entryBytes: 8,
    rootLevel: o.levels,
    addressBits: 12 + 9 * o.levels,
    levels,
    presentMask: 7,
    accessedMask: 0x100,
    dirtyMask: 0x200,
    rights: (lo) => lo & 7,
    leafBase: (lo, hi, lvl) => frame52(lo, hi, levels[lvl].frameLoMask),
    tableBase: (lo, hi) => frame52(lo, hi, FRAME_LO),
    // KVM's bad_mt_xwr: write-only or write+execute, execute-only without support, bad memory type.
    misconfigured: (lo, leaf) => {
      const xwr = lo & 7;
      if (xwr === 2 || xwr === 6 || (xwr === 4 && !execonly)) return true;
      return leaf && ((BAD_MEMTYPE >>> ((lo >>> 3) & 7)) & 1) === 1;
    },
  };
}

const cache = new Map<string, PagingFormat>();

function cached(key: string, make: () => PagingFormat): PagingFormat {
  let f = cache.get(key);
  if (f === undefined) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

/** The guest paging format for a CPU state (only the inputs that change it). */
export function guestFormat(o: GuestFormatOptions): PagingFormat {
  const key = `${o.paging}/${o.maxphyaddr}/${+o.nxe}/${+o.gbpages}/${+o.pse}`;
  return cached(key, () => {
    switch (o.paging) {
      case '32':
        return bits32(o);
      case 'pae':
        return pae(o);
      case '4':
        return long(o, 4);
      case '5':
        return long(o, 5);
    }
  });
}

export function eptFormat(o: EptFormatOptions): PagingFormat {
  return cached(`ept${o.levels}/${o.maxphyaddr}/${+o.execonly}`, () => ept(o));
}

/** KVM's get_rsvd_bits() index: bit 7 where it is a PS bit, else 0. */
const rsvdIndex = (L: LevelFormat, lo: number): 0 | 1 => (L.psLeaf ? ((lo >>> 7) & 1) as 0 | 1 : 0);

/**
 * Which reserved mask applies: KVM's get_rsvd_bits() indexes by bit 7. Where
 * bit 7 is not a PS bit the [0] mask already holds what that level reserves
 * (bit 7 itself in a PML4E/PML5E), and 32-bit paging without PSE ignores it.
 */
export const rsvdMask = (f: PagingFormat, lvl: number, lo: number): U64 => f.levels[lvl].rsvd[rsvdIndex(f.levels[lvl], lo)];

/** The named components of `rsvdMask(f, lvl, lo)`, chosen by the same bit-7 rule (for explaining reserved bits). */
export const rsvdParts = (f: PagingFormat, lvl: number, lo: number): readonly RsvdPart[] => f.levels[lvl].rsvdParts[rsvdIndex(f.levels[lvl], lo)];

/**
 * Does a present entry fault as reserved (x86 RSVD, or an EPT
 * misconfiguration): a reserved bit for its level and page size, or EPT's bad
 * XWR / memory type (KVM's is_rsvd_bits_set with bad_mt_xwr)?
 */
export function isReserved(f: PagingFormat, lvl: number, lo: number, hi: number): boolean {
  const r = rsvdMask(f, lvl, lo);
  return (lo & r.lo) !== 0 || (hi & r.hi) !== 0 || (f.misconfigured !== null && f.misconfigured(lo, isLeaf(f, lvl, lo)));
}

/** Is an entry at `lvl` a leaf? Level 1 always is; above it, only where bit 7 is PS and set. */
export const isLeaf = (f: PagingFormat, lvl: number, lo: number): boolean =>
  lvl === 1 || (f.levels[lvl].psLeaf && (lo & 0x80) !== 0);

/** Bytes mapped by a leaf at `lvl`. */
export const pageSize = (f: PagingFormat, lvl: number): number => 2 ** f.levels[lvl].shift;
