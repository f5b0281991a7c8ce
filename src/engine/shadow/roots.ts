/**
 * Shadow roots (mmu_alloc_shadow_roots), the CR3 switch with its three cached
 * previous roots (kvm_mmu_new_pgd → fast_pgd_switch →
 * cached_root_find_and_keep_current), root syncing (kvm_mmu_sync_roots) and
 * address invalidation for INVLPG (kvm_mmu_invalidate_addr).
 */
import { classify } from '../tree';
import { ACC_ALL, encodeRole, withLevelQuadrant } from './role';
import type { ShadowPage } from './pages';
import type { ShadowMachine } from './machine';
import { hx } from './events';
import type { CpuState } from '../scenario';

/** A root: one page for 4/5-level guests, or the four entries of a PAE root for PAE and 32-bit guests. */
export interface ShadowRoot {
  /** Guest-physical base of the guest's top table (the pgd a root is matched on). */
  pgd: number;
  role: number;
  sp: ShadowPage | null;
  pae: (ShadowPage | null)[] | null;
  /** Host address of the root table (the PAE root page for PAE roots). */
  hpa: number;
}

/**
 * The role of the guest's top shadow page (kvm_init_shadow_mmu): the CPU
 * role's base with efer_nx forced to 1; PAE and 32-bit guests get level-2
 * pages under a PAE root, 32-bit ones with 4-byte gptes.
 */
export function rootRole(cpu: CpuState): number {
  const level = cpu.paging === '5' ? 5 : cpu.paging === '4' ? 4 : 2;
  return encodeRole({
    level,
    has4ByteGpte: cpu.paging === '32',
    quadrant: 0,
    direct: false,
    access: ACC_ALL,
    invalid: false,
    eferNx: true,
    cr0Wp: cpu.wp,
    smepAndNotWp: cpu.smep && !cpu.wp,
    smapAndNotWp: cpu.smap && !cpu.wp,
    adDisabled: false,
    guestMode: false,
  });
}

export const rootPages = (r: ShadowRoot): ShadowPage[] =>
  r.sp !== null ? [r.sp] : ((r.pae ?? []).filter((p) => p !== null) as ShadowPage[]);

/** A root whose page was zapped must be dropped and rebuilt (kvm_mmu_free_obsolete_roots). */
export function rootObsolete(r: ShadowRoot): boolean {
  if (r.sp !== null) return r.sp.invalid;
  for (const p of r.pae!) if (p !== null && p.invalid) return true;
  return false;
}

