/**
 * Nested EPT: an L1 hypervisor runs L2 with its own EPT (EPT12, in L1 memory);
 * KVM maps L1 with EPT01 and builds EPT02, a shadow EPT, on L2's EPT
 * violations: walk EPT12 (L1's format), resolve the L1 address through the
 * memslots (the source EPT01 is built from; EPT01 itself is not walked), and
 * install the EPT02 SPTE (nested.c nested_ept_init_mmu_context, paging_tmpl.h
 * with PTTYPE_EPT, reference §7.2). EPT12 pages are write-tracked / unsynced
 * like ordinary guest tables.
 *
 * The depth of EPT02 is the seed thread's question (reference §7.1), a setting:
 * - 'v5.7+': EPT02 depth = EPT12 depth (vmx_eptp_page_walk_level), 5 only when
 *   the host has 5-level EPT and exposes it to L1; EPTP02 says the same.
 * - 'v5.6-fixed4': both fixed at 4 (L1 is offered PWL4 only).
 * - 'v4.14-2020-bug': EPT02 built with 4 levels, but EPTP02 takes the TDP
 *   level (5 on a 5-level-EPT host when MAXPHYADDR > 48): the CPU walks the
 *   4-level tree as 5 levels, never finds L2's page, and L2 hangs.
 */
import { hex64 } from '../bits';
import { eptFormat, type PagingFormat } from '../formats';
import type { PhysMem } from '../memory';
import { compileEpt } from '../compile';
import { classify } from '../tree';
import { EPT_MISCONFIG, FETCH, OK, WRITE, Walker, type OpCode, type RefRecord } from '../walk';
import { EventLog, hx, type ShadowCounters, type ShadowEvent } from './events';
import { HostMemory, type MemSlot } from './host';
import { PageStore, SPTE_PRESENT, type ShadowPage } from './pages';
import { ACC_ALL, encodeRole } from './role';
import { guestStore, trackWrite } from './write-track';

export type NestedRule = 'v5.7+' | 'v5.6-fixed4' | 'v4.14-2020-bug';

export interface NestedEptOptions {
  /** L1's guest-physical memory (EPT12 lives here). */
  l1Memory: PhysMem;
  /** L1 guest-physical → host-physical. */
  slots: MemSlot[];
  /** EPT12: L1's EPTP (root is an L1 guest-physical address). */
  ept12: { levels: 4 | 5; root: number; ad: boolean; execonly: boolean };
  /** The host CPU's EPT: 5 when it supports 5-level EPT. */
  hostEptLevels: 4 | 5;
  /** L1's MAXPHYADDR (picks EPT01's depth: 5 only above 48 bits). */
  l1MaxPhyAddr: number;
  rule: NestedRule;
  /** Offer PWL5 to L1 (v5.7+ only, and only when the host has it). Default: whenever possible. */
  exposeEpt5?: boolean;
  collectEvents?: boolean;
}

export type NestedOutcome =
  | { outcome: 'ok'; hpa: number }
  | { outcome: 'ept_violation'; gpa: number; qual: number }
  | { outcome: 'ept_misconfig'; gpa: number }
  | { outcome: 'hang'; gpa: number; exits: number };

/** One step of the CPU's walk of EPT02 with EPTP02's depth. */
export interface HwEptStep {
  /** The level the CPU believes it is at (EPTP02's depth down to 1). */
  cpuLevel: number;
  tableHpa: number;
  index: number;
  entry: string;
  /** What that table really is: a shadow page (its id and true level) or not a table at all. */
  sp: number | null;
  spLevel: number | null;
  note: string;
}

export interface HwEptWalk {
  eptp02Levels: number;
  ept02Levels: number;
  steps: HwEptStep[];
  result: 'ok' | 'not-present' | 'misconfig' | 'wrong-page';
  /** Where the walk ended (ok or wrong-page). */
  hpa?: number;
  text: string;
}

const EPT_R = 1;
const EPT_W = 2;
const EPT_X = 4;
const TWO32 = 4294967296;
const CPU_LEVEL_NAMES = ['', 'EPT PT', 'EPT PD', 'EPT PDPT', 'EPT PML4', 'EPT PML5'];

