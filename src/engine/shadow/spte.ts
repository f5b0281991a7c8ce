/**
 * x86-format SPTEs for shadow paging: building a leaf from guest rights and
 * host restrictions (make_spte, spte.c / spte.h) and the check a CPU makes
 * when it walks the shadow tables. Non-leaf SPTEs are P|W|U|A (rights are
 * enforced at the leaf and by role.access), as KVM makes them.
 */
import { ACC_U, ACC_W, ACC_X } from './role';
import { SPTE_PRESENT } from './pages';
import { FETCH, WRITE, type OpCode } from '../walk';

export const X86_P = 0x1;
export const X86_W = 0x2;
export const X86_U = 0x4;
export const X86_A = 0x20;
export const X86_D = 0x40;
/** NX is bit 63: bit 31 of the high half. */
export const X86_NX_HI = 0x80000000;
/** shadow_host_writable_mask (bit 57) and shadow_mmu_writable_mask (bit 58), in the high half. */
export const HOST_WRITABLE_HI = 1 << 25;
export const MMU_WRITABLE_HI = 1 << 26;
/** A non-leaf shadow entry: P|W|U|A plus the MMU-present bit. */
export const X86_NONLEAF_LO = X86_P | X86_W | X86_U | X86_A | SPTE_PRESENT;

const TWO32 = 4294967296;

/**
 * The leaf SPTE for host page `hpa` with final access `acc` (already reduced
 * for clean pages and write protection). NX is always usable in shadow tables
 * (root_role.efer_nx = 1), so a guest without EFER.NX still gets NX SPTEs.
 * The guest's protection key rides in bits 62:59 so the CPU's PKRU check
 * matches the guest's.
 */
export function leafSpte(hpa: number, acc: number, pkey: number, hostWritable: boolean, mmuWritable: boolean): { lo: number; hi: number } {
  const lo = ((hpa % TWO32) & 0xfffff000) | X86_P | X86_A | SPTE_PRESENT | (acc & ACC_W ? X86_W | X86_D : 0) | (acc & ACC_U ? X86_U : 0);
  const hi = (Math.floor(hpa / TWO32) & 0xfffff) | (acc & ACC_X ? 0 : X86_NX_HI) | ((pkey & 15) << 27) | (hostWritable ? HOST_WRITABLE_HI : 0) | (mmuWritable ? MMU_WRITABLE_HI : 0);
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

/** Host-physical page of a leaf SPTE. */
export const spteFrame = (lo: number, hi: number): number => (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);

/** Hardware CPU state that applies to the shadow walk: the guest's CR4 bits, with CR0.WP forced to 1 as KVM runs shadow paging. */
export interface HwState {
  smep: boolean;
  smap: boolean;
  ac: boolean;
  pke: boolean;
  pkru: number;
}

/**
 * Would the CPU allow this access through a leaf SPTE (SDM §4.6 with CR0.WP=1,
 * and PKRU on the SPTE's key)? A denial is a #PF that exits to KVM, which
 * re-walks the guest tables and fixes the SPTE or injects the guest's fault.
 */
export function hwAllows(lo: number, hi: number, op: OpCode, user: boolean, implicit: boolean, s: HwState): boolean {
  const u = (lo & X86_U) !== 0;
  const w = (lo & X86_W) !== 0;
  const nx = (hi & X86_NX_HI) !== 0;
  if (user && !implicit) {
    if (!u || (op === WRITE && !w) || (op === FETCH && nx)) return false;
  } else if (op === FETCH) {
    if (nx || (u && s.smep)) return false;
  } else {
    if (u && s.smap && (implicit || !s.ac)) return false;
    if (op === WRITE && !w) return false;
  }
  if (s.pke && u && op !== FETCH) {
    const bits = s.pkru >>> (2 * ((hi >>> 27) & 15));
    if ((bits & 1) !== 0 || ((bits & 2) !== 0 && op === WRITE)) return false;
  }
  return true;
}
