/**
 * The x86 access-rights rule (SDM vol. 3 §4.6, KVM permission_fault), shared
 * by the guest walker and the CPU's walk of shadow tables: given the rights
 * combined over a translation, may this access proceed?
 */
import { FETCH, WRITE, type OpCode } from './ops';

/** Rights combined over the entries used: X=1 (XD inverted), W=2, U=4. */
export const ACC_X = 1;
export const ACC_W = 2;
export const ACC_U = 4;

export interface RightsState {
  wp: boolean;
  smep: boolean;
  smap: boolean;
  ac: boolean;
  /** Protection keys active (CR4.PKE in 4/5-level paging). */
  pke: boolean;
  pkru: number;
}

/** Error-code bits this rule can add: P, and PK when the key denies the access. */
export const RIGHTS_P = 1;
export const RIGHTS_PK = 32;

/**
 * 0 when `acc` allows the access, else P, plus PK whenever PKRU denies it (even
 * with another violation too, as KVM reports). `user` is CPL 3; an implicit
 * access is supervisor-mode at any CPL and SMAP applies to it regardless of AC.
 */
export function rightsFault(acc: number, pkey: number, op: OpCode, user: boolean, implicit: boolean, s: RightsState): number {
  const userAddr = (acc & ACC_U) !== 0;
  const writable = (acc & ACC_W) !== 0;
  const exec = (acc & ACC_X) !== 0;
  let fault: boolean;
  if (user && !implicit) {
    fault = !userAddr || (op === WRITE && !writable) || (op === FETCH && !exec);
  } else if (op === FETCH) {
    fault = (userAddr && s.smep) || !exec;
  } else {
    fault = (userAddr && s.smap && (implicit || !s.ac)) || (op === WRITE && s.wp && !writable);
  }
  let pk = false;
  if (s.pke && userAddr && op !== FETCH) {
    const bits = s.pkru >>> (2 * pkey);
    pk = (bits & 1) !== 0 || ((bits & 2) !== 0 && op === WRITE && (s.wp || (user && !implicit)));
  }
  return fault || pk ? RIGHTS_P | (pk ? RIGHTS_PK : 0) : 0;
}
