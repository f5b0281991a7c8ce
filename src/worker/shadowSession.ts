/**
 * The worker's shadow-MMU session (issue 4): holds a ShadowMachine (shadow
 * paging) or a NestedEptMachine (nested EPT), runs guest operations on it and
 * answers with plain-data views: the guest's tables, the live shadow pages
 * with the guest table each shadows, the events since it started, counters,
 * and for the last operation the CPU's walk through the shadow tables, KVM's
 * walk of the guest's tables after the exit, and the CPU's retry.
 */
import { classify, collectTree, disableEpt, eptFormat, guestFormat, guestRoot, hex64, hexNum, translate, traceWalk } from '../engine';
import type { Access, AccessOp, PagingFormat, PhysMem, Scenario, TraceStep, WalkResult } from '../engine';
import { NestedEptMachine, ShadowMachine, decodeRole, roleText, type ShadowEvent } from '../engine/shadow';
import type { ShadowPage } from '../engine/shadow/pages';
import type { ShadowRoot } from '../engine/shadow/roots';
import { spteFrame } from '../engine/shadow/spte';
import type { OpCode } from '../engine/ops';
import type { GuestOp, NestedSetup, ShadowSetup } from '../presets/shadow';
import type { GuestTableView, NestedInfo, OpRecord, ShadowEventView, ShadowPageCard, ShadowView, WalkStepView } from './shadowTypes';

/** Events kept for the log (older ones are counted as dropped). */
export const EVENT_LIMIT = 600;
/** Entries listed per guest table and SPTEs per shadow page. */
const ROWS = 6;
const OPS: AccessOp[] = ['read', 'write', 'fetch'];
const OP_CODE: Record<AccessOp, 0 | 1 | 2> = { read: 0, write: 1, fetch: 2 };
const PAGING_NAME: Record<string, string> = { '32': '32-bit guest on a PAE root', pae: 'PAE guest on a PAE root', '4': '4-level guest', '5': '5-level guest' };

const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const vaOf = (a: Access): bigint => big(a.va.lo, a.va.hi);
const hexBig = (v: bigint): string => '0x' + v.toString(16);
const u64 = (v: bigint) => ({ lo: Number(v & 0xffffffffn), hi: Number((v >> 32n) & 0xffffffffn) });

type Machine = { kind: 'shadow'; m: ShadowMachine; spaces: { name: string; cr3: number }[]; space: number } | { kind: 'nested'; m: NestedEptMachine; setup: NestedSetup; ept: NonNullable<Scenario['ept']> };

export class ShadowSession {
  private mc: Machine | null = null;
  private presetId: string | null = null;
  private title = '';
  private access: Access | null = null;
  private events: ShadowEventView[] = [];
  private dropped = 0;
  private last: OpRecord | null = null;
  private prevCards = new Map<number, ShadowPageCard>();
  private zapped: ShadowPageCard[] = [];
  private created: number[] = [];
  private hang: NestedInfo['hang'] = null;

  /** Start a run: a fresh machine for the setup's guest (its memory is copied), no operations yet. */
  openSetup(setup: ShadowSetup | NestedSetup, presetId: string | null, title: string): void {
    this.presetId = presetId;
    this.title = title;
    this.access = setup.access;
    this.events = [];
    this.dropped = 0;
    this.last = null;
    this.prevCards = new Map();
    this.hang = null;
    const memory = setup.scenario.memory.clone();
    if (setup.mode === 'shadow') {
      const m = new ShadowMachine({ cpu: setup.scenario.cpu, slots: setup.slots, memory });
      const space = Math.max(0, setup.spaces.findIndex((x) => x.cr3 === setup.scenario.cpu.cr3));
      this.mc = { kind: 'shadow', m, spaces: setup.spaces, space };
    } else {
      const ept = setup.scenario.ept!;
      const m = new NestedEptMachine({
        l1Memory: memory,
        slots: setup.slots,
        ept12: { levels: ept.levels, root: ept.root, ad: ept.ad, execonly: ept.execonly },
        hostEptLevels: setup.hostEptLevels,
        l1MaxPhyAddr: setup.l1MaxPhyAddr,
        rule: setup.rule,
        exposeEpt5: setup.exposeEpt5,
      });
      this.mc = { kind: 'nested', m, setup, ept };
    }
    this.collect();
  }

  get open(): boolean {
    return this.mc !== null;
  }

