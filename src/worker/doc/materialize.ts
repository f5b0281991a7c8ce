/**
 * A document's state, derived: start from its origin, then fold its actions
 * in order. Nothing here keeps state of its own — the same document always
 * gives the same State, which is what makes undo, links and reload exact.
 * Errors name the field (a ScenarioError), so an open can say what is wrong
 * before anything changes.
 *
 * Under a shadow MMU the State holds the run's setup and its operation list;
 * the machine itself is rebuilt from them on demand (live.ts), since it is a
 * mutable object that cannot be shared between history entries.
 */
import {
  ScenarioError,
  accessToJSON,
  cpuToJSON,
  disableEpt,
  enableEpt,
  eptToJSON,
  hexField,
  parseAccess,
  parseCpu,
  parseWalkCase,
  setEpt5,
  setLa57,
  translate,
  type Access,
  type CpuState,
  type Scenario,
  type U64,
  type WalkInput,
} from '../../engine';
import { PhysMem } from '../../engine/memory';
import { parseShadowCase } from '../../engine/shadow';
import { GUEST_SLOTS, L1_SLOTS, type GuestOp, type NestedSetup, type ShadowSetup } from '../../presets/shadow';
import { currentPreset, presetAt } from '../../presets/registry';
import type { Dump } from '../../engine/dump';
import { applyDumpChange, baseDump, type DumpPart } from './dumpState';
import type { Action, OpJSON, Origin, VirtMode } from './types';

export interface ShadowPart {
  /** How the run started: the guest (or L2 under EPT12), its spaces and memory slots, and for presets a script. */
  setup: ShadowSetup | NestedSetup;
  /** The operation list: the script, or the operations made so far. */
  ops: GuestOp[];
  /** Operations applied (0 … ops.length). */
  at: number;
  /** The access at the start of the run (the address bar returns to it when the operations are rewound). */
  access0: Access;
}

export interface State {
  title: string;
  /** The preset the document started from, if any. */
  presetId: string | null;
  paragraph: string | null;
  /**
   * Native and EPT modes: the scenario. Under a shadow MMU: the guest at the
   * start of the run (see live.ts for the guest now). A dump's guest reads
   * the file in place (its memory is not a Scenario's editable PhysMem).
   */
  scenario: Scenario;
  /** A QEMU dump's vCPU and assumptions, when the document started from one (then `input` is what the walk reads). */
  dump: DumpPart | null;
  input: WalkInput | null;
  access: Access;
  /** The 64-bit address a switch to 32-bit paging cut to its low half; restored on the way back. */
  vaCut: U64 | null;
  virt: VirtMode;
  shadow: ShadowPart | null;
  /** Address spaces Load CR3 moves between (two processes in a preset), kept across mode switches. */
  spaces: { name: string; cr3: number }[] | null;
  /** An imported case's `expect`, to compare with what the engine computes. */
  expect: unknown;
}

/** What the fold needs from the session: the guest as the shadow MMU has it after a state's operations, and the dumps it holds. */
export interface GuestSource {
  guestNow(s: State): Scenario;
  /** An open dump by id, or null when its file is not here (after a reload, until it is chosen again). */
  dump(id: string): Dump | null;
}

const DEFAULT_ACCESS: Access = { va: { lo: 0, hi: 0 }, op: 'read', cpl: 0, implicit: false };
const big = (u: U64): bigint => (BigInt(u.hi >>> 0) << 32n) | BigInt(u.lo >>> 0);
const u64 = (v: bigint): U64 => ({ lo: Number(v & 0xffffffffn), hi: Number((v >> 32n) & 0xffffffffn) });
const num = (u: U64): number => u.hi * 4294967296 + u.lo;

