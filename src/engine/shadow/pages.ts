/**
 * Shadow pages and their bookkeeping, as KVM's legacy MMU keeps them
 * (arch/x86/kvm/mmu/mmu.c): struct kvm_mmu_page, the hash from gfn to pages
 * (mmu_page_hash), parent links (parent_ptes), the reverse map from a guest
 * frame to the leaf SPTEs that map it (rmap), write tracking of shadowed
 * frames (account_shadowed), unsync marking (kvm_unsync_page, mark_unsync),
 * and zapping (__kvm_mmu_prepare_zap_page). The SPTE format (x86 for shadow
 * paging, EPT for EPT02) is the owner's business; this file only needs the
 * software "MMU-present" bit 11 and W = bit 1, which both formats share.
 */
import { ACC_W, childRole, roleDirect, roleLevel, roleText } from './role';
import { EventLog, hx } from './events';
import type { HostMemory } from './host';

/** SPTE_MMU_PRESENT_MASK: bit 11 marks every present SPTE in either format. */
export const SPTE_PRESENT = 0x800;
export const SPTE_W = 0x2;
/** x86 D (bit 6) and EPT D (bit 9) are cleared with W when write-protecting. */
const CLEAR_ON_WP = ~(SPTE_W | 0x40 | 0x200);

export class ShadowPage {
  readonly level: number;
  readonly direct: boolean;
  /** The 512 SPTEs, as halves. */
  readonly lo = new Uint32Array(512);
  readonly hi = new Uint32Array(512);
  /** Child page of each non-leaf SPTE (the page the SPTE's address points to). */
  readonly child: (ShadowPage | null)[] = new Array<ShadowPage | null>(512).fill(null);
  /** shadowed_translation: the gfn and access of each leaf SPTE. */
  readonly gfnOf = new Float64Array(512);
  readonly accOf = new Uint8Array(512);
  /** parent_ptes: every SPTE (page, index) that points here. */
  parents: ShadowPage[] = [];
  parentIdx: number[] = [];
  unsync = false;
  unsyncChildren = 0;
  readonly unsyncChildBits = new Uint8Array(512);
  writeFlooding = 0;
  rootCount = 0;
  invalid = false;
  /** Present SPTEs in this page. */
  present = 0;

  constructor(
    readonly id: number,
    readonly gfn: number,
    readonly role: number,
    /** Host-physical address of the table (for SPTE values and the UI). */
    readonly hpa: number,
  ) {
    this.level = roleLevel(role);
    this.direct = roleDirect(role);
  }

  isPresent(i: number): boolean {
    return (this.lo[i] & SPTE_PRESENT) !== 0;
  }
}

/** Hooks the owning MMU gives the store: how to resync one leaf SPTE from its guest entry. */
export interface PageOwner {
  /** FNAME(sync_spte): re-read the guest entry behind leaf SPTE `i` and update or drop it. */
  syncSpte(sp: ShadowPage, i: number): void;
}

export class PageStore {
  /** mmu_page_hash: gfn → pages (direct and indirect) with that gfn. */
  readonly hash = new Map<number, ShadowPage[]>();
  /** rmap: gfn → leaf SPTE refs (page id × 512 + index). */
  readonly rmap = new Map<number, Set<number>>();
  /** gfn_write_track: gfns shadowed by a page above level 1. */
  readonly writeTrack = new Map<number, number>();
  readonly byId = new Map<number, ShadowPage>();
  /** Host address of each page's table → page: what a CPU walking the tables reaches. */
  readonly byHpa = new Map<number, ShadowPage>();
  indirectPages = 0;
  private nextId = 1;
  owner: PageOwner | null = null;

  constructor(
    readonly host: HostMemory,
    readonly ev: EventLog,
    /** Low bits of a non-leaf SPTE (x86: P|W|U|A; EPT: RWX and A when A/D is on), plus bit 11. */
    readonly nonLeafLo: number,
  ) {}

