/**
 * What every bit of a paging-structure entry is to the walk at its level, in
 * its mode: a named field, a reserved bit (and which part of the walk's mask
 * reserves it), or a bit the walk ignores (and why). The reserved bits are
 * exactly `rsvdMask(f, level, lo)` split by `rsvdParts`; leaf or table comes
 * from `isLeaf`; the frame bits from the format's own `leafBase`/`tableBase`;
 * so this can never disagree with the walker (SDM vol. 3 tables 4-4..4-20,
 * §28.2.2 / §29.3.2; KVM paging_tmpl.h FNAME(walk_addr_generic) with
 * is_rsvd_bits_set).
 */
import { TWO32, bit64 } from './bits';
import { isLeaf, pageSize, pse36Width, rsvdParts, type PagingFormat, type RsvdWhy } from './formats';

export type BitRoleKind = 'field' | 'reserved' | 'ignored';

export interface BitRole {
  role: BitRoleKind;
  /**
   * field: its name (P, R/W, Address, PA 39:32, MT, …). reserved/ignored: the
   * name the bit has where the walk uses it (XD, PS, PK, A, D, UX), or ''.
   */
  name: string;
  /** reserved/ignored: why, in a few words ("EFER.NXE=0", "above MAXPHYADDR 46"); '' for a field. */
  reason: string;
  /** reserved: the component of the walk's mask that reserves it. */
  why: RsvdWhy | null;
}

/**
 * Mode inputs that change what a bit means but not the format (the walk reads
 * them from its WalkConfig): CR4.PKE in 4/5-level paging, which makes bits
 * 62:59 of a leaf its protection key (SDM §4.6.2); EPTP bit 6, which makes
 * EPT bits 8/9 the accessed/dirty flags (SDM §28.3.5 / §29.3.5).
 */
export interface DecodeContext {
  pke: boolean;
  eptAd: boolean;
}

/** The decode context of a compiled walk (compile.ts): the same flags the walker uses. */
export const decodeContext = (cfg: { pke: boolean; eptAd: boolean }): DecodeContext => ({ pke: cfg.pke, eptAd: cfg.eptAd });

const SIZES: Record<number, string> = { 21: '2 MiB', 22: '4 MiB', 30: '1 GiB' };

/** Words for a reserved-mask component at `level` of `f`. */
export function reservedReason(f: PagingFormat, level: number, why: RsvdWhy): string {
  const L = f.levels[level];
  switch (why) {
    case 'maxphyaddr':
      return `above MAXPHYADDR ${f.maxphyaddr}`;
    case 'nxe':
      return 'EFER.NXE=0';
    case 'gbpages':
      return '1 GiB pages are not supported';
    case 'ps':
      return `PS is reserved in ${/^[AEIOU]/.test(L.name) ? 'an' : 'a'} ${L.name}E`;
    case 'align': {
      const size = SIZES[L.shift] ?? `${pageSize(f, level)}-byte`;
      return `a ${size} page frame must be ${size}-aligned`;
    }
    case 'pse36':
      return `PSE-36 width: M′ = ${pse36Width(f.maxphyaddr)}`;
    case 'pdpte':
      return 'PDPTE register';
    case 'ept-nonleaf':
      return 'reserved in a non-leaf EPT entry';
  }
}

/** Where an entry's frame sits: bits read in place (bit b = PA bit b), and bits holding PA bits 32+ elsewhere (PSE-36). */
interface FrameBits {
  inPlace: number[];
  /** Entry bits (ascending) that hold PA bits 32, 33, … */
  high: number[];
}

const frameCache = new WeakMap<PagingFormat, Map<string, FrameBits>>();

/**
 * The frame bits of a leaf or table entry at `level`, found by asking the
 * format's own leafBase/tableBase (the functions the walker's flat masks are
 * checked against) what each single bit contributes.
 */
function frameBits(f: PagingFormat, level: number, leaf: boolean): FrameBits {
  let m = frameCache.get(f);
  if (m === undefined) frameCache.set(f, (m = new Map()));
  const key = `${level}/${+leaf}`;
  let r = m.get(key);
  if (r !== undefined) return r;
  const ps = leaf && level > 1 ? 0x80 : 0;
  const base = (lo: number, hi: number) => (leaf ? f.leafBase(lo | ps, hi, level) : f.tableBase(lo | ps, hi));
  const zero = base(0, 0);
  r = { inPlace: [], high: [] };
  for (let b = 0; b < f.entryBytes * 8; b++) {
    if (b === 7 && ps) continue;
    const d = base(b < 32 ? (1 << b) >>> 0 : 0, b < 32 ? 0 : (1 << (b - 32)) >>> 0) - zero;
    if (d === 2 ** b) r.inPlace.push(b);
    else if (d >= TWO32) r.high.push(b);
  }
  m.set(key, r);
  return r;
}

const field = (name: string): BitRole => ({ role: 'field', name, reason: '', why: null });
const ignored = (reason: string, name = ''): BitRole => ({ role: 'ignored', name, reason, why: null });