/** The state an origin starts in. */
export function baseState(o: Origin, src?: Pick<GuestSource, 'dump'>): State {
  const plain = { dump: null, input: null };
  switch (o.kind) {
    case 'dump': {
      const d = src?.dump(o.id) ?? null;
      if (d === null) throw new ScenarioError('dump', `the QEMU dump “${o.name}” is not open here: a page cannot reopen a file by itself, so choose it again with Import`);
      const { part, input, access } = baseDump(o, d);
      // The editable-scenario slot gets no memory: everything reads `input`, which reads the file.
      const empty = new PhysMem();
      return { title: o.name, presetId: null, paragraph: null, scenario: { ...input, memory: empty }, dump: part, input, access, vaCut: null, virt: 'none', shadow: null, spaces: null, expect: undefined };
    }
    case 'preset': {
      const p = presetAt(o.id, o.v);
      if (!p) throw new ScenarioError('origin', `there is no preset "${o.id}" at version ${o.v}`);
      const blank = { title: p.title, presetId: p.id, paragraph: p.paragraph, vaCut: null, expect: undefined };
      if (!p.shadow) {
        const { scenario, access } = p.build();
        return { ...blank, ...plain, scenario, access, virt: scenario.ept ? 'ept' : 'none', shadow: null, spaces: null };
      }
      const setup = p.build();
      return {
        ...blank,
        ...plain,
        scenario: setup.scenario,
        access: setup.access,
        virt: setup.mode,
        shadow: { setup, ops: setup.script, at: 0, access0: setup.access },
        spaces: setup.mode === 'shadow' ? setup.spaces : null,
      };
    }
    case 'case': {
      const c = parseWalkCase(o.case);
      const s = c.scenario;
      const p = o.preset ? currentPreset(o.preset) : undefined;
      return { ...plain, title: o.title, presetId: p ? p.id : null, paragraph: p ? p.paragraph : null, scenario: s, access: c.access ?? DEFAULT_ACCESS, vaCut: null, virt: s.ept ? 'ept' : 'none', shadow: null, spaces: null, expect: c.expect };
    }
    case 'shadow-case': {
      const c = parseShadowCase(o.case);
      const spaces: { name: string; cr3: number }[] = [{ name: 'CR3 at the start', cr3: c.cpu.cr3 }];
      const spaceOf = (cr3: number): number => {
        let i = spaces.findIndex((x) => x.cr3 === cr3);
        if (i < 0) i = spaces.push({ name: `CR3 ${spaces.length + 1}`, cr3 }) - 1;
        return i;
      };
      const expect = Array.isArray(c.expect) ? c.expect : [];
      const script: GuestOp[] = c.ops.map((op, i): GuestOp => {
        const note = expectNote(expect[i]);
        switch (op.op) {
          case 'access':
            return { kind: 'access', va: big(op.va), op: (['read', 'write', 'fetch'] as const)[op.kind], cpl: op.cpl, implicit: op.implicit, note };
          case 'store':
            return { kind: 'store', gpa: op.gpa, value: big({ lo: op.lo, hi: op.hi }), width: 8, note };
          case 'invlpg':
            return { kind: 'invlpg', va: big(op.va), note };
          case 'cr3':
            return { kind: 'cr3', space: spaceOf(op.value), note };
        }
      });
      const first = c.ops.find((x) => x.op === 'access');
      const access: Access = first && first.op === 'access' ? { va: first.va, op: (['read', 'write', 'fetch'] as const)[first.kind], cpl: first.cpl, implicit: first.implicit } : DEFAULT_ACCESS;
      const scenario: Scenario = { cpu: c.cpu, ept: null, memory: c.memory };
      const setup: ShadowSetup = { mode: 'shadow', scenario, access, spaces, slots: c.slots, script };
      return { ...plain, title: o.title, presetId: null, paragraph: null, scenario, access, vaCut: null, virt: 'shadow', shadow: { setup, ops: script, at: 0, access0: access }, spaces, expect: c.expect };
    }
  }
}

/** What a vector case expects of an operation, as a note beside it. */
function expectNote(e: unknown): string {
  if (e === null || e === undefined) return '';
  const one = (x: unknown): string => {
    const r = x as { outcome?: string; pa?: string; ec?: string };
    return r.outcome === 'ok' ? `host-physical ${r.pa}` : r.outcome === 'pf' ? `#PF ${r.ec}` : String(r.outcome);
  };
  const any = (e as { any?: unknown[] }).any;
  return Array.isArray(any) ? `the case allows ${any.map(one).join(' or ')}` : `the case expects ${one(e)}`;
}