export class NestedEptMachine {
  readonly l1mem: PhysMem;
  readonly mem: PhysMem;
  /** L1's memory, as events name its addresses. */
  readonly space = 'L1-physical';
  readonly host: HostMemory;
  readonly ev: EventLog;
  readonly store: PageStore;
  readonly rule: NestedRule;
  readonly ept12: NestedEptOptions['ept12'];
  readonly fmt12: PagingFormat;
  /** EPT01's depth (kvm_mmu_get_tdp_level), the depth EPT02 is really built with, and the depth EPTP02 tells the CPU. */
  readonly ept01Levels: 4 | 5;
  readonly ept02Levels: 4 | 5;
  readonly eptp02Levels: 4 | 5;
  readonly ept5Exposed: boolean;
  root: ShadowPage;
  private readonly baseRole: number;
  /** The engine's walker over EPT12 in L1 memory, with and without EPT A/D. */
  private readonly walker12: Walker;
  private readonly walker12NoAd: Walker;

  constructor(o: NestedEptOptions) {
    this.rule = o.rule;
    this.l1mem = o.l1Memory;
    this.mem = o.l1Memory;
    this.host = new HostMemory(o.slots);
    this.ev = new EventLog(o.collectEvents ?? true);
    this.ept12 = { ...o.ept12 };
    this.ept5Exposed = o.rule === 'v5.7+' && o.hostEptLevels === 5 && (o.exposeEpt5 ?? true);
    if (o.ept12.levels === 5 && !this.ept5Exposed) {
      throw new RangeError('EPTP12 asks for a 5-level walk, which KVM does not offer L1 under this rule/host (VM entry fails)');
    }
    this.ept01Levels = o.hostEptLevels === 5 && o.l1MaxPhyAddr > 48 ? 5 : 4;
    this.ept02Levels = o.rule === 'v5.7+' ? o.ept12.levels : 4;
    this.eptp02Levels = o.rule === 'v5.7+' ? o.ept12.levels : o.rule === 'v5.6-fixed4' ? 4 : this.ept01Levels;
    this.fmt12 = eptFormat({ levels: o.ept12.levels, maxphyaddr: o.l1MaxPhyAddr, execonly: o.ept12.execonly });
    const e12 = { levels: o.ept12.levels, root: o.ept12.root, execonly: o.ept12.execonly, maxphyaddr: o.l1MaxPhyAddr };
    this.walker12 = new Walker(compileEpt({ ...e12, ad: true }), o.l1Memory);
    this.walker12NoAd = new Walker(compileEpt({ ...e12, ad: false }), o.l1Memory);
    this.store = new PageStore(this.host, this.ev, EPT_R | EPT_W | EPT_X | (o.ept12.ad ? 0x100 : 0) | SPTE_PRESENT);
    this.store.owner = { syncSpte: (sp, i) => this.syncSpte(sp, i) };
    // kvm_calc_shadow_ept_root_page_role: level = the depth EPT02 is built with, guest_mode, ad_disabled = !EPTP12[6].
    this.baseRole = encodeRole({
      level: this.ept02Levels,
      has4ByteGpte: false,
      quadrant: 0,
      direct: false,
      access: ACC_ALL,
      invalid: false,
      eferNx: true,
      cr0Wp: true,
      smepAndNotWp: false,
      smapAndNotWp: false,
      adDisabled: !o.ept12.ad,
      guestMode: true,
    });
    this.root = this.allocRoot();
    if (this.ev.on) {
      this.ev.emit('root', `EPT01 ${this.ept01Levels}-level; EPT12 ${o.ept12.levels}-level; EPT02 built with ${this.ept02Levels} levels, EPTP02 page-walk length ${this.eptp02Levels} (${o.rule})`);
    }
  }

  get counters(): ShadowCounters {
    return this.ev.counters;
  }

  drainEvents(): ShadowEvent[] {
    return this.ev.drain();
  }

  private allocRoot(): ShadowPage {
    const sp = this.store.get(Math.floor(this.ept12.root / 4096), this.baseRole).sp;
    sp.rootCount++;
    return sp;
  }