/** mmu_alloc_shadow_roots for the machine's current CR3 (PAE: from the PDPTE registers). */
export function allocRoot(m: ShadowMachine): ShadowRoot {
  const role = rootRole(m.cpu);
  const pgd = m.cfg.root;
  const st = m.store;
  if (!m.paeRoot) {
    const sp = st.get(Math.floor(pgd / 4096), role).sp;
    sp.rootCount++;
    if (m.ev.on) m.ev.emit('root', `new root: shadow page #${sp.id} (L${sp.level}) for CR3 gfn ${hx(sp.gfn)}`, { sp: sp.id });
    return { pgd, role, sp, pae: null, hpa: sp.hpa };
  }
  const pae: (ShadowPage | null)[] = [null, null, null, null];
  for (let i = 0; i < 4; i++) {
    let gfn: number;
    let q = 0;
    if (m.cpu.paging === '32') {
      // Each PAE-root entry shadows one 1 GiB quadrant of the 4 GiB guest page directory.
      gfn = Math.floor(pgd / 4096);
      q = i;
    } else {
      const lo = m.pdpte[2 * i];
      const hi = m.pdpte[2 * i + 1];
      if (classify(m.cfg.guest, 3, lo, hi) !== 'table') continue; // INVALID_PAE_ROOT
      gfn = (hi & 0xfffff) * 1048576 + (lo >>> 12);
    }
    const sp = st.get(gfn, withLevelQuadrant(role, 2, q)).sp;
    sp.rootCount++;
    pae[i] = sp;
  }
  const r: ShadowRoot = { pgd, role, sp: null, pae, hpa: m.host.allocTable() };
  if (m.ev.on) m.ev.emit('root', `new PAE root: entries → ${pae.map((p) => (p ? `#${p.id}` : '0')).join(', ')}`);
  return r;
}

/** Drop a root's references (kvm_mmu_free_roots): pages stay hashed unless already zapped. */
export function freeRoot(m: ShadowMachine, r: ShadowRoot): void {
  for (const sp of rootPages(r)) m.store.putRoot(sp);
}

/** kvm_mmu_sync_roots: sync every unsync page reachable from the current root. */
export function syncRoots(m: ShadowMachine): void {
  if (m.root === null) return;
  for (const sp of rootPages(m.root)) m.store.syncChildren(sp);
}

/** kvm_mmu_reload: make sure a valid root is loaded before the guest runs. */
export function ensureRoot(m: ShadowMachine): void {
  if (m.root !== null && !rootObsolete(m.root)) return;
  if (m.root !== null) freeRoot(m, m.root);
  m.root = allocRoot(m);
  syncRoots(m);
}

const usable = (r: ShadowRoot | null, pgd: number, role: number): boolean =>
  r !== null && r.sp !== null && !r.sp.invalid && r.pgd === pgd && r.role === role;

/**
 * The CR3 switch after the machine has taken the new CR3: PAE roots are never
 * cached (freed and rebuilt); otherwise the current root rotates through the
 * three previous roots until one matches (LRU), a miss frees the evicted one
 * and builds a new root; then the new root is synced (KVM_REQ_MMU_SYNC).
 */
export function switchRoot(m: ShadowMachine): void {
  const pgd = m.cfg.root;
  const role = rootRole(m.cpu);
  if (m.paeRoot) {
    if (m.root !== null) freeRoot(m, m.root);
    m.root = null;
  } else if (!usable(m.root, pgd, role)) {
    let hit = false;
    for (let i = 0; i < m.prevRoots.length; i++) {
      const t = m.root;
      m.root = m.prevRoots[i];
      m.prevRoots[i] = t;
      if (usable(m.root, pgd, role)) {
        hit = true;
        break;
      }
    }
    if (hit) {
      m.ev.counters.rootHits++;
      m.root!.sp!.writeFlooding = 0;
      if (m.ev.on) m.ev.emit('root', `CR3 ${hx(pgd)}: cached previous root #${m.root!.sp!.id} reused`, { sp: m.root!.sp!.id });
    } else {
      m.ev.counters.rootMisses++;
      if (m.root !== null) {
        if (m.ev.on) m.ev.emit('root', `CR3 ${hx(pgd)}: no cached root; least recently used root${m.root.sp ? ` #${m.root.sp.id}` : ''} released`);
        freeRoot(m, m.root);
      }
      m.root = null;
    }
  }
  ensureRoot(m);
  syncRoots(m);
}

/** Shadow-table index of `va` at shadow level `level` (9 bits per level above the 4 KiB offset). */
export function spIndex(vaLo: number, vaHi: number, level: number): number {
  const shift = 3 + 9 * level;
  return (shift >= 32 ? vaHi >>> (shift - 32) : (vaLo >>> shift) | (vaHi << (32 - shift))) & 511;
}

/** The first shadow page on `va`'s path under root `r` (a PAE root selects by bits 31:30). */
export function rootPageFor(r: ShadowRoot, vaLo: number): ShadowPage | null {
  return r.sp !== null ? r.sp : r.pae![(vaLo >>> 30) & 3];
}

/**
 * __kvm_mmu_invalidate_addr over `roots`: walk the shadow path of `va`; in an
 * unsync page resync that SPTE from the guest; stop where no unsync page lies below.
 */
export function invalidateAddr(m: ShadowMachine, vaLo: number, vaHi: number, allRoots: boolean): void {
  const roots = allRoots ? [m.root, ...m.prevRoots] : [m.root];
  for (const r of roots) {
    if (r === null) continue;
    let sp = rootPageFor(r, vaLo);
    while (sp !== null && !sp.invalid) {
      const i = spIndex(vaLo, vaHi, sp.level);
      if (sp.unsync) m.syncSpte(sp, i);
      if (sp.unsyncChildren === 0) break;
      sp = sp.child[i];
    }
  }
}