/** Apply one action; throws a ScenarioError naming the field (relative to the action). */
export function applyAction(s: State, a: Action, src: GuestSource): State {
  if (s.dump !== null && a.t !== 'access') {
    const d = src.dump(s.dump.id);
    if (d === null) throw new ScenarioError('dump', `the QEMU dump “${s.dump.name}” is not open here: choose it again with Import`);
    const { part, input } = applyDumpChange(s.dump, d, a, s.input!);
    return { ...s, dump: part, input, scenario: { ...s.scenario, cpu: input.cpu }, access: parseAccess(accessToJSON(s.access), input.cpu.paging) };
  }
  switch (a.t) {
    case 'cpu':
      return editGuest(s, src, (g) => ({ ...g, cpu: patchCpu(g.cpu, a.cpu) }));
    case 'paging':
      return editGuest(s, src, (g) => {
        const from = g.cpu.paging;
        if ((from === '4' || from === '5') && (a.paging === '4' || a.paging === '5')) return setLa57(g, a.paging === '5');
        return { ...g, cpu: parseCpu({ ...cpuToJSON(g.cpu), paging: a.paging }) };
      });
    case 'la57':
      return editGuest(s, src, (g) => setLa57(g, a.on));
    case 'ept5':
      return editGuest(s, src, (g) => setEpt5(g, a.on));
    case 'ept':
      return editGuest(s, src, (g) => {
        if (g.ept === null) throw new ScenarioError('ept', 'EPT is off');
        const next = { ...eptToJSON(g.ept)!, ...a.ept };
        if (typeof next.maxphyaddr !== 'number' || !Number.isInteger(next.maxphyaddr) || next.maxphyaddr < 32 || next.maxphyaddr > 52) {
          throw new ScenarioError('ept.maxphyaddr', 'must be a whole number from 32 to 52');
        }
        return { ...g, ept: { ...g.ept, ad: next.ad, execonly: next.execonly, maxphyaddr: next.maxphyaddr } };
      });
    case 'mem':
      return editGuest(s, src, (g) => writeEntry(g, a.addr, a.value, a.bytes));
    case 'access': {
      const access = parseAccess({ ...accessToJSON(s.access), ...a.access }, guestCpu(s).paging);
      // Typing an address (even the same one) forgets the cut-off high half.
      return { ...s, access, vaCut: 'va' in a.access ? null : s.vaCut };
    }
    case 'virt':
      return switchVirt(s, a.mode, src);
    case 'op': {
      const sh = needShadow(s, 'op');
      const op = toGuestOp(a.op, s);
      const access = op.kind === 'access' ? { va: u64(op.va), op: op.op, cpl: op.cpl, implicit: op.implicit ?? false } : s.access;
      return { ...s, access, vaCut: null, shadow: { ...sh, ops: [...sh.ops.slice(0, sh.at), op], at: sh.at + 1 } };
    }
    case 'vcpu':
      throw new ScenarioError('vcpu', 'only a QEMU dump has vCPUs to choose from');
    case 'seek': {
      const sh = needShadow(s, 'seek');
      if (!Number.isInteger(a.at) || a.at < 0 || a.at > sh.ops.length) throw new ScenarioError('seek.at', `must be a whole number from 0 to ${sh.ops.length} (the operations in the list)`);
      return { ...s, access: accessAt(sh, a.at), vaCut: null, shadow: { ...sh, at: a.at } };
    }
  }
}

/** The access after the first `at` operations: the last access among them, else the run's first. */
function accessAt(sh: ShadowPart, at: number): Access {
  for (let i = at - 1; i >= 0; i--) {
    const op = sh.ops[i];
    if (op.kind === 'access') return { va: u64(op.va), op: op.op, cpl: op.cpl, implicit: op.implicit ?? false };
  }
  return sh.access0;
}

function needShadow(s: State, field: string): ShadowPart {
  if (s.shadow === null) throw new ScenarioError(field, 'guest operations need Shadow paging or Nested EPT');
  return s.shadow;
}

function toGuestOp(o: OpJSON, s: State): GuestOp {
  const nested = s.virt === 'nested';
  const hex = (v: string, field: string, bits = 64): bigint => big(hexField(v, field, bits));
  switch (o.k) {
    case 'access': {
      const va = hex(o.va, 'op.va');
      parseAccess({ va: o.va, op: o.op, cpl: o.cpl, implicit: o.implicit }, guestCpu(s).paging, 'op');
      return { kind: 'access', va, op: o.op, cpl: o.cpl, implicit: o.implicit, note: '' };
    }
    case 'store': {
      const gpa = Number(hex(o.gpa, 'op.gpa', 52));
      if (gpa % 4 !== 0 || gpa % 4096 > 4088) throw new ScenarioError('op.gpa', 'must be 4-byte aligned, with the whole qword inside one page');
      const value = hex(o.value, 'op.value');
      return nested ? { kind: 'l1-store', gpa, value, note: '' } : { kind: 'store', gpa, value, note: '' };
    }
    case 'invlpg':
      if (nested) throw new ScenarioError('op', 'INVLPG is an L2 instruction that L1 handles; under nested EPT, L1 uses INVEPT');
      return { kind: 'invlpg', va: hex(o.va, 'op.va'), note: '' };
    case 'cr3': {
      if (nested) throw new ScenarioError('op', 'under nested EPT, L2 loads CR3 without an exit; L1 uses INVEPT');
      const n = s.spaces?.length ?? 1;
      if (!Number.isInteger(o.space) || o.space < 0 || o.space >= n) throw new ScenarioError('op.space', `must be an address space from 0 to ${n - 1}`);
      return { kind: 'cr3', space: o.space, note: '' };
    }
    case 'invept':
      if (!nested) throw new ScenarioError('op', 'INVEPT needs nested EPT');
      return { kind: 'invept', note: '' };
  }
}

/** The guest's CPU state (L2's under nested EPT). */
export const guestCpu = (s: State): CpuState => s.scenario.cpu;

function patchCpu(cpu: CpuState, patch: Record<string, unknown>): CpuState {
  if ('paging' in patch) throw new ScenarioError('cpu.paging', 'change the paging mode with a paging action');
  return parseCpu({ ...cpuToJSON(cpu), ...patch });
}