  /** The guest as a scenario (memory as the guest now has it: A/D bits, stores) and the current access, for the main session. */
  guest(): { scenario: Scenario; access: Access } | null {
    const mc = this.mc;
    if (mc === null || this.access === null) return null;
    if (mc.kind === 'shadow') return { scenario: { cpu: { ...mc.m.cpu }, ept: null, memory: mc.m.mem.clone() }, access: this.access };
    return { scenario: { cpu: { ...mc.setup.scenario.cpu }, ept: { ...mc.ept }, memory: mc.m.l1mem.clone() }, access: this.access };
  }

  setAccess(a: Access): void {
    this.access = a;
  }

  /** Run one guest operation and record what happened (the walks, the events, which pages came and went). */
  runOp(op: GuestOp): OpRecord {
    if (this.mc === null) throw new Error('no shadow MMU is running');
    this.exec(op);
    this.collect();
    return this.last!;
  }

  /**
   * What the CPU does with the shadow tables (EPT02 under nested EPT) for
   * access `a` right now, without changing anything: the host-physical
   * address it reaches with no exit, or why it would exit.
   */
  cpuTranslate(a: Access): { hpa: number; l2pa?: number } | { exit: string } | { fault: string } {
    const mc = this.mc!;
    if (mc.kind === 'shadow') {
      const m = mc.m;
      if (m.cfg.canonShift !== 0) {
        const t = (a.va.hi | 0) >> m.cfg.canonShift;
        if (t !== 0 && t !== -1) return { fault: '#GP(0): the address is not canonical' };
      }
      const r = m.root;
      const stale = r === null || (r.sp !== null ? r.sp.invalid : r.pae === null);
      if (stale) return { exit: 'no usable shadow root is loaded' };
      const path: { sp: ShadowPage; index: number }[] = [];
      const pa = m.hwWalk(a.va.lo >>> 0, a.va.hi >>> 0, OP_CODE[a.op], a.cpl === 3, a.implicit, path);
      if (pa >= 0) return { hpa: pa };
      // Where the CPU's walk of the shadow tables stopped.
      const last = path[path.length - 1];
      if (!last) return { exit: 'the shadow root has no entry for it' };
      const where = `shadow page #${last.sp.id} (level ${last.sp.level}) entry ${last.index}`;
      return { exit: last.sp.isPresent(last.index) ? `${where} does not allow a ${a.op} at CPL ${a.cpl}` : `${where} is not present` };
    }
    const w = this.l2walk(a);
    if ('fault' in w) return { fault: w.fault };
    const hw = mc.m.hwWalk(w.gpa, OP_CODE[a.op]);
    return hw.result === 'ok' ? { hpa: hw.hpa!, l2pa: w.gpa } : { exit: hw.text };
  }

  /**
   * The guest's own answer now, from its tables in memory: shadow paging —
   * linear → guest-physical → host-physical through the memory slots; nested
   * EPT — L2-linear → L2-physical → L1-physical (EPT12) → host-physical.
   */
  guestTranslate(a: Access): { gpa: number; l1pa?: number; hpa: number | null } | { fault: string } {
    const mc = this.mc!;
    if (mc.kind === 'shadow') {
      const r = translate({ cpu: mc.m.cpu, ept: null, memory: this.guestView() }, a);
      if (r.outcome !== 'ok') return { fault: faultText(r) };
      const hpa = mc.m.host.hpaOf(r.pa!);
      return { gpa: r.pa!, hpa: hpa < 0 ? null : hpa };
    }
    const w = this.l2walk(a);
    if ('fault' in w) return { fault: w.fault };
    const refs = mc.m.traceEpt12(w.gpa, OP_CODE[a.op]);
    const f = this.fmt12();
    const last = refs[refs.length - 1];
    if (!last || classify(f, last.level, last.lo, last.hi) !== 'leaf') return { fault: `EPT12 does not map L2-physical ${hexNum(w.gpa)}` };
    const l1pa = f.leafBase(last.lo, last.hi, last.level) + (w.gpa % 2 ** f.levels[last.level].shift);
    const hpa = mc.m.host.hpaOf(l1pa);
    return { gpa: w.gpa, l1pa, hpa: hpa < 0 ? null : hpa };
  }

  /**
   * Guest memory as the guest's own walk reads it now. A PAE guest walks from
   * its PDPTE registers, loaded at the last CR3 load, not from the PDPT in
   * memory; so the registers stand in for the four PDPTEs.
   */
  private guestView(): PhysMem {
    const m = (this.mc as Extract<Machine, { kind: 'shadow' }>).m;
    if (m.cpu.paging !== 'pae') return m.mem;
    let same = true;
    for (let k = 0; k < 8; k++) if (m.mem.read32(m.pdptBase + 4 * k) !== m.pdpte[k]) same = false;
    if (same) return m.mem;
    const mem = m.mem.clone();
    for (let k = 0; k < 8; k++) mem.write32(m.pdptBase + 4 * k, m.pdpte[k]);
    return mem;
  }