  /** Live pages with guest PTEs (not direct, not invalid) for `gfn`: for_each_gfn_valid_sp_with_gptes. */
  indirectAt(gfn: number): ShadowPage[] {
    const b = this.hash.get(gfn);
    if (b === undefined) return EMPTY;
    let n = 0;
    for (const sp of b) if (!sp.direct && !sp.invalid) n++;
    if (n === 0) return EMPTY;
    return b.filter((sp) => !sp.direct && !sp.invalid);
  }

  /** Does `gfn` have live pages with guest PTEs? (cheap test for the store path) */
  isShadowed(gfn: number): boolean {
    const b = this.hash.get(gfn);
    if (b === undefined) return false;
    for (const sp of b) if (!sp.direct && !sp.invalid) return true;
    return false;
  }

  isWriteTracked(gfn: number): boolean {
    return (this.writeTrack.get(gfn) ?? 0) > 0;
  }

  /** kvm_mmu_alloc_shadow_page + account_shadowed. */
  alloc(gfn: number, role: number): ShadowPage {
    const sp = new ShadowPage(this.nextId++, gfn, role, this.host.allocTable());
    this.byId.set(sp.id, sp);
    this.byHpa.set(sp.hpa, sp);
    let b = this.hash.get(gfn);
    if (b === undefined) this.hash.set(gfn, (b = []));
    b.push(sp);
    const c = this.ev.counters;
    c.spCreated++;
    c.spAlive++;
    if (this.ev.on) this.ev.emit('sp-create', `shadow page #${sp.id} created for gfn ${hx(gfn)}: ${roleText(role)}`, { sp: sp.id, gfn, level: sp.level });
    if (!sp.direct) this.accountShadowed(sp);
    return sp;
  }

  /**
   * account_shadowed: above level 1 the gfn becomes write-tracked; at level 1
   * it is only write-protected (it may go unsync later). Either way every SPTE
   * that maps the gfn loses W now.
   */
  private accountShadowed(sp: ShadowPage): void {
    this.indirectPages++;
    if (sp.level > 1) this.writeTrack.set(sp.gfn, (this.writeTrack.get(sp.gfn) ?? 0) + 1);
    const n = this.writeProtectGfn(sp.gfn);
    if (this.ev.on) {
      const how = sp.level > 1 ? 'write-tracked' : 'write-protected (level 1: may go unsync)';
      this.ev.emit('wp-on', `write protection on: gfn ${hx(sp.gfn)} is a guest page table, ${how}${n ? `; ${n} SPTE(s) made read-only` : ''}`, { sp: sp.id, gfn: sp.gfn });
    }
  }

  private unaccountShadowed(sp: ShadowPage): void {
    this.indirectPages--;
    if (sp.level > 1) {
      const n = (this.writeTrack.get(sp.gfn) ?? 1) - 1;
      if (n === 0) this.writeTrack.delete(sp.gfn);
      else this.writeTrack.set(sp.gfn, n);
    }
    if (this.ev.on && !this.isShadowed(sp.gfn)) {
      this.ev.emit('wp-off', `write protection off: gfn ${hx(sp.gfn)} is no longer shadowed`, { gfn: sp.gfn });
    }
  }

  /** Clear W in every leaf SPTE mapping `gfn` (kvm_mmu_slot_gfn_write_protect); returns how many changed. */
  writeProtectGfn(gfn: number): number {
    const set = this.rmap.get(gfn);
    if (set === undefined) return 0;
    let n = 0;
    for (const ref of set) {
      const sp = this.byId.get(Math.floor(ref / 512))!;
      const i = ref % 512;
      if ((sp.lo[i] & SPTE_W) !== 0) {
        sp.lo[i] = (sp.lo[i] & CLEAR_ON_WP) >>> 0;
        n++;
      }
    }
    return n;
  }

  /** Set a leaf SPTE mapping `gfn` (mmu_set_spte), keeping the rmap and counters. */
  setLeaf(sp: ShadowPage, i: number, lo: number, hi: number, gfn: number, acc: number): void {
    const was = sp.isPresent(i);
    if (was && sp.gfnOf[i] !== gfn) this.rmapRemove(sp.gfnOf[i], sp, i);
    if (!was || sp.gfnOf[i] !== gfn) this.rmapAdd(gfn, sp, i);
    if (!was) {
      sp.present++;
      this.ev.counters.sptesPresent++;
    }
    sp.lo[i] = lo >>> 0;
    sp.hi[i] = hi >>> 0;
    sp.gfnOf[i] = gfn;
    sp.accOf[i] = acc;
  }