const SOFTWARE = 'available to software';
const NOT_LEAF = 'not a leaf';

/** The layout of a present x86 entry before the reserved mask is applied. */
function x86Layout(f: PagingFormat, level: number, leaf: boolean, ctx: DecodeContext, r: BitRole[]): void {
  const L = f.levels[level];
  r[0] = field('P');
  if (L.register) {
    // A PAE PDPTE register: P, PWT, PCD and the page-directory address (SDM table 4-8).
    r[3] = field('PWT');
    r[4] = field('PCD');
    return;
  }
  r[1] = field('R/W');
  r[2] = field('U/S');
  r[3] = field('PWT');
  r[4] = field('PCD');
  r[5] = field('A');
  r[6] = leaf ? field('D') : ignored(NOT_LEAF);
  // Bit 7: PAT in a PTE; PS where it can select a page; else what the level does with it.
  if (level === 1) r[7] = field('PAT');
  else if (L.psLeaf) r[7] = field('PS');
  else r[7] = ignored(f.entryBytes === 4 ? 'CR4.PSE=0' : 'not a page-size bit here', 'PS');
  r[8] = leaf ? field('G') : ignored(NOT_LEAF);
  if (leaf && level > 1) r[12] = field('PAT');
  if (f.entryBytes === 8) {
    // Protection keys exist only with 64-bit linear addresses (SDM §4.6.2).
    if (leaf && f.addressBits > 32) for (let b = 59; b <= 62; b++) r[b] = ctx.pke ? field('PK') : ignored('CR4.PKE=0', 'PK');
    r[63] = field('XD');
  }
}

/** The layout of a present EPT entry before the reserved mask is applied (SDM table 29-1..29-6). */
function eptLayout(f: PagingFormat, level: number, leaf: boolean, ctx: DecodeContext, r: BitRole[]): void {
  r[0] = field('R');
  r[1] = field('W');
  r[2] = field('X');
  if (leaf) {
    for (let b = 3; b <= 5; b++) r[b] = field('MT');
    r[6] = field('IPAT');
  }
  if (level > 1) r[7] = f.levels[level].psLeaf ? field('PS') : ignored('not a page-size bit here', 'PS');
  r[8] = ctx.eptAd ? field('A') : ignored('EPT A/D off', 'A');
  if (leaf) r[9] = ctx.eptAd ? field('D') : ignored('EPT A/D off', 'D');
  r[10] = ignored('MBEC off', 'UX');
  if (leaf) r[63] = field('SVE');
}

/**
 * The role of every bit (index = bit number, 32 or 64 of them) of an entry
 * at `level` of `f` whose low half is `lo`, as the walk reads it (roles
 * depend only on the present bits and bit 7):
 * - not present: the present bits are fields, every other bit is ignored;
 * - present: bit 7 picks the layout and the reserved mask exactly as the
 *   walk does (KVM's get_rsvd_bits); each bit of `rsvdMask` is reserved with
 *   the reason of its mask component; the frame bits below the reserved ones
 *   are the Address (and, in a 32-bit 4 MiB PDE, "PA (M′−1):32"); named
 *   flags are fields unless the mode switches them off (PK without CR4.PKE,
 *   EPT A/D without EPTP[6], UX without MBEC); the rest is ignored.
 */
export function bitRoles(f: PagingFormat, level: number, lo: number, ctx: DecodeContext): BitRole[] {
  const width = f.entryBytes * 8;
  const r: BitRole[] = [];
  for (let b = 0; b < width; b++) r.push(ignored(SOFTWARE));
  if ((lo & f.presentMask) === 0) {
    const x86 = f.kind === 'x86';
    for (let b = 0; b < width; b++) r[b] = ignored(x86 ? 'not present (P=0)' : 'not present (R=W=X=0)');
    if (x86) r[0] = field('P');
    else [r[0], r[1], r[2]] = [field('R'), field('W'), field('X')];
    return r;
  }
  const leaf = isLeaf(f, level, lo);
  const frame = frameBits(f, level, leaf);
  for (const b of frame.inPlace) r[b] = field('Address');
  if (f.kind === 'x86') x86Layout(f, level, leaf, ctx, r);
  else eptLayout(f, level, leaf, ctx, r);
  for (const p of rsvdParts(f, level, lo)) {
    const reason = reservedReason(f, level, p.why);
    for (let b = 0; b < width; b++) {
      if (!bit64(p.mask.lo, p.mask.hi, b)) continue;
      // Keep a flag's name (XD, PS) so "XD = 1" reads as "bit 63 (XD): reserved".
      const name = r[b].name === 'Address' ? '' : r[b].name;
      r[b] = { role: 'reserved', name, reason, why: p.why };
    }
  }
  // PSE-36: the bits that survive the mask hold PA bits 32 and up.
  const high = frame.high.filter((b) => r[b].role !== 'reserved');
  const name = high.length === 1 ? 'PA 32' : `PA ${31 + high.length}:32`;
  for (const b of high) r[b] = field(name);
  return r;
}