  /** Does a PAE guest's memory PDPT differ from its PDPTE registers (a store without a CR3 reload)? */
  pdptesStale(): boolean {
    const mc = this.mc!;
    if (mc.kind !== 'shadow' || mc.m.cpu.paging !== 'pae') return false;
    return this.guestView() !== mc.m.mem;
  }

  get mode(): 'shadow' | 'nested' {
    return this.mc!.kind;
  }

  /** L2 guest-physical address of an L2-linear access: L2's own walk of its tables, read through EPT12 as L1 maps them. */
  private l2walk(a: Access): { gpa: number } | { fault: string } {
    const g = this.guest()!;
    const r = translate(disableEpt(g.scenario), a);
    if (r.outcome === 'ok') return { gpa: r.pa! };
    return { fault: faultText(r) };
  }

  private exec(op: GuestOp): void {
    const mc = this.mc!;
    const exits0 = mc.m.counters.exits;
    const rec: OpRecord = { title: '', exits: 0, hardware: null, hardwareVerdict: null, guestWalk: null, guestWalkVerdict: null, retry: null, retryVerdict: null, outcome: '', result: { outcome: 'none' } };
    if (mc.kind === 'shadow') {
      const m = mc.m;
      switch (op.kind) {
        case 'access': {
          const a: Access = { va: u64(op.va), op: op.op, cpl: op.cpl, implicit: op.implicit ?? false };
          this.access = a;
          rec.title = `${op.op} linear ${hexBig(op.va)} at CPL ${op.cpl}${a.implicit ? ' (implicit supervisor access)' : ''}`;
          const before = this.hwShadow(op.va, a);
          rec.hardware = before.steps;
          rec.hardwareVerdict = before.verdict;
          const trace = traceWalk({ cpu: m.cpu, ept: null, memory: m.mem }, a);
          const r = m.accessResult(a.va, OP_CODE[op.op], op.cpl, a.implicit);
          rec.result = r.outcome === 'ok' ? { outcome: 'ok', hpa: r.pa! } : r.outcome === 'pf' ? { outcome: 'pf', ec: r.ec! } : { outcome: 'gp' };
          rec.outcome =
            r.outcome === 'ok'
              ? `The guest's ${op.op} reaches host-physical ${hexNum(r.pa!)}.`
              : r.outcome === 'pf'
                ? `The guest gets a #PF, error code ${hexNum(r.ec!)} (injected by KVM).`
                : 'The guest gets a #GP (non-canonical address).';
          if (m.counters.exits > exits0 && r.outcome !== 'gp') {
            rec.guestWalk = trace.steps.map(guestStep);
            rec.guestWalkVerdict = `KVM's walk of the guest tables: ${trace.outcome.title}`;
            const after = this.hwShadow(op.va, a);
            rec.retry = after.steps;
            rec.retryVerdict = after.verdict;
          }
          break;
        }
        case 'store': {
          rec.title = `guest store ${hexBig(op.value)} at guest-physical ${hexNum(op.gpa)}`;
          // A 32-bit guest writes its 4-byte entries with 4-byte stores (vector cases always store a qword).
          if (op.width !== 8 && m.cpu.paging === '32' && op.value <= 0xffffffffn && op.gpa % 4 === 0) m.store32(op.gpa, Number(op.value));
          else m.store64(op.gpa, Number(op.value & 0xffffffffn), Number(op.value >> 32n));
          rec.outcome = m.counters.exits > exits0 ? 'The store hit a write-protected guest page table and exited.' : 'The store completed without an exit.';
          break;
        }
        case 'invlpg': {
          rec.title = `INVLPG linear ${hexBig(op.va)}`;
          m.invlpg(Number(op.va & 0xffffffffn), Number(op.va >> 32n));
          // The events not yet collected are this operation's own.
          rec.outcome = `INVLPG exits; ${invlpgEffect(m.ev.events)}`;
          break;
        }
        case 'cr3': {
          const sp = mc.spaces[op.space];
          if (!sp) throw new Error(`there is no address space ${op.space}`);
          rec.title = op.space === mc.space ? `Load CR3 (reload ${hexNum(sp.cr3)})` : `Load CR3 ${hexNum(sp.cr3)} (${sp.name})`;
          const hits = m.counters.rootHits;
          m.loadCr3(sp.cr3);
          mc.space = op.space;
          rec.outcome = m.counters.rootHits > hits ? 'Root cache hit: the cached shadow tree is reused.' : `CR3 load exits; ${m.paeRoot ? 'PAE roots are not cached: the PAE root is rebuilt from the PDPTEs' : 'the root for this CR3 is ready'}.`;
          break;
        }
        default:
          throw new Error(`${op.kind} needs nested EPT`);
      }
    } else {
      const m = mc.m;
      switch (op.kind) {
        case 'access': {
          // An L2-linear access: L2's own tables give the L2-physical address first (no exit; a fault there is L2's own #PF).
          const a: Access = { va: u64(op.va), op: op.op, cpl: op.cpl, implicit: op.implicit ?? false };
          this.access = a;
          const w = this.l2walk(a);
          if ('fault' in w) {
            rec.title = `L2 ${op.op} at L2-linear ${hexBig(op.va)}`;
            rec.outcome = `L2's own page tables do not allow it: L2 gets ${w.fault} from its own walk, with no exit to L1 or KVM.`;
            rec.result = { outcome: 'l2-fault', text: w.fault };
            break;
          }
          this.l2Access(rec, w.gpa, op.op, `L2 ${op.op} at L2-linear ${hexBig(op.va)} (L2-physical ${hexNum(w.gpa)})`);
          break;
        }
        case 'l2-access':
          this.l2Access(rec, op.gpa, op.op, `L2 ${op.op} at L2-physical ${hexNum(op.gpa)}`);
          break;
        case 'l1-store':
          rec.title = `L1 store ${hexBig(op.value)} at L1-physical ${hexNum(op.gpa)}`;
          m.l1Store(op.gpa, Number(op.value & 0xffffffffn), Number(op.value >> 32n));
          rec.outcome = m.counters.exits > exits0 ? 'The store hit a write-protected EPT12 table and exited.' : 'The store completed without an exit.';
          break;
        case 'invept':
          rec.title = 'INVEPT (single context) by L1';
          m.invept();
          rec.outcome = `INVEPT exits; KVM resyncs EPT02 from EPT12${m.ev.events.some((e) => e.type === 'spte-drop') ? ' (it dropped the EPT02 entries whose EPT12 entries changed)' : ''}.`;
          break;
        default:
          throw new Error(`${op.kind} needs shadow paging`);
      }
    }
    rec.exits = mc.m.counters.exits - exits0;
    // Every accessed/dirty change the operation made, said (the events not yet collected are this operation's).
    const ad = mc.m.ev.events.filter((e) => e.type === 'guest-ad');
    if (ad.length > 0) {
      if (mc.kind === 'shadow') rec.outcome += ` KVM's walk set the accessed${ad.some((e) => /dirty/.test(e.text)) ? ' and dirty' : ''} flags in the guest's page-table entries.`;
      else rec.outcome += ` ${ad.map((e) => e.text).join('; ')}.`;
    }
    this.last = rec;
  }