  /** Link `child` under SPTE `i` of `parent` (link_shadow_page). */
  /**
   * FNAME(fetch), one indirect level: the page shadowing guest table `tableGfn`
   * below `sp[i]` with the rights above it, found or created, synced before it
   * is linked when it has unsync children (the guest need not flush when it
   * makes an entry present).
   */
  indirectChild(sp: ShadowPage, i: number, tableGfn: number, acc: number): ShadowPage {
    let c = sp.child[i];
    if (c === null) {
      const r = this.get(tableGfn, childRole(sp.role, false, acc, i));
      c = r.sp;
      if (!r.created && c.unsyncChildren > 0) this.syncChildren(c);
      this.link(sp, i, c);
    }
    c.writeFlooding = 0;
    return c;
  }

  /**
   * FNAME(fetch), one direct level below a guest large page at `gfn`;
   * validate_direct_spte: a direct child made for other rights is unlinked and rebuilt.
   */
  directChild(sp: ShadowPage, i: number, gfn: number, acc: number): ShadowPage {
    const role = childRole(sp.role, true, acc, i);
    let c = sp.child[i];
    if (c !== null && c.role !== role) {
      this.dropSpte(sp, i);
      c = null;
    }
    if (c === null) {
      const span = 2 ** (9 * (sp.level - 1));
      c = this.get(gfn - (gfn % span), role).sp;
      this.link(sp, i, c);
    }
    return c;
  }

  link(parent: ShadowPage, i: number, child: ShadowPage): void {
    if (parent.isPresent(i)) this.dropSpte(parent, i);
    const hpa = child.hpa;
    parent.lo[i] = (hpa % 4294967296 | this.nonLeafLo) >>> 0;
    parent.hi[i] = Math.floor(hpa / 4294967296);
    parent.child[i] = child;
    parent.present++;
    this.ev.counters.sptesPresent++;
    child.parents.push(parent);
    child.parentIdx.push(i);
    if (child.unsync || child.unsyncChildren > 0) this.markUnsyncAt(parent, i);
    if (this.ev.on) {
      this.ev.emit('spte-install', `SPTE #${parent.id}[${i}] links shadow page #${child.id} (L${child.level}, gfn ${hx(child.gfn)})`, { sp: parent.id, index: i, level: parent.level });
    }
  }

