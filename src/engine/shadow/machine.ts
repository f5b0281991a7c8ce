/**
 * One vCPU under KVM's shadow MMU (no TDP): the guest's CPU state and
 * guest-physical memory, the host's memory slots, the shadow page store, the
 * current and three previous roots, and the "hardware" that walks the shadow
 * tables on every guest access and exits to KVM when they do not allow it.
 *
 * Public operations mirror what a guest does: `access` (a memory access at a
 * linear address), `store` (the kernel writes a qword of guest-physical
 * memory), `invlpg` and `loadCr3`. Whatever the shadow MMU builds or caches,
 * each access returns what bare hardware could show (FORMAT.md TLB rules).
 */
import { hex64 } from '../bits';
import { compile } from '../compile';
import { classify } from '../tree';
import type { PhysMem } from '../memory';
import type { CpuState } from '../scenario';
import { GP, OK, PF, Walker, type OpCode, type OutcomeCode, type WalkConfig } from '../walk';
import { EventLog, hx, type ShadowCounters, type ShadowEvent } from './events';
import { pageFault, setLeaf } from './fault';
import { HostMemory, type MemSlot } from './host';
import { PageStore, type PageOwner, type ShadowPage } from './pages';
import { ACC_W, roleAccess, roleQuadrant, roleHas4Byte, roleText } from './role';
import { ensureRoot, invalidateAddr, rootPages, spIndex, switchRoot, type ShadowRoot } from './roots';
import { X86_NONLEAF_LO, hwAllows, spteFrame, type HwState } from './spte';
import { guestStore } from './write-track';

export interface ShadowMachineOptions {
  cpu: CpuState;
  slots: MemSlot[];
  /** Guest-physical memory; the machine owns it from now on. */
  memory: PhysMem;
  /** Collect event objects (default true); counters are kept either way. */
  collectEvents?: boolean;
}

/** The result of one guest access, as FORMAT.md reports it. */
export interface ShadowAccessResult {
  outcome: 'ok' | 'pf' | 'gp';
  pa?: number;
  ec?: number;
}

export class ShadowMachine implements PageOwner {
  cpu: CpuState;
  readonly mem: PhysMem;
  readonly host: HostMemory;
  readonly ev: EventLog;
  readonly store: PageStore;
  cfg!: WalkConfig;
  walker!: Walker;
  /** PAE and 32-bit guests run on a PAE root. */
  paeRoot = false;
  /** PAE PDPTE registers (lo, hi × 4), loaded at CR3 load; and the PDPT address they came from. */
  readonly pdpte = new Uint32Array(8);
  pdptBase = 0;
  root: ShadowRoot | null = null;
  prevRoots: (ShadowRoot | null)[] = [null, null, null];
  /** Last access's results (no allocation on the hot path). */
  pa = 0;
  ec = 0;
  readonly ptAcc = new Uint8Array(6);
  private hw!: HwState;
  private walkers = new Map<number, Walker>();

  constructor(o: ShadowMachineOptions) {
    this.cpu = { ...o.cpu };
    this.mem = o.memory;
    this.host = new HostMemory(o.slots);
    this.ev = new EventLog(o.collectEvents ?? true);
    this.store = new PageStore(this.host, this.ev, X86_NONLEAF_LO);
    this.store.owner = this;
    this.takeCr3(this.cpu.cr3);
    ensureRoot(this);
  }

  /** Adopt a CR3 value: walker config, and for PAE the PDPTE registers (load_pdptrs). */
  private takeCr3(cr3: number): void {
    this.cpu.cr3 = cr3;
    const cfg = compile(this.cpu, null);
    this.cfg = cfg;
    let w = this.walkers.get(cfg.root);
    if (w === undefined) {
      w = new Walker(cfg, this.mem);
      if (this.walkers.size > 64) this.walkers.clear();
      this.walkers.set(cfg.root, w);
    }
    this.walker = w;
    this.cfg = w.cfg;
    this.paeRoot = this.cpu.paging === '32' || this.cpu.paging === 'pae';
    const c = this.cpu;
    this.hw = { wp: true, smep: c.smep, smap: c.smap, ac: c.ac, pke: cfg.pke, pkru: cfg.pkru };
    if (c.paging === 'pae') {
      this.pdptBase = cfg.root;
      for (let k = 0; k < 8; k++) this.pdpte[k] = this.mem.read32(cfg.root + 4 * k);
    }
  }