  /** An L2 access to L2-physical `gpa`: the CPU's EPT02 walk, KVM's EPT12 walk on an exit, and the retry. */
  private l2Access(rec: OpRecord, gpa: number, kind: AccessOp, title: string): void {
    const mc = this.mc as Extract<Machine, { kind: 'nested' }>;
    const m = mc.m;
    const exits0 = m.counters.exits;
    rec.title = title;
    const code = OP_CODE[kind];
    const before = nestedHw(m.hwWalk(gpa, code));
    rec.hardware = before.steps;
    rec.hardwareVerdict = before.verdict;
    const k = ept12Walk(m, this.fmt12(), gpa, code);
    const l1 = k.l1;
    const r = m.access(gpa, code);
    if (r.outcome === 'ok') rec.result = { outcome: 'ok', hpa: r.hpa, l2pa: gpa, l1pa: l1 };
    else if (r.outcome === 'hang') rec.result = { outcome: 'hang', l2pa: gpa, text: `${r.exits} EPT violations in a row` };
    else rec.result = { outcome: r.outcome, l2pa: gpa, ...(r.outcome === 'ept_violation' ? { qual: r.qual } : {}) };
    rec.outcome =
      r.outcome === 'ok'
        ? `L2's ${kind} reaches host-physical ${hexNum(r.hpa)}${l1 !== null ? ` (L1-physical ${hexNum(l1)})` : ''}.`
        : r.outcome === 'hang'
          ? `L2 hangs: ${r.exits} EPT violations in a row for L2-physical ${hexNum(r.gpa)}, and KVM finds nothing to fix.`
          : r.outcome === 'ept_violation'
            ? `EPT12 does not allow it: an EPT violation at L2-physical ${hexNum(gpa)} is reflected to L1.`
            : `EPT12 is misconfigured for L2-physical ${hexNum(gpa)}: an EPT misconfiguration is reflected to L1.`;
    if (m.counters.exits > exits0) {
      rec.guestWalk = k.steps;
      rec.guestWalkVerdict = k.verdict;
      const after = nestedHw(m.hwWalk(gpa, code));
      rec.retry = after.steps;
      rec.retryVerdict = after.verdict;
    }
    const w = m.hwWalk(gpa, code);
    this.hang = m.eptp02Levels !== m.ept02Levels && w.result !== 'ok' ? nestedHw(w) : null;
    if (this.hang) this.hang = { steps: this.hang.steps, verdict: `EPTP02 says ${m.eptp02Levels} levels, EPT02 has ${m.ept02Levels}: ${w.text}` };
  }

