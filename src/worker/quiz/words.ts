/**
 * Sentences for prompts: the paging mode with the settings that decide the
 * answer, and the access in words. Every address in a prompt names its space
 * (linear, physical, guest-physical, host-physical).
 */
import type { Access, CpuState, EptState } from '../../engine';
import { hx } from './explain';

const PAGING: Record<CpuState['paging'], string> = { '32': '32-bit paging', pae: 'PAE paging', '4': '4-level paging', '5': '5-level paging (LA57)' };
const GUEST: Record<CpuState['paging'], string> = { '32': 'A 32-bit guest', pae: 'A PAE guest', '4': 'A 4-level guest', '5': 'A 5-level guest' };

export const pagingName = (p: CpuState['paging']): string => PAGING[p];
export const guestName = (p: CpuState['paging']): string => GUEST[p];

const on = (b: boolean): string => (b ? '1' : '0');

/** The control bits a question's answer depends on, in the SDM's names. */
export function cpuSettings(c: CpuState): string {
  const parts: string[] = [];
  if (c.paging === '32') parts.push(`CR4.PSE=${on(c.pse)}`);
  parts.push(`CR0.WP=${on(c.wp)}`);
  if (c.paging !== '32') parts.push(`EFER.NXE=${on(c.nxe)}`);
  parts.push(`CR4.SMEP=${on(c.smep)}`, `CR4.SMAP=${on(c.smap)}`);
  if (c.smap) parts.push(`EFLAGS.AC=${on(c.ac)}`);
  if (c.paging === '4' || c.paging === '5') {
    parts.push(`CR4.PKE=${on(c.pke)}${c.pke ? ` (PKRU=${hx(c.pkru >>> 0)})` : ''}`);
    if (!c.gbpages) parts.push('no 1 GiB pages');
  }
  parts.push(`MAXPHYADDR ${c.maxphyaddr}`);
  return parts.join(', ');
}

/** "a user-mode (CPL 3) write", "an implicit supervisor-mode read", … */
export function accessPhrase(a: Access): string {
  const op = a.op === 'fetch' ? 'instruction fetch' : a.op;
  if (a.implicit) return `an implicit supervisor-mode ${op} (such as a descriptor-table access) at CPL ${a.cpl}`;
  return a.cpl === 3 ? `a user-mode (CPL 3) ${op}` : `a supervisor-mode (CPL 0) ${op}`;
}

/** The native setting: "4-level paging (…); CR3 = physical 0x…". */
export function nativeSetting(c: CpuState): string {
  return `${pagingName(c.paging)} (${cpuSettings(c)}); CR3 = physical ${hx(c.cr3)}`;
}

/** The EPT setting: "A PAE guest (…; CR3 = guest-physical 0x…) runs under 4-level EPT (EPTP root at host-physical 0x…, A/D flags on)". */
export function eptSetting(c: CpuState, e: EptState): string {
  return `${guestName(c.paging)} (${cpuSettings(c)}; CR3 = guest-physical ${hx(c.cr3)}) runs under ${e.levels}-level EPT (EPTP root at host-physical ${hx(e.root)}, EPT A/D flags ${e.ad ? 'on' : 'off'})`;
}
