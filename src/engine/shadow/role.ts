/**
 * KVM's `union kvm_mmu_page_role` as a 32-bit word with the same bit layout
 * (arch/x86/include/asm/kvm_host.h), so a shadow page's key is (gfn, word)
 * exactly as in kvm_mmu_find_shadow_page. Only the fields Pagoda's modes use
 * are given meaning; `invalid` is kept out of comparisons (a zapped page is
 * skipped by lookups, never matched).
 */

/** ACC_* bits of a role and of an SPTE's shadowed access: X=1, W=2, U=4 (KVM's ACC_EXEC/WRITE/USER). */
export const ACC_X = 1;
export const ACC_W = 2;
export const ACC_U = 4;
export const ACC_ALL = 7;

export interface Role {
  level: number;
  has4ByteGpte: boolean;
  quadrant: number;
  direct: boolean;
  access: number;
  invalid: boolean;
  eferNx: boolean;
  cr0Wp: boolean;
  smepAndNotWp: boolean;
  smapAndNotWp: boolean;
  adDisabled: boolean;
  guestMode: boolean;
}

const LEVEL = 0xf;
const HAS4 = 1 << 4;
const QUAD_SHIFT = 5;
const DIRECT = 1 << 7;
const ACC_SHIFT = 8;
export const ROLE_INVALID = 1 << 11;
const EFER_NX = 1 << 12;
const CR0_WP = 1 << 13;
const SMEP_ANDNOT_WP = 1 << 14;
const SMAP_ANDNOT_WP = 1 << 15;
const AD_DISABLED = 1 << 16;
const GUEST_MODE = 1 << 17;

/** Pack a role into its word (the layout of union kvm_mmu_page_role). */
export function encodeRole(r: Role): number {
  return (
    ((r.level & LEVEL) |
      (r.has4ByteGpte ? HAS4 : 0) |
      ((r.quadrant & 3) << QUAD_SHIFT) |
      (r.direct ? DIRECT : 0) |
      ((r.access & 7) << ACC_SHIFT) |
      (r.invalid ? ROLE_INVALID : 0) |
      (r.eferNx ? EFER_NX : 0) |
      (r.cr0Wp ? CR0_WP : 0) |
      (r.smepAndNotWp ? SMEP_ANDNOT_WP : 0) |
      (r.smapAndNotWp ? SMAP_ANDNOT_WP : 0) |
      (r.adDisabled ? AD_DISABLED : 0) |
      (r.guestMode ? GUEST_MODE : 0)) >>>
    0
  );
}

export function decodeRole(w: number): Role {
  return {
    level: w & LEVEL,
    has4ByteGpte: (w & HAS4) !== 0,
    quadrant: (w >>> QUAD_SHIFT) & 3,
    direct: (w & DIRECT) !== 0,
    access: (w >>> ACC_SHIFT) & 7,
    invalid: (w & ROLE_INVALID) !== 0,
    eferNx: (w & EFER_NX) !== 0,
    cr0Wp: (w & CR0_WP) !== 0,
    smepAndNotWp: (w & SMEP_ANDNOT_WP) !== 0,
    smapAndNotWp: (w & SMAP_ANDNOT_WP) !== 0,
    adDisabled: (w & AD_DISABLED) !== 0,
    guestMode: (w & GUEST_MODE) !== 0,
  };
}

export const roleLevel = (w: number): number => w & LEVEL;
export const roleDirect = (w: number): boolean => (w & DIRECT) !== 0;
export const roleAccess = (w: number): number => (w >>> ACC_SHIFT) & 7;
export const roleQuadrant = (w: number): number => (w >>> QUAD_SHIFT) & 3;
export const roleHas4Byte = (w: number): boolean => (w & HAS4) !== 0;

/**
 * The role of a child page (kvm_mmu_child_role): the parent's role one level
 * down with the given access and direct flag; with 4-byte guest PTEs the
 * child shadows half of a 4 MiB guest table, `quadrant` = parent index & 1.
 */
export function childRole(parent: number, direct: boolean, access: number, parentIndex: number): number {
  let w = parent & ~(LEVEL | DIRECT | (7 << ACC_SHIFT) | (3 << QUAD_SHIFT) | ROLE_INVALID);
  w |= ((parent & LEVEL) - 1) | (direct ? DIRECT : 0) | ((access & 7) << ACC_SHIFT);
  if ((parent & HAS4) !== 0) w |= (parentIndex & 1) << QUAD_SHIFT;
  return w >>> 0;
}

/** Replace the level and quadrant of a role word (roots of a PAE shadow). */
export function withLevelQuadrant(w: number, level: number, quadrant: number): number {
  return ((w & ~(LEVEL | (3 << QUAD_SHIFT))) | (level & LEVEL) | ((quadrant & 3) << QUAD_SHIFT)) >>> 0;
}

/** "x86 rights" as text: e.g. "uwx", "-w-", for the ACC_* bits. */
export function accText(acc: number): string {
  return `${acc & ACC_U ? 'u' : 's'}${acc & ACC_W ? 'w' : 'r'}${acc & ACC_X ? 'x' : '-'}`;
}

/** One-line summary of a role, for the UI's shadow-page list. */
export function roleText(w: number): string {
  const r = decodeRole(w);
  const parts = [`L${r.level}`, r.direct ? 'direct' : 'shadows guest table', `access ${accText(r.access)}`];
  if (r.has4ByteGpte) parts.push(`4-byte gptes, quadrant ${r.quadrant}`);
  if (!r.cr0Wp) parts.push('cr0.wp=0');
  if (r.smepAndNotWp) parts.push('smep&!wp');
  if (r.smapAndNotWp) parts.push('smap&!wp');
  if (r.guestMode) parts.push('guest_mode');
  if (r.adDisabled) parts.push('ad_disabled');
  if (r.invalid) parts.push('invalid');
  return parts.join(', ');
}