  /** Drop SPTE `i`: a leaf leaves the rmap; a link drops the child's parent link (drop_spte / drop_parent_pte). */
  dropSpte(sp: ShadowPage, i: number): void {
    if (!sp.isPresent(i)) return;
    const c = sp.child[i];
    if (c !== null) {
      sp.child[i] = null;
      for (let k = 0; k < c.parents.length; k++) {
        if (c.parents[k] === sp && c.parentIdx[k] === i) {
          c.parents.splice(k, 1);
          c.parentIdx.splice(k, 1);
          break;
        }
      }
      this.clearUnsyncBit(sp, i);
    } else {
      this.rmapRemove(sp.gfnOf[i], sp, i);
    }
    sp.lo[i] = 0;
    sp.hi[i] = 0;
    sp.present--;
    this.ev.counters.sptesPresent--;
    if (this.ev.on) this.ev.emit('spte-drop', `SPTE #${sp.id}[${i}] dropped${c ? ` (unlinked shadow page #${c.id})` : ''}`, { sp: sp.id, index: i, level: sp.level });
  }

  private rmapAdd(gfn: number, sp: ShadowPage, i: number): void {
    let s = this.rmap.get(gfn);
    if (s === undefined) this.rmap.set(gfn, (s = new Set()));
    s.add(sp.id * 512 + i);
  }

  private rmapRemove(gfn: number, sp: ShadowPage, i: number): void {
    const s = this.rmap.get(gfn);
    if (s === undefined) return;
    s.delete(sp.id * 512 + i);
    if (s.size === 0) this.rmap.delete(gfn);
  }

  /** mark_unsync: set the unsync-child bit of SPTE (p, i) and propagate up while bits become set. */
  private markUnsyncAt(p: ShadowPage, i: number): void {
    if (p.unsyncChildBits[i] !== 0) return;
    p.unsyncChildBits[i] = 1;
    if (p.unsyncChildren++ === 0 && !p.unsync) for (let k = 0; k < p.parents.length; k++) this.markUnsyncAt(p.parents[k], p.parentIdx[k]);
  }

  /** clear_unsync_child_bit, propagating up when a page has nothing unsync below it any more. */
  private clearUnsyncBit(p: ShadowPage, i: number): void {
    if (p.unsyncChildBits[i] === 0) return;
    p.unsyncChildBits[i] = 0;
    if (--p.unsyncChildren === 0 && !p.unsync) for (let k = 0; k < p.parents.length; k++) this.clearUnsyncBit(p.parents[k], p.parentIdx[k]);
  }

  /** kvm_unsync_page: the guest may now write the table without exits; the shadow may go stale. */
  unsyncPage(sp: ShadowPage): void {
    if (sp.unsync) return;
    sp.unsync = true;
    this.ev.counters.unsyncs++;
    if (sp.unsyncChildren === 0) for (let k = 0; k < sp.parents.length; k++) this.markUnsyncAt(sp.parents[k], sp.parentIdx[k]);
    if (this.ev.on) this.ev.emit('sp-unsync', `shadow page #${sp.id} (gfn ${hx(sp.gfn)}) unsync: guest writes to it no longer exit`, { sp: sp.id, gfn: sp.gfn, level: sp.level });
  }

  /**
   * mmu_try_to_unsync_pages: may a writable SPTE map `gfn`? No if it is
   * write-tracked or unsync is not allowed now; else every page shadowing it
   * (level 1 only) goes unsync.
   */
  tryUnsync(gfn: number, canUnsync: boolean): boolean {
    const b = this.hash.get(gfn);
    if (b === undefined) return true;
    if (this.isWriteTracked(gfn)) return false;
    for (const sp of b) {
      if (sp.direct || sp.invalid) continue;
      if (!canUnsync) return false;
      if (!sp.unsync) this.unsyncPage(sp);
    }
    return true;
  }

  /** Resync every present leaf SPTE of `sp` from the guest (kvm_sync_page; the page stays as unsync as it was). */
  syncEntries(sp: ShadowPage): void {
    const o = this.owner!;
    for (let i = 0; i < 512; i++) if (sp.isPresent(i) && sp.child[i] === null) o.syncSpte(sp, i);
  }

  /** Sync one unsync page for good: write-protect its gfn again, clear unsync, resync its SPTEs (mmu_sync_children's inner step). */
  syncPage(sp: ShadowPage): void {
    if (!sp.unsync) return;
    this.writeProtectGfn(sp.gfn);
    sp.unsync = false;
    this.ev.counters.syncs++;
    if (sp.unsyncChildren === 0) for (let k = 0; k < sp.parents.length; k++) this.clearUnsyncBit(sp.parents[k], sp.parentIdx[k]);
    if (this.ev.on) this.ev.emit('sp-sync', `shadow page #${sp.id} (gfn ${hx(sp.gfn)}) synced from the guest table and write-protected again`, { sp: sp.id, gfn: sp.gfn, level: sp.level });
    this.syncEntries(sp);
  }

  /** mmu_sync_children: sync every unsync page below `sp`, following the unsync-child bits. */
  syncChildren(sp: ShadowPage): void {
    if (sp.unsyncChildren === 0) return;
    for (let i = 0; i < 512 && sp.unsyncChildren > 0; i++) {
      if (sp.unsyncChildBits[i] === 0) continue;
      const c = sp.child[i];
      if (c === null) {
        this.clearUnsyncBit(sp, i);
        continue;
      }
      if (c.unsyncChildren > 0) this.syncChildren(c);
      if (c.unsync) this.syncPage(c);
      this.clearUnsyncBit(sp, i);
    }
  }

  /**
   * kvm_mmu_get_shadow_page: find (gfn, role) in the hash or create it. A
   * candidate with the same gfn but another role is zapped when it is unsync
   * and the request is above level 1 (the guest reused a page table as a
   * higher-level one); an unsync match is resynced; the flooding count resets.
   */
  get(gfn: number, role: number): { sp: ShadowPage; created: boolean } {
    const b = this.hash.get(gfn);
    if (b !== undefined) {
      for (const sp of b.slice()) {
        if (sp.invalid) continue;
        if (sp.role !== role) {
          if (roleLevel(role) > 1 && sp.unsync) this.zap(sp, 'its gfn is now used as a higher-level table');
          continue;
        }
        if (!sp.direct && sp.unsync) this.syncEntries(sp);
        sp.writeFlooding = 0;
        return { sp, created: false };
      }
    }
    return { sp: this.alloc(gfn, role), created: true };
  }

  /**
   * __kvm_mmu_prepare_zap_page: zap unsync children, unlink children (leaves
   * leave the rmap; child pages lose a parent link and stay hashed), unlink
   * every parent SPTE, undo write tracking, then free the page or, while it is
   * still a root, mark it invalid until the root is dropped.
   */
  zap(sp: ShadowPage, why: string): void {
    if (sp.invalid) return;
    sp.invalid = true;
    const c = this.ev.counters;
    c.spZapped++;
    if (this.ev.on) this.ev.emit('sp-zap', `shadow page #${sp.id} (L${sp.level}, gfn ${hx(sp.gfn)}) zapped: ${why}`, { sp: sp.id, gfn: sp.gfn, level: sp.level });
    if (sp.unsyncChildren > 0) this.zapUnsyncChildren(sp);
    for (let i = 0; i < 512; i++) if (sp.isPresent(i)) this.dropSpte(sp, i);
    while (sp.parents.length > 0) this.dropSpte(sp.parents[sp.parents.length - 1], sp.parentIdx[sp.parentIdx.length - 1]);
    if (!sp.direct) this.unaccountShadowed(sp);
    sp.unsync = false;
    const b = this.hash.get(sp.gfn)!;
    b.splice(b.indexOf(sp), 1);
    if (b.length === 0) this.hash.delete(sp.gfn);
    c.spAlive--;
    if (sp.rootCount === 0) this.free(sp);
  }

  private zapUnsyncChildren(sp: ShadowPage): void {
    for (let i = 0; i < 512; i++) {
      if (sp.unsyncChildBits[i] === 0) continue;
      const ch = sp.child[i];
      if (ch === null) continue;
      if (ch.unsyncChildren > 0) this.zapUnsyncChildren(ch);
      if (ch.unsync) this.zap(ch, 'unsync child of a zapped page');
    }
  }

  /** kvm_mmu_commit_zap_page: the page is gone. */
  free(sp: ShadowPage): void {
    this.byId.delete(sp.id);
    this.byHpa.delete(sp.hpa);
    if (this.ev.on) this.ev.emit('sp-free', `shadow page #${sp.id} freed`, { sp: sp.id });
  }

  /** Drop one root reference (mmu_free_root_page): an invalid page with no more references is freed. */
  putRoot(sp: ShadowPage): void {
    sp.rootCount--;
    if (sp.rootCount === 0 && sp.invalid) this.free(sp);
  }

  /** Every live (hashed) page, oldest first. */
  live(): ShadowPage[] {
    const out: ShadowPage[] = [];
    for (const b of this.hash.values()) for (const sp of b) out.push(sp);
    return out.sort((a, b) => a.id - b.id);
  }

  /** Can a writable SPTE map this gfn under the "shadowed gfn" rule without unsyncing? */
  writableOk(gfn: number): boolean {
    return !this.isShadowed(gfn);
  }
}

const EMPTY: ShadowPage[] = [];

/** Is an access value's W bit set (for role/SPTE access bytes). */
export const accWritable = (acc: number): boolean => (acc & ACC_W) !== 0;
