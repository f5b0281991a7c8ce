/**
 * Guest stores to guest-physical memory and the write tracking of shadowed
 * page tables: kvm_mmu_track_write (formerly kvm_mmu_pte_write) with
 * detect_write_misaligned, detect_write_flooding and get_written_sptes.
 * Today's KVM only zaps the affected SPTEs; the next fault rebuilds them.
 */
import type { PageStore, ShadowPage } from './pages';
import type { EventLog } from './events';
import type { PhysMem } from '../memory';
import { hx } from './events';

/** What write tracking needs of an MMU: its page store, event log and the memory its guest tables live in. */
export interface TrackedMmu {
  store: PageStore;
  ev: EventLog;
  mem: PhysMem;
  /** What the addresses of `mem` are called in events ("guest-physical", or "L1-physical" for nested EPT's L1). */
  space?: string;
}
import { roleHas4Byte, roleQuadrant } from './role';

/** detect_write_misaligned: crosses a guest-entry boundary, or shorter than 4 bytes (a 1-byte write at an entry's start is fine). */
export function writeMisaligned(sp: ShadowPage, gpa: number, bytes: number): boolean {
  const offset = gpa % 4096;
  const pteSize = roleHas4Byte(sp.role) ? 4 : 8;
  if (offset % pteSize === 0 && bytes === 1) return false;
  return Math.floor(offset / pteSize) !== Math.floor((offset + bytes - 1) / pteSize) || bytes < 4;
}

/**
 * get_written_sptes: the SPTE index and count a write at `gpa` hits in `sp`,
 * or null when the write falls in another quadrant of a 4-byte guest table.
 */
export function writtenSptes(sp: ShadowPage, gpa: number): { index: number; count: number } | null {
  let off = gpa % 4096;
  let count = 1;
  if (roleHas4Byte(sp.role)) {
    off *= 2; // 32-bit entries → 64-bit SPTEs
    if (sp.level === 2) {
      // A 4 MiB PDE is shadowed by two 2 MiB SPTEs.
      off = (off & ~7) * 2;
      count = 2;
    }
    const quadrant = Math.floor(off / 4096);
    off %= 4096;
    if (quadrant !== roleQuadrant(sp.role)) return null;
  }
  return { index: Math.floor(off / 8), count };
}

/**
 * kvm_mmu_track_write after an emulated write of `bytes` at `gpa`: for each
 * page shadowing the frame, zap it when the write is misaligned or floods it
 * (level > 1, the third write in a row without the page being used); else
 * zap the SPTEs the write hits.
 */
export function trackWrite(m: TrackedMmu, gpa: number, bytes: number): void {
  const st = m.store;
  const gfn = Math.floor(gpa / 4096);
  for (const sp of st.indirectAt(gfn)) {
    if (sp.invalid) continue;
    if (writeMisaligned(sp, gpa, bytes)) {
      st.zap(sp, `misaligned ${bytes}-byte write at ${hx(gpa)}`);
      continue;
    }
    if (sp.level > 1 && ++sp.writeFlooding >= 3) {
      m.ev.counters.floods++;
      if (m.ev.on) m.ev.emit('flood', `write flooding: shadow page #${sp.id} written ${sp.writeFlooding} times without being used`, { sp: sp.id, gfn });
      st.zap(sp, 'write flooding');
      continue;
    }
    const w = writtenSptes(sp, gpa);
    if (w === null) continue;
    for (let k = 0; k < w.count; k++) st.dropSpte(sp, w.index + k);
  }
}

/**
 * A guest store of the qword (lo, hi) at `gpa`, as its kernel edits a page
 * table. A frame without shadow pages is written directly; a write-tracked
 * frame exits and is emulated, then tracked; a frame shadowed only by level-1
 * pages exits once as a write fault and its pages go unsync (later stores do
 * not exit, and the shadow may be stale until INVLPG or a CR3 load).
 */
export function guestStore(m: TrackedMmu, gpa: number, lo: number, hi: number, bytes: 4 | 8 = 8): void {
  const write = () => (bytes === 8 ? m.mem.write64(gpa, lo, hi) : m.mem.write32(gpa, lo));
  const st = m.store;
  const gfn = Math.floor(gpa / 4096);
  if (!st.isShadowed(gfn)) {
    write();
    return;
  }
  if (st.isWriteTracked(gfn)) {
    m.ev.exit('tracked-write', m.ev.on ? `exit: store to ${m.space ?? 'guest-physical'} ${hx(gpa)} hits write-tracked page table gfn ${hx(gfn)}; KVM emulates it` : '');
    write();
    m.ev.counters.emulated++;
    trackWrite(m, gpa, bytes);
    return;
  }
  let allUnsync = true;
  for (const sp of st.indirectAt(gfn)) if (!sp.unsync) allUnsync = false;
  if (!allUnsync) {
    m.ev.exit('page-fault', m.ev.on ? `exit: write fault: store to ${m.space ?? 'guest-physical'} ${hx(gpa)} hits write-protected level-1 table gfn ${hx(gfn)}; it goes unsync` : '');
    st.tryUnsync(gfn, true);
    // The faulting SPTE becomes writable: the store completes without emulation.
    if (m.ev.on) m.ev.emit('wp-off', `write protection off for gfn ${hx(gfn)} (unsync)`, { gfn });
  }
  write();
}