  /** Change event collection (the benchmark turns it off). */
  set collectEvents(on: boolean) {
    this.ev.on = on;
  }

  get counters(): ShadowCounters {
    return this.ev.counters;
  }

  /** Events recorded since the last call. */
  drainEvents(): ShadowEvent[] {
    return this.ev.drain();
  }

  /**
   * What the CPU does with the shadow tables: walk the current root for `va`;
   * on a present leaf that allows the access return its host-physical
   * address, else -1 (a #PF that exits to KVM). With `path`, records each
   * shadow page and index the CPU reads, for the step-by-step view.
   */
  hwWalk(vaLo: number, vaHi: number, op: OpCode, user: boolean, implicit: boolean, path?: { sp: ShadowPage; index: number }[]): number {
    const r = this.root!;
    let sp: ShadowPage | null = r.sp !== null ? r.sp : r.pae![(vaLo >>> 30) & 3];
    while (sp !== null) {
      const i = spIndex(vaLo, vaHi, sp.level);
      if (path !== undefined) path.push({ sp, index: i });
      const lo = sp.lo[i];
      if ((lo & 1) === 0) return -1;
      if (sp.level === 1) {
        const hi = sp.hi[i];
        if (!hwAllows(lo, hi, op, user, implicit, this.hw)) return -1;
        const pa = spteFrame(lo, hi) + (vaLo & 0xfff);
        this.pa = pa;
        return pa;
      }
      sp = sp.child[i];
    }
    return -1;
  }


  /**
   * A guest memory access at linear address (vaLo, vaHi). Returns OK (host
   * address in `pa`), PF (error code in `ec`) or GP; see `accessResult`.
   */
  access(vaLo: number, vaHi: number, op: OpCode, user: boolean, implicit: boolean): OutcomeCode {
    if (this.cfg.canonShift !== 0) {
      const s = (vaHi | 0) >> this.cfg.canonShift;
      if (s !== 0 && s !== -1) return GP;
    }
    const r = this.root;
    if (r === null || (r.sp !== null ? r.sp.invalid : true)) ensureRoot(this);
    if (this.hwWalk(vaLo, vaHi, op, user, implicit) >= 0) return OK;
    return pageFault(this, vaLo, vaHi, op, user, implicit);
  }

  /** `access` with a plain-data result. */
  accessResult(va: number | { lo: number; hi: number }, op: OpCode, cpl: 0 | 3, implicit = false): ShadowAccessResult {
    const v = typeof va === 'number' ? { lo: va % 4294967296, hi: Math.floor(va / 4294967296) } : va;
    const code = this.access(v.lo >>> 0, v.hi >>> 0, op, cpl === 3, implicit);
    if (code === OK) return { outcome: 'ok', pa: this.pa };
    if (code === PF) return { outcome: 'pf', ec: this.ec };
    return { outcome: 'gp' };
  }

  /** The guest kernel writes qword (lo, hi) at guest-physical `gpa` (see write-track.ts). */
  store64(gpa: number, lo: number, hi: number): void {
    guestStore(this, gpa, lo >>> 0, hi >>> 0);
  }

  /** A 4-byte store, as a 32-bit guest kernel writes one of its entries. */
  store32(gpa: number, v: number): void {
    guestStore(this, gpa, v >>> 0, 0, 4);
  }

  /** INVLPG: exits; KVM resyncs this address's SPTE in the current and previous roots (kvm_mmu_invlpg). */
  invlpg(vaLo: number, vaHi: number): void {
    this.ev.exit('invlpg', this.ev.on ? `exit: INVLPG linear ${hex64(vaLo, vaHi)}` : '');
    if (this.cfg.canonShift !== 0) {
      const s = (vaHi | 0) >> this.cfg.canonShift;
      if (s !== 0 && s !== -1) return; // non-canonical: a no-op
    }
    if (this.root === null) return;
    invalidateAddr(this, vaLo >>> 0, vaHi >>> 0, true);
  }

  /** MOV to CR3: exits; roots switch (previous-root cache) and the new root is synced. */
  loadCr3(value: number): void {
    this.ev.exit('cr3', this.ev.on ? `exit: CR3 load ${hx(value)} (guest-physical)` : '');
    this.takeCr3(value);
    switchRoot(this);
  }

