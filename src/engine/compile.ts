/**
 * Compile a scenario's CPU and EPT state into the walker's inputs: pick the
 * formats (LA57 or EPT5 is a different descriptor, never a branch in the loop)
 * and the derived flags KVM keeps in its MMU role.
 */
import { eptFormat, guestFormat } from './formats';
import type { CpuState, EptState, Scenario } from './scenario';
import type { WalkConfig } from './walk';

/** Guest-physical base of the top guest table (SDM §4.2 CR3 usage per mode). */
export function guestRoot(cpu: CpuState): number {
  switch (cpu.paging) {
    case '32':
      return cpu.cr3 % 2 ** 32 - (cpu.cr3 % 4096);
    case 'pae':
      return cpu.cr3 % 2 ** 32 - (cpu.cr3 % 32);
    default:
      return cpu.cr3 - (cpu.cr3 % 4096);
  }
}

export function compile(cpu: CpuState, ept: EptState | null): WalkConfig {
  const guest = guestFormat(cpu);
  const long = guest.addressBits > 32;
  return {
    guest,
    root: guestRoot(cpu),
    canonShift: long ? guest.addressBits - 1 - 32 : 0,
    wp: cpu.wp,
    smep: cpu.smep,
    smap: cpu.smap,
    ac: cpu.ac,
    pke: cpu.pke && long,
    pkru: cpu.pkru >>> 0,
    fetchId: cpu.smep || (cpu.nxe && cpu.paging !== '32'),
    ept: ept === null ? null : eptFormat(ept),
    eptRoot: ept === null ? 0 : ept.root - (ept.root % 4096),
    eptAd: ept !== null && ept.ad,
  };
}

export const compileScenario = (s: Scenario): WalkConfig => compile(s.cpu, s.ept);

/**
 * A walker configuration for EPT walks alone (Walker.translateGpa), as for a
 * nested guest's EPT12. The guest half is a plain 4-level format it never uses.
 */
export function compileEpt(ept: EptState): WalkConfig {
  return compile({ paging: '4', cr3: 0, wp: true, pse: false, nxe: true, smep: false, smap: false, ac: false, pke: false, pkru: 0, maxphyaddr: ept.maxphyaddr, gbpages: true }, ept);
}
