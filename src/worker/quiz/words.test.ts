import { describe, expect, it } from 'vitest';
import { defaultCpu } from '../../engine';
import { accessOf } from './space';
import { accessPhrase, cpuSettings, eptSetting, nativeSetting } from './words';

describe('quiz prompt words', () => {
  it('says the settings an answer depends on, per mode', () => {
    expect(cpuSettings(defaultCpu({ paging: '32', pse: true, maxphyaddr: 36 }))).toBe('CR4.PSE=1, CR0.WP=1, CR4.SMEP=0, CR4.SMAP=0, MAXPHYADDR 36');
    expect(cpuSettings(defaultCpu({ smap: true, ac: true, pke: true, pkru: 0x4, gbpages: false }))).toBe(
      'CR0.WP=1, EFER.NXE=1, CR4.SMEP=0, CR4.SMAP=1, EFLAGS.AC=1, CR4.PKE=1 (PKRU=0x4), no 1 GiB pages, MAXPHYADDR 46',
    );
  });

  it('names every address space', () => {
    expect(nativeSetting(defaultCpu({ cr3: 0x1000 }))).toMatch(/CR3 = physical 0x1000$/);
    expect(eptSetting(defaultCpu({ paging: 'pae', cr3: 0x2000 }), { levels: 5, root: 0x8000_0000, ad: true, execonly: false, maxphyaddr: 46 })).toBe(
      'A PAE guest (CR0.WP=1, EFER.NXE=1, CR4.SMEP=0, CR4.SMAP=0, MAXPHYADDR 46; CR3 = guest-physical 0x2000) runs under 5-level EPT (EPTP root at host-physical 0x80000000, EPT A/D flags on)',
    );
  });

  it('says who accesses how', () => {
    expect(accessPhrase(accessOf(0x1000n, 'write', 3))).toBe('a user-mode (CPL 3) write');
    expect(accessPhrase(accessOf(0x1000n, 'fetch', 0))).toBe('a supervisor-mode (CPL 0) instruction fetch');
    expect(accessPhrase(accessOf(0x1000n, 'read', 3, true))).toBe('an implicit supervisor-mode read (such as a descriptor-table access) at CPL 3');
  });
});