  /**
   * Walk EPT12 (L1's format and reserved bits) for an L2 guest-physical address.
   * Returns the L1 address and the rights AND-ed over the walk, or the exit L1 gets.
   */
  walkEpt12(gpa: number, op: OpCode): { ok: true; l1gpa: number; acc: number; leafLevel: number; tables: number[]; ptAcc: number[] } | { ok: false; misconfig: boolean; qual: number } {
    const w = this.ept12.ad ? this.walker12 : this.walker12NoAd;
    const code = w.translateGpa(gpa, op);
    // EPT12's A/D flags are set in L1 memory, as the CPU sets them for L1's EPT.
    if (this.ev.on && w.pending.size > 0) {
      const qwords = new Set([...w.pending.keys()].map((a) => a - (a % 8))).size;
      this.ev.emit('guest-ad', `KVM's EPT12 walk set accessed/dirty flags in ${qwords} EPT12 entr${qwords === 1 ? 'y' : 'ies'} (EPT12 A/D is on)`);
    }
    w.commit();
    if (code === EPT_MISCONFIG) return { ok: false, misconfig: true, qual: 0 };
    if (code !== OK) return { ok: false, misconfig: false, qual: w.qual };
    const e = w.e;
    const tables: number[] = [];
    const ptAcc: number[] = [];
    let acc = 7;
    for (let l = this.fmt12.rootLevel; l >= e.leafLevel; l--) {
      tables[l] = e.entryPa[l] - (e.entryPa[l] % 4096);
      acc &= e.entryLo[l] & 7;
      ptAcc[l] = acc;
    }
    return { ok: true, l1gpa: w.pa, acc, leafLevel: e.leafLevel, tables, ptAcc };
  }

  /**
   * KVM's walk of EPT12 for `gpa` as the engine's reference records (one per
   * EPT12 entry read), without setting any A/D flag: for showing the walk.
   */
  traceEpt12(gpa: number, op: OpCode): RefRecord[] {
    const w = this.walker12NoAd;
    w.log = [];
    w.translateGpa(gpa, op);
    const refs = w.log;
    w.log = null;
    return refs;
  }

  /** The fresh answer for an L2 access: the host address through EPT12 and the memslots, or null (no A/D side effects). */
  walkEpt12Pure(gpa: number, op: OpCode): number | null {
    const ad = this.ept12.ad;
    this.ept12.ad = false;
    const w = this.walkEpt12(gpa, op);
    this.ept12.ad = ad;
    if (!w.ok) return null;
    const hpa = this.host.hpaOf(w.l1gpa);
    return hpa < 0 ? null : hpa;
  }

  /** An L2 access to guest-physical `gpa`: through EPT02 if it maps it, else an EPT-violation exit to KVM. */
  access(gpa: number, op: OpCode): NestedOutcome {
    if (this.root.invalid) {
      this.store.putRoot(this.root);
      this.root = this.allocRoot();
    }
    for (let tries = 0; tries < 4; tries++) {
      const hw = this.hwWalk(gpa, op);
      if (hw.result === 'ok') return { outcome: 'ok', hpa: hw.hpa! };
      this.ev.exit('ept-violation', this.ev.on ? `exit: EPT violation at L2-physical ${hx(gpa)}${tries > 0 ? ' again' : ''}: ${hw.text}` : '');
      const w = this.walkEpt12(gpa, op);
      if (!w.ok) {
        this.ev.counters.injected++;
        if (this.ev.on) this.ev.emit('inject', `EPT12 does not map L2-physical ${hx(gpa)}: ${w.misconfig ? 'EPT misconfiguration' : 'EPT violation'} reflected to L1`);
        return w.misconfig ? { outcome: 'ept_misconfig', gpa } : { outcome: 'ept_violation', gpa, qual: w.qual };
      }
      const hpa = this.host.hpaOf(w.l1gpa);
      if (hpa < 0) throw new RangeError(`L1 guest-physical ${hx(w.l1gpa)} is in no memory slot`);
      const gfn = Math.floor(w.l1gpa / 4096);
      if (op === WRITE && this.store.isWriteTracked(gfn)) {
        // L2 writes a page that is one of L1's EPT12 tables: emulated, then tracked.
        this.emulated(`L2 write to EPT12 table gfn ${this.ev.on ? hx(gfn) : ''} emulated`);
        trackWrite(this, w.l1gpa - (w.l1gpa % 4), 4);
        return { outcome: 'ok', hpa };
      }
      this.fetch(gpa, w, hpa);
      if (this.eptp02Levels === this.ept02Levels && this.hwWalk(gpa, op).result !== 'ok') {
        this.emulated('the EPT02 SPTE still denies the access');
        return { outcome: 'ok', hpa };
      }
    }
    // The CPU keeps faulting on a translation KVM believes it installed: L2 never makes progress.
    if (this.ev.on) this.ev.emit('emulate', `L2 hangs: every retry of L2-physical ${hx(gpa)} exits with the same EPT violation (EPT02 has ${this.ept02Levels} levels, EPTP02 says ${this.eptp02Levels})`);
    return { outcome: 'hang', gpa, exits: 4 };
  }