  private fmt12(): PagingFormat {
    const mc = this.mc as Extract<Machine, { kind: 'nested' }>;
    return eptFormat({ levels: mc.ept.levels, maxphyaddr: mc.setup.l1MaxPhyAddr, execonly: mc.ept.execonly });
  }

  /** The CPU's walk of the current shadow root for `va`; the verdict comes from the machine's own hardware check. */
  private hwShadow(va: bigint, a: Access): { steps: WalkStepView[]; verdict: string } {
    const m = (this.mc as Extract<Machine, { kind: 'shadow' }>).m;
    const steps: WalkStepView[] = [];
    const r: ShadowRoot | null = m.root;
    if (r === null) return { steps, verdict: 'No shadow root is loaded: KVM builds one before the guest runs.' };
    let sp: ShadowPage | null;
    if (r.pae !== null) {
      const q = Number((va >> 30n) & 3n);
      sp = r.pae[q];
      steps.push({ level: 3, table: `PAE root ${hexNum(r.hpa)}`, index: q, entry: sp ? `→ #${sp.id}` : '0', note: sp ? `PAE root entry ${q} → shadow page #${sp.id}` : `PAE root entry ${q} is empty`, state: sp ? 'ok' : 'stop' });
    } else sp = r.sp;
    const stale = sp !== null && sp.invalid;
    // The engine's own walk of the shadow tables, with the path it took.
    const path: { sp: ShadowPage; index: number }[] = [];
    const pa = stale || sp === null ? -1 : m.hwWalk(a.va.lo >>> 0, a.va.hi >>> 0, OP_CODE[a.op], a.cpl === 3, false, path);
    for (const { sp: p, index: i } of path) {
      const table = `shadow page #${p.id} (L${p.level})`;
      const c = p.child[i];
      if (!p.isPresent(i)) steps.push({ level: p.level, table, index: i, entry: '0', note: `SPTE ${i} not present: #PF, which exits to KVM`, state: 'stop' });
      else if (c !== null) steps.push({ level: p.level, table, index: i, entry: hex64(p.lo[i], p.hi[i]), note: `→ shadow page #${c.id}`, state: 'ok' });
      else steps.push({ level: p.level, table, index: i, entry: hex64(p.lo[i], p.hi[i]), note: `leaf → host-physical ${hexNum(spteFrame(p.lo[i], p.hi[i]))} ${x86Rights(p.lo[i], p.hi[i])}`, state: 'leaf' });
    }
    const leaf = steps.length > 0 && steps[steps.length - 1].state === 'leaf';
    if (pa >= 0) return { steps, verdict: `The CPU translates linear ${hexBig(va)} through the shadow tables to host-physical ${hexNum(pa)}: no exit.` };
    if (stale) return { steps, verdict: 'The root was zapped: KVM rebuilds it, then the access faults into KVM.' };
    if (leaf) {
      steps[steps.length - 1].state = 'stop';
      return { steps, verdict: `The leaf SPTE does not allow this ${a.op}: #PF, which exits to KVM.` };
    }
    return { steps, verdict: 'The shadow tables do not map it: #PF, which exits to KVM.' };
  }

  /** Move new events into the log, and note which pages appeared and which were zapped. */
  private collect(): void {
    const mc = this.mc;
    if (mc === null) return;
    const fresh: ShadowEvent[] = mc.m.drainEvents();
    for (const e of fresh) this.events.push({ seq: e.seq, type: e.type, exit: e.type === 'exit', text: e.text });
    if (this.events.length > EVENT_LIMIT) {
      const cut = this.events.length - EVENT_LIMIT;
      this.events.splice(0, cut);
      this.dropped += cut;
    }
    const cards = this.cards();
    const now = new Map(cards.map((c) => [c.id, c]));
    this.created = cards.filter((c) => !this.prevCards.has(c.id)).map((c) => c.id);
    this.zapped = [...this.prevCards.values()].filter((c) => !now.has(c.id));
    this.prevCards = now;
  }