function writeEntry(g: Scenario, addr: string, value: string, bytes: 4 | 8): Scenario {
  const a = num(hexField(addr, 'mem.addr', 52));
  if (bytes !== 4 && bytes !== 8) throw new ScenarioError('mem.bytes', 'must be 4 or 8');
  if (a % bytes !== 0) throw new ScenarioError('mem.addr', `must be ${bytes}-byte aligned`);
  const v = hexField(value, 'mem.value', bytes * 8);
  const memory = g.memory.clone();
  memory.write32(a, v.lo);
  if (bytes === 8) memory.write32(a + 4, v.hi);
  return { ...g, memory };
}

/**
 * Change the guest: directly in native and EPT modes; under a shadow MMU, the
 * guest as it is now (after the operations) is changed and the run starts
 * again from it, as KVM resets its MMU context when paging state changes.
 */
function editGuest(s: State, src: GuestSource, fn: (g: Scenario) => Scenario): State {
  const before = s.shadow ? src.guestNow(s) : s.scenario;
  const g = fn(before);
  if (g === before) return s;
  const fitted = fitAccess(s, g.cpu);
  const t: State = { ...s, ...fitted, scenario: g };
  if (s.shadow === null) return t;
  if (s.virt === 'shadow') return startShadow(t, g, (s.shadow.setup as ShadowSetup).slots);
  return startNested(t, g, s.shadow.setup as NestedSetup);
}

/** Keep the access valid for the guest's paging mode: cut to 32 bits (remembering the full address) or restore it. */
function fitAccess(s: State, cpu: CpuState): { access: Access; vaCut: U64 | null } {
  const narrow = cpu.paging === '32' || cpu.paging === 'pae';
  let { access, vaCut } = s;
  if (narrow && access.va.hi !== 0) {
    vaCut = access.va;
    access = { ...access, va: { lo: access.va.lo, hi: 0 } };
  } else if (!narrow && vaCut !== null && vaCut.lo === access.va.lo && access.va.hi === 0) {
    access = { ...access, va: vaCut };
    vaCut = null;
  }
  if (cpu.paging === '32' && access.op === 'fetch' && access.implicit) access = { ...access, implicit: false };
  return { access, vaCut };
}

function startShadow(s: State, guest: Scenario, slots = GUEST_SLOTS): State {
  const spaces = s.spaces && s.spaces.some((x) => x.cr3 === guest.cpu.cr3) ? s.spaces : [{ name: 'the guest', cr3: guest.cpu.cr3 }];
  const setup: ShadowSetup = { mode: 'shadow', scenario: guest, access: s.access, spaces, slots, script: [] };
  return { ...s, scenario: guest, virt: 'shadow', spaces, shadow: { setup, ops: [], at: 0, access0: s.access } };
}

/** Run `l2` (a guest under an EPT, which becomes EPT12) as L2 under a hypervisor L1 (KVM's rules since 5.7, on a host with 5-level EPT). */
function startNested(s: State, l2: Scenario, like?: NestedSetup): State {
  if (l2.ept === null) throw new ScenarioError('ept', 'nested EPT needs the guest under an EPT (EPT12)');
  const r = translate(disableEpt(l2), s.access);
  const setup: NestedSetup = {
    mode: 'nested',
    scenario: l2,
    access: s.access,
    l2gpa: r.outcome === 'ok' ? r.pa! : 0,
    slots: like?.slots ?? L1_SLOTS,
    hostEptLevels: like?.hostEptLevels ?? 5,
    l1MaxPhyAddr: l2.ept.maxphyaddr,
    rule: like?.rule ?? 'v5.7+',
    exposeEpt5: like?.exposeEpt5 ?? true,
    script: [],
  };
  return { ...s, scenario: l2, virt: 'nested', shadow: { setup, ops: [], at: 0, access0: s.access } };
}

/** The EPT a guest gets when nested EPT starts from a native guest (as the nested presets build it). */
const NESTED_EPT = { levels: 4 as const, ad: false, maxphyaddr: 52 };

function switchVirt(s: State, mode: VirtMode, src: GuestSource): State {
  if (mode === s.virt) return s;
  const now = s.shadow ? src.guestNow(s) : s.scenario;
  // The guest alone (no EPT): what each mode starts from.
  const native = (): Scenario => disableEpt(now);
  const plain = { ...s, shadow: null };
  switch (mode) {
    case 'none':
      return { ...plain, virt: 'none', scenario: native() };
    case 'ept':
      return { ...plain, virt: 'ept', scenario: now.ept ? now : enableEpt(now) };
    case 'shadow':
      return startShadow(s, native());
    case 'nested':
      return startNested(s, now.ept ? now : enableEpt(now, NESTED_EPT));
  }
}