  private emulated(text: string): void {
    this.ev.counters.emulated++;
    if (this.ev.on) this.ev.emit('emulate', text);
  }

  /** FNAME(fetch) for EPT02: indirect pages for EPT12 tables, direct pages under EPT12 large pages, then the leaf. */
  private fetch(gpa: number, w: { l1gpa: number; acc: number; leafLevel: number; tables: number[]; ptAcc: number[] }, hpa: number): void {
    const st = this.store;
    let sp = this.root;
    sp.writeFlooding = 0;
    const idxAt = (l: number) => Math.floor(gpa / 2 ** (3 + 9 * l)) % 512;
    // With a 4-level EPT02 for a deeper EPT12 (never under these rules) levels would not line up; they always do here.
    const top = Math.min(sp.level, this.fmt12.rootLevel);
    while (sp.level > w.leafLevel && sp.level <= top) {
      sp = st.indirectChild(sp, idxAt(sp.level), Math.floor(w.tables[sp.level - 1] / 4096), w.ptAcc[sp.level]);
    }
    const gfn = Math.floor(w.l1gpa / 4096);
    while (sp.level > 1) sp = st.directChild(sp, idxAt(sp.level), gfn, w.acc);
    this.setLeaf(sp, idxAt(1), gfn, hpa - (hpa % 4096), w.acc, true);
  }

  /** An EPT-format leaf: RWX from EPT12 AND host AND write protection; memory type WB; A/D when EPT12 uses them. */
  private setLeaf(sp: ShadowPage, i: number, gfn: number, hpa: number, acc: number, canUnsync: boolean): void {
    let a = acc;
    const slot = this.host.slotOf(gfn);
    if (slot?.readonly) a &= ~EPT_W;
    if ((a & EPT_W) !== 0 && !this.store.tryUnsync(gfn, canUnsync)) a &= ~EPT_W;
    const lo = ((hpa % TWO32) | (a & 7) | (6 << 3) | SPTE_PRESENT | (this.ept12.ad ? 0x100 | (a & EPT_W ? 0x200 : 0) : 0)) >>> 0;
    const was = sp.isPresent(i);
    this.store.setLeaf(sp, i, lo, Math.floor(hpa / TWO32), gfn, acc);
    if (this.ev.on) this.ev.emit(was ? 'spte-update' : 'spte-install', `EPT02 SPTE #${sp.id}[${i}] → host ${hx(hpa)} ${a & 1 ? 'R' : '-'}${a & 2 ? 'W' : '-'}${a & 4 ? 'X' : '-'}`, { sp: sp.id, index: i, gfn, level: 1 });
  }

  /** Re-read the EPT12 entry behind an unsync EPT02 leaf (FNAME(sync_spte) with PTTYPE_EPT). */
  private syncSpte(sp: ShadowPage, i: number): void {
    if (sp.level !== 1 || sp.direct || !sp.isPresent(i)) return;
    const a = sp.gfn * 4096 + i * 8;
    const lo = this.l1mem.read32(a);
    const hi = this.l1mem.read32(a + 4);
    const gfn = Math.floor(this.fmt12.leafBase(lo, hi, 1) / 4096);
    if (classify(this.fmt12, 1, lo, hi) !== 'leaf' || gfn !== sp.gfnOf[i]) {
      this.store.dropSpte(sp, i);
      return;
    }
    const acc = ((sp.role >>> 8) & 7) & (lo & 7);
    if (acc !== sp.accOf[i]) this.setLeaf(sp, i, gfn, this.host.hpaOf(gfn * 4096), acc, false);
  }

  /** L1 writes a qword of its memory (e.g. an EPT12 entry): tracked like a guest page-table write. */
  l1Store(gpa: number, lo: number, hi: number): void {
    guestStore(this, gpa, lo >>> 0, hi >>> 0);
  }

  /** INVEPT (single context) by L1: KVM frees the roots and syncs on the next entry; modelled as a resync of EPT02. */
  invept(): void {
    this.ev.exit('invlpg', this.ev.on ? 'exit: INVEPT by L1; EPT02 resynced from EPT12' : '');
    this.store.syncChildren(this.root);
  }