  private livePages(): ShadowPage[] {
    const mc = this.mc!;
    return mc.m.store.live().filter((p) => !p.invalid);
  }

  private cards(): ShadowPageCard[] {
    const mc = this.mc!;
    const roots = new Set<number>();
    const current = new Set<number>();
    if (mc.kind === 'shadow') {
      const add = (r: ShadowRoot | null, cur: boolean) => {
        if (r === null) return;
        for (const p of r.pae ?? [r.sp]) {
          if (p === null) continue;
          roots.add(p.id);
          if (cur) current.add(p.id);
        }
      };
      add(mc.m.root, true);
      mc.m.prevRoots.forEach((r) => add(r, false));
    } else {
      roots.add(mc.m.root.id);
      current.add(mc.m.root.id);
    }
    const ept = mc.kind === 'nested';
    const tables = this.guestTables(false);
    return this.livePages().map((sp) => {
      const role = decodeRole(sp.role);
      const sptes: ShadowPageCard['sptes'] = [];
      let present = 0;
      for (let i = 0; i < 512; i++) {
        if (!sp.isPresent(i)) continue;
        present++;
        if (sptes.length >= ROWS) continue;
        const c = sp.child[i];
        const label = c !== null ? `→ #${c.id}` : `gfn ${hexNum(sp.gfnOf[i])} → ${hexNum(spteFrame(sp.lo[i], sp.hi[i]))} ${ept ? eptRights(sp.lo[i]) : x86Rights(sp.lo[i], sp.hi[i])}`;
        sptes.push({ index: i, value: hex64(sp.lo[i], sp.hi[i]), label });
      }
      const gt = sp.direct ? null : (tables.find((t) => t.gfn === sp.gfn && t.level === sp.level) ?? tables.find((t) => t.gfn === sp.gfn) ?? null);
      const what = sp.direct ? `direct, maps guest frames from ${hexNum(sp.gfn)}` : `shadows guest ${gt ? gt.name : 'table'} at frame ${hexNum(sp.gfn)}`;
      return {
        id: sp.id,
        level: sp.level,
        gfn: hexNum(sp.gfn),
        hpa: hexNum(sp.hpa),
        direct: sp.direct,
        role: roleText(sp.role),
        quadrant: role.quadrant,
        unsync: sp.unsync,
        unsyncChildren: sp.unsyncChildren,
        writeProtected: !sp.direct && !sp.unsync,
        root: roots.has(sp.id),
        currentRoot: current.has(sp.id),
        writeFlooding: sp.writeFlooding,
        sptes,
        moreSptes: present - sptes.length,
        guestTable: gt ? gt.id : null,
        summary: `Level ${sp.level} shadow page #${sp.id}, ${what}; role ${roleText(sp.role)}${sp.unsync ? '; unsync' : !sp.direct ? '; write-protected' : ''}`,
      };
    });
  }

  /** The guest's tables reachable from every address space (for nested EPT: EPT12). */
  private guestTables(withLinks = true): GuestTableView[] {
    const mc = this.mc!;
    const roots: { f: PagingFormat; mem: PhysMem; root: number; space: number }[] = [];
    if (mc.kind === 'shadow') {
      mc.spaces.forEach((s, k) => {
        const cpu = { ...mc.m.cpu, cr3: s.cr3 };
        roots.push({ f: guestFormat(cpu), mem: mc.m.mem, root: guestRoot(cpu), space: k });
      });
    } else roots.push({ f: this.fmt12(), mem: mc.m.l1mem, root: mc.ept.root - (mc.ept.root % 4096), space: 0 });
    const byId = new Map<string, GuestTableView>();
    const out: GuestTableView[] = [];
    for (const r of roots) {
      const tree = collectTree(r.f, r.mem, r.root, { maxTables: 200 });
      for (const t of tree.tables) {
        const gfn = Math.floor(t.base / 4096);
        const id = `gt-${gfn.toString(16)}-${t.level}`;
        const seen = byId.get(id);
        if (seen) {
          if (!seen.spaces.includes(r.space)) seen.spaces.push(r.space);
          continue;
        }
        const entries = t.entries.slice(0, ROWS).map((e) => ({
          index: e.index,
          addr: hexNum(t.base + e.index * r.f.entryBytes),
          value: hex64(e.lo, e.hi),
          label:
            e.kind === 'table'
              ? `→ ${r.f.levels[t.level - 1].name} ${hexNum(e.target)}`
              : e.kind === 'leaf'
                ? `${sizeText(e.size)} page → ${hexNum(e.target)}`
                : e.kind === 'reserved'
                  ? 'reserved bits set'
                  : 'not present',
        }));
        const v: GuestTableView = { id, gfn, base: hexNum(t.base), level: t.level, name: t.name, entryBytes: r.f.entryBytes, spaces: [r.space], entries, more: t.entries.length - entries.length, shadowedBy: [], writeProtected: false };
        byId.set(id, v);
        out.push(v);
      }
    }
    if (withLinks) {
      for (const c of this.prevCards.values()) {
        if (c.guestTable === null) continue;
        const t = byId.get(c.guestTable);
        if (!t) continue;
        t.shadowedBy.push(c.id);
        if (c.writeProtected) t.writeProtected = true;
      }
    }
    return out;
  }