  /**
   * FNAME(sync_spte) for shadow paging: re-read the guest PTE behind leaf SPTE
   * `i` of an unsync level-1 page; drop the SPTE if the guest entry is not
   * present, has reserved bits, is not accessed or maps another frame; else
   * rebuild it with the new rights (never writable while the gfn is shadowed).
   */
  syncSpte(sp: ShadowPage, i: number): void {
    if (sp.level !== 1 || sp.direct || !sp.isPresent(i)) return;
    const f = this.cfg.guest;
    const has4 = roleHas4Byte(sp.role);
    const a = sp.gfn * 4096 + (has4 ? (roleQuadrant(sp.role) * 512 + i) * 4 : i * 8);
    const lo = this.mem.read32(a);
    const hi = has4 ? 0 : this.mem.read32(a + 4);
    if (classify(f, 1, lo, hi) !== 'leaf' || (lo & f.accessedMask) === 0) {
      this.store.dropSpte(sp, i);
      return;
    }
    const gfn = Math.floor(f.leafBase(lo, hi, 1) / 4096);
    let acc = roleAccess(sp.role) & f.rights(lo, hi);
    if ((lo & f.dirtyMask) === 0) acc &= ~ACC_W;
    if (gfn !== sp.gfnOf[i]) {
      this.store.dropSpte(sp, i);
      return;
    }
    const pkey = has4 ? 0 : (hi >>> 27) & 15;
    if (acc === sp.accOf[i] && ((sp.hi[i] >>> 27) & 15) === pkey) return;
    const hpa = spteFrame(sp.lo[i], sp.hi[i]);
    const slot = this.host.slotOf(gfn);
    setLeaf(this, sp, i, gfn, hpa, acc, pkey, slot === null || !slot.readonly, false);
  }

  /** Live shadow pages and roots, as plain data for the UI. */
  snapshot(): ShadowSnapshot {
    const pages: ShadowPageView[] = this.store.live().map((sp) => pageView(sp));
    const rootView = (r: ShadowRoot | null): RootView | null =>
      r === null ? null : { pgd: r.pgd, hpa: r.hpa, pages: rootPages(r).map((p) => p.id), pae: r.pae === null ? null : r.pae.map((p) => (p ? p.id : null)) };
    return {
      pages,
      root: rootView(this.root),
      prevRoots: this.prevRoots.map(rootView),
      counters: { ...this.ev.counters },
    };
  }
}

export interface SpteView {
  index: number;
  /** The SPTE as a 0x hex string. */
  value: string;
  /** Linked child page id (non-leaf), or the guest frame and host address mapped (leaf). */
  child?: number;
  gfn?: number;
  hpa?: number;
  writable: boolean;
}

export interface ShadowPageView {
  id: number;
  level: number;
  gfn: number;
  hpa: number;
  direct: boolean;
  role: string;
  roleWord: number;
  unsync: boolean;
  unsyncChildren: number;
  /** The guest table it shadows cannot be written without an exit. */
  writeProtected: boolean;
  rootCount: number;
  invalid: boolean;
  writeFlooding: number;
  parents: { sp: number; index: number }[];
  sptes: SpteView[];
}

export interface RootView {
  pgd: number;
  hpa: number;
  pages: number[];
  pae: (number | null)[] | null;
}

export interface ShadowSnapshot {
  pages: ShadowPageView[];
  root: RootView | null;
  prevRoots: (RootView | null)[];
  counters: ShadowCounters;
}

function pageView(sp: ShadowPage): ShadowPageView {
  const sptes: SpteView[] = [];
  for (let i = 0; i < 512; i++) {
    if (!sp.isPresent(i)) continue;
    const c = sp.child[i];
    const v: SpteView = { index: i, value: hex64(sp.lo[i], sp.hi[i]), writable: (sp.lo[i] & 2) !== 0 };
    if (c !== null) v.child = c.id;
    else {
      v.gfn = sp.gfnOf[i];
      v.hpa = spteFrame(sp.lo[i], sp.hi[i]);
    }
    sptes.push(v);
  }
  return {
    id: sp.id,
    level: sp.level,
    gfn: sp.gfn,
    hpa: sp.hpa,
    direct: sp.direct,
    role: roleText(sp.role),
    roleWord: sp.role,
    unsync: sp.unsync,
    unsyncChildren: sp.unsyncChildren,
    writeProtected: !sp.direct && !sp.unsync,
    rootCount: sp.rootCount,
    invalid: sp.invalid,
    writeFlooding: sp.writeFlooding,
    parents: sp.parents.map((p, k) => ({ sp: p.id, index: sp.parentIdx[k] })),
    sptes,
  };
}

export { PF, GP, OK };
