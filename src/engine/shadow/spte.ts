/**
 * x86-format SPTEs for shadow paging: building a leaf from guest rights and
 * host restrictions (make_spte, spte.c / spte.h) and the check a CPU makes
 * when it walks the shadow tables. Non-leaf SPTEs are P|W|U|A (rights are
 * enforced at the leaf and by role.access), as KVM makes them.
 */
import { ACC_U, ACC_W, ACC_X } from './role';
import { SPTE_PRESENT } from './pages';
import type { OpCode } from '../ops';
import { rightsFault, type RightsState } from '../rights';

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
export type HwState = RightsState & { wp: true };

/**
 * Would the CPU allow this access through a leaf SPTE? The SDM §4.6 rule
 * (rights.ts) on the SPTE's own rights and key, with CR0.WP=1. A denial is a
 * #PF that exits to KVM, which re-walks the guest tables and fixes the SPTE
 * or injects the guest's fault.
 */
export function hwAllows(lo: number, hi: number, op: OpCode, user: boolean, implicit: boolean, s: HwState): boolean {
  const acc = (lo & (X86_W | X86_U)) | ((hi & X86_NX_HI) === 0 ? 1 : 0);
  return rightsFault(acc, (hi >>> 27) & 15, op, user, implicit, s) === 0;
}