  view(): ShadowView {
    const mc = this.mc!;
    const c = mc.m.counters;
    let nested: NestedInfo | null = null;
    let guestMode: string;
    let address: string;
    let spaces: ShadowView['spaces'] = [];
    if (mc.kind === 'shadow') {
      guestMode = PAGING_NAME[mc.m.cpu.paging] ?? mc.m.cpu.paging;
      address = this.access ? hexBig(vaOf(this.access)) : '0x0';
      spaces = mc.spaces.map((s, k) => ({ name: s.name, cr3: hexNum(s.cr3), current: k === mc.space }));
    } else {
      const m = mc.m;
      guestMode = `L2 under a ${mc.ept.levels}-level EPT12`;
      address = this.access ? hexBig(vaOf(this.access)) : '0x0';
      nested = { rule: m.rule, hostEptLevels: mc.setup.hostEptLevels, ept01: m.ept01Levels, ept12: mc.ept.levels, ept02: m.ept02Levels, eptp02: m.eptp02Levels, ept5Exposed: m.ept5Exposed, hang: this.hang };
    }
    return {
      mode: mc.kind,
      presetId: this.presetId,
      title: this.title,
      guestMode,
      address,
      spaces,
      guestTables: this.guestTables(),
      pages: [...this.prevCards.values()],
      zapped: this.zapped,
      created: this.created,
      events: this.events.slice(),
      eventsDropped: this.dropped,
      counters: {
        exits: c.exits,
        spAlive: c.spAlive,
        sptes: c.sptesPresent,
        pageFaultExits: c.pageFaultExits,
        trackedWriteExits: c.trackedWriteExits,
        invlpgExits: c.invlpgExits,
        cr3Exits: c.cr3Exits,
        eptViolationExits: c.eptViolationExits,
        spCreated: c.spCreated,
        spZapped: c.spZapped,
        unsyncs: c.unsyncs,
        syncs: c.syncs,
        floods: c.floods,
        rootHits: c.rootHits,
        rootMisses: c.rootMisses,
      },
      last: this.last,
      nested,
    };
  }
}

/** A guest walk's fault in a few words: #PF with its error code, or which #GP. */
function faultText(r: WalkResult): string {
  if (r.outcome === 'pf') return `#PF, error code ${hexNum(r.ec!)}`;
  return r.reason === 'canonical' ? '#GP(0): the address is not canonical' : '#GP(0): a reserved bit in a PAE PDPTE';
}

/** What INVLPG did, from its events (KVM resyncs or drops the SPTE, or finds nothing to do). */
function invlpgEffect(events: readonly ShadowEvent[]): string {
  const n = (t: string) => events.filter((e) => e.type === t).length;
  const parts: string[] = [];
  if (n('spte-update') > 0) parts.push(`KVM resynced ${n('spte-update')} SPTE${n('spte-update') > 1 ? 's' : ''} from the guest PTE`);
  if (n('spte-drop') > 0) parts.push(`KVM dropped ${n('spte-drop')} SPTE${n('spte-drop') > 1 ? 's' : ''} (the guest PTE changed: the next access faults and rebuilds it)`);
  if (n('sp-zap') > 0) parts.push(`${n('sp-zap')} shadow page${n('sp-zap') > 1 ? 's were' : ' was'} zapped`);
  return parts.length ? parts.join('; ') + '.' : 'no shadow entry for that address needed a change.';
}