  /**
   * The CPU's walk of EPT02 for `gpa` with EPTP02's page-walk length, read
   * from the shadow tables as they are in host memory. With the 2020 bug it
   * walks a 4-level tree as 5 levels: it takes the root's entry for bits
   * 56:48 as a PML5E, every table one level too high, and ends reading a
   * data page of L2 as if it were an EPT page table.
   */
  hwWalk(gpa: number, op: OpCode): HwEptWalk {
    const need = op === WRITE ? EPT_W : op === FETCH ? EPT_X : EPT_R;
    const steps: HwEptStep[] = [];
    let table = this.root.hpa;
    const n = this.eptp02Levels;
    const done = (result: HwEptWalk['result'], text: string, hpa?: number): HwEptWalk => ({ eptp02Levels: n, ept02Levels: this.ept02Levels, steps, result, text, hpa });
    for (let l: number = n; l >= 1; l--) {
      const index = Math.floor(gpa / 2 ** (3 + 9 * l)) % 512;
      const sp = this.store.byHpa.get(table) ?? null;
      let lo: number;
      let hi: number;
      if (sp !== null) {
        lo = sp.lo[index];
        hi = sp.hi[index];
      } else {
        // Not a shadow table: the CPU reads whatever that host page holds (an L2 data page).
        const g = this.l1gpaOfHpa(table);
        lo = g < 0 ? 0 : this.l1mem.read32(g + index * 8);
        hi = g < 0 ? 0 : this.l1mem.read32(g + index * 8 + 4);
      }
      const entry = hex64(lo, hi);
      const real = sp === null ? 'not a page table: an L2 data page' : `shadow page #${sp.id}, really a level-${sp.level} table`;
      const note = sp !== null && sp.level !== l ? `the CPU reads it as ${CPU_LEVEL_NAMES[l]}, but it is ${real}` : sp === null ? `the CPU reads it as ${CPU_LEVEL_NAMES[l]}, but it is ${real}` : `${CPU_LEVEL_NAMES[l]}`;
      steps.push({ cpuLevel: l, tableHpa: table, index, entry, sp: sp?.id ?? null, spLevel: sp?.level ?? null, note });
      if ((lo & 7) === 0) return done('not-present', `${CPU_LEVEL_NAMES[l]} entry ${index} is not present`);
      if ((lo & 7) === 2 || (lo & 7) === 6) return done('misconfig', `${CPU_LEVEL_NAMES[l]} entry ${index} is misconfigured (W without R)`);
      const leaf = l === 1 || (l <= 3 && (lo & 0x80) !== 0);
      const frame = (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);
      if (leaf) {
        if ((lo & need) !== need) return done('not-present', `leaf lacks the ${op === WRITE ? 'W' : op === FETCH ? 'X' : 'R'} permission`);
        const size = 2 ** (3 + 9 * l);
        const hpa = frame - (frame % size) + (gpa % size);
        const right = sp !== null && sp.level === 1 && l === 1;
        return right ? done('ok', `translated to host-physical ${hx(hpa)}`, hpa) : done('wrong-page', `ended on a wrong page (host-physical ${hx(hpa)})`, hpa);
      }
      table = frame;
    }
    return done('not-present', 'walk ran out of levels');
  }

  private l1gpaOfHpa(hpa: number): number {
    for (const s of this.host.slots) if (hpa >= s.hpa && hpa < s.hpa + s.size) return s.gpa + (hpa - s.hpa);
    return -1;
  }

  /**
   * The 2020 hang, step by step: make sure KVM has built EPT02 for `gpa` (its
   * EPT12 walk succeeds), then show the CPU's walk with EPTP02's length.
   */
  explainHang(gpa: number, op: OpCode = 0): HwEptWalk {
    const w = this.walkEpt12(gpa, op);
    if (w.ok) {
      const hpa = this.host.hpaOf(w.l1gpa);
      if (hpa >= 0) this.fetch(gpa, w, hpa);
    }
    return this.hwWalk(gpa, op);
  }
}

/** The rule's depths for a host and an L1 EPT, without building anything (for the UI's settings panel). */
export function nestedDepths(rule: NestedRule, hostEptLevels: 4 | 5, l1MaxPhyAddr: number, ept12Levels: 4 | 5) {
  const ept01 = hostEptLevels === 5 && l1MaxPhyAddr > 48 ? 5 : 4;
  const ept5Offered = rule === 'v5.7+' && hostEptLevels === 5;
  return {
    ept01,
    ept5Offered,
    ept12Allowed: ept12Levels === 4 || ept5Offered,
    ept02: rule === 'v5.7+' ? ept12Levels : 4,
    eptp02: rule === 'v5.7+' ? ept12Levels : rule === 'v5.6-fixed4' ? 4 : ept01,
  };
}