/** An operation in words; `spaces` names the address spaces a Load CR3 moves between ("process B", not an index). */
export function opText(op: GuestOp, spaces: readonly { name: string; cr3: number }[] | null = null): string {
  const what =
    op.kind === 'access'
      ? `${op.op} ${hexBig(op.va)} (CPL ${op.cpl})`
      : op.kind === 'store'
        ? `guest store ${hexBig(op.value)} → ${hexNum(op.gpa)}`
        : op.kind === 'invlpg'
          ? `INVLPG ${hexBig(op.va)}`
          : op.kind === 'cr3'
            ? spaces?.[op.space]
              ? `Load CR3 ${hexNum(spaces[op.space].cr3)} (${spaces[op.space].name})`
              : `Load CR3 (address space ${op.space + 1})`
            : op.kind === 'l2-access'
              ? `L2 ${op.op} at ${hexNum(op.gpa)}`
              : op.kind === 'l1-store'
                ? `L1 store ${hexBig(op.value)} → ${hexNum(op.gpa)}`
                : 'INVEPT';
  return op.note ? `${what}: ${op.note}` : what;
}

const sizeText = (n: number): string => (n >= 2 ** 30 ? `${n / 2 ** 30} GiB` : n >= 2 ** 20 ? `${n / 2 ** 20} MiB` : `${n / 1024} KiB`);
const x86Rights = (lo: number, hi: number): string => `${lo & 4 ? 'U' : 'S'} ${lo & 2 ? 'W' : 'RO'} ${hi & 0x80000000 ? 'NX' : 'X'}`;
const eptRights = (lo: number): string => `${lo & 1 ? 'R' : '-'}${lo & 2 ? 'W' : '-'}${lo & 4 ? 'X' : '-'}`;

function guestStep(s: TraceStep): WalkStepView {
  return { level: s.level, table: `${s.structure} ${s.tableBase}`, index: s.index, entry: s.value, note: s.text, state: s.stop ? 'stop' : s.entryKind === 'leaf' ? 'leaf' : 'ok' };
}

/** The CPU's EPT02 walk (HwEptWalk) as steps. */
function nestedHw(w: ReturnType<NestedEptMachine['hwWalk']>): { steps: WalkStepView[]; verdict: string } {
  const steps = w.steps.map((s, k): WalkStepView => ({
    level: s.cpuLevel,
    table: s.sp !== null ? `EPT02 page #${s.sp} (L${s.spLevel}) at ${hexNum(s.tableHpa)}` : `host page ${hexNum(s.tableHpa)}`,
    index: s.index,
    entry: s.entry,
    note: s.note,
    state: k === w.steps.length - 1 ? (w.result === 'ok' ? 'leaf' : 'stop') : 'ok',
  }));
  const verdict = w.result === 'ok' ? `The CPU translates it through EPT02 (${w.eptp02Levels} levels): ${w.text}; no exit.` : `EPT02 walk with ${w.eptp02Levels} levels: ${w.text}: EPT violation, which exits to KVM.`;
  return { steps, verdict };
}

/** KVM's walk of EPT12 (in L1's memory) for an L2 guest-physical address, drawn from the engine's reference records. */
export function ept12Walk(m: NestedEptMachine, f: PagingFormat, gpa: number, op: OpCode): { steps: WalkStepView[]; verdict: string; l1: number | null } {
  const steps: WalkStepView[] = [];
  for (const r of m.traceEpt12(gpa, op)) {
    const L = f.levels[r.level];
    const kind = classify(f, r.level, r.lo, r.hi);
    const table = `EPT12 ${L.name} ${hexNum(r.tableBase)}`;
    const entry = hex64(r.lo, r.hi);
    if (kind === 'not-present' || kind === 'reserved') {
      steps.push({ level: r.level, table, index: r.index, entry, note: kind === 'reserved' ? 'misconfigured' : 'not present', state: 'stop' });
      return { steps, verdict: `EPT12 does not map L2-physical ${hexNum(gpa)}: KVM reflects the exit to L1.`, l1: null };
    }
    if (kind === 'leaf') {
      const l1 = f.leafBase(r.lo, r.hi, r.level) + (gpa % 2 ** L.shift);
      steps.push({ level: r.level, table, index: r.index, entry, note: `leaf → L1-physical ${hexNum(l1)} ${eptRights(r.lo)}`, state: 'leaf' });
      return { steps, verdict: `EPT12 maps L2-physical ${hexNum(gpa)} to L1-physical ${hexNum(l1)}; KVM resolves that through the memslots and installs the EPT02 SPTE.`, l1 };
    }
    steps.push({ level: r.level, table, index: r.index, entry, note: `→ ${f.levels[r.level - 1].name} ${hexNum(f.tableBase(r.lo, r.hi))}`, state: 'ok' });
  }
  return { steps, verdict: 'EPT12 walk ran out of levels.', l1: null };
}

export { OPS };
