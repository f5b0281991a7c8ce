/**
 * Documents that start from a QEMU dump: the guest's registers come from one
 * vCPU's note, its memory is the file itself (read in place, never written).
 * What the dump does not say (NXE, MAXPHYADDR, 1-GiB pages) can be set, and
 * any other CPU flag overridden to ask "what if"; the access changes freely.
 * Anything that would write the guest's memory or rebuild its tables (an
 * entry edit, LA57, EPT, a shadow MMU) is refused with a way forward: Copy
 * link makes an editable scenario of the walk's own entries.
 */
import { ScenarioError, accessToJSON, cpuToJSON, parseAccess, parseCpu, type Access, type CpuState, type WalkInput } from '../../engine';
import { ACC_U, DumpError, canonical, collectLeaves, dumpCpu, type Dump, type DumpCpuOptions } from '../../engine/dump';
import type { Action, Origin } from './types';

export interface DumpPart {
  id: string;
  name: string;
  size: number;
  /** vCPU and the assumptions the user set. */
  options: DumpCpuOptions;
  /** CPU flags the user overrode (what-if), applied over the vCPU's own. */
  overrides: Partial<Omit<CpuState, 'paging' | 'cr3'>>;
  /** What was assumed rather than read from the dump, one sentence each. */
  assumptions: string[];
}

const READ_ONLY = 'a QEMU dump is read-only here, and its tables are the guest’s own';
const WAY = 'Copy link makes an editable scenario of the entries this walk read';

/** The CPU state for a dump's chosen vCPU and assumptions, with the user's overrides. */
export function dumpGuest(dump: Dump, part: Pick<DumpPart, 'options' | 'overrides'>): { input: WalkInput; assumptions: string[] } {
  let d;
  try {
    d = dumpCpu(dump, part.options);
  } catch (e) {
    if (e instanceof DumpError) throw new ScenarioError('dump', e.message);
    throw e;
  }
  const cpu = { ...d.cpu, ...part.overrides };
  return { input: { cpu, ept: null, memory: dump.memory }, assumptions: d.assumptions };
}

/** How a dump document starts: vCPU 0, the default assumptions, and a read of the lowest mapped linear address (user space, when the guest has any). */
export function baseDump(o: Extract<Origin, { kind: 'dump' }>, dump: Dump) {
  const part: DumpPart = { id: o.id, name: o.name, size: o.size, options: { cpu: 0 }, overrides: {}, assumptions: [] };
  const g = dumpGuest(dump, part);
  part.assumptions = g.assumptions;
  const d = dumpCpu(dump, part.options);
  const first = collectLeaves(d.format, dump.memory, d.root, { maxLeaves: 1 }).leaves;
  const va = first.n > 0 ? canonical(d.format, first.va[0]) : { lo: 0, hi: 0 };
  const user = first.n > 0 && (first.acc[0] & ACC_U) !== 0;
  const access: Access = { va, op: 'read', cpl: user ? 3 : 0, implicit: false };
  return { part, input: g.input, access };
}

const DUMP_OPTION_KEYS = ['nxe', 'maxphyaddr', 'gbpages'] as const;

/** Apply one action to a dump document's guest; the access is the caller's. */
export function applyDumpChange(part: DumpPart, dump: Dump, a: Action, input: WalkInput): { part: DumpPart; input: WalkInput } {
  switch (a.t) {
    case 'vcpu': {
      const next = { ...part, options: { ...part.options, cpu: a.n } };
      const g = dumpGuest(dump, next);
      return { part: { ...next, assumptions: g.assumptions }, input: g.input };
    }
    case 'cpu': {
      if ('cr3' in a.cpu) throw new ScenarioError('cpu.cr3', `CR3 comes from the vCPU's registers in the dump; choose another vCPU instead`);
      // Validate the whole CPU state as any scenario's.
      parseCpu({ ...cpuToJSON(input.cpu), ...a.cpu });
      const options = { ...part.options };
      const overrides = { ...part.overrides };
      for (const [k, v] of Object.entries(a.cpu)) {
        if ((DUMP_OPTION_KEYS as readonly string[]).includes(k)) (options as Record<string, unknown>)[k] = v;
        else (overrides as Record<string, unknown>)[k] = k === 'pkru' ? Number(BigInt(v as string)) : v;
      }
      const next = { ...part, options, overrides };
      const g = dumpGuest(dump, next);
      return { part: { ...next, assumptions: g.assumptions }, input: g.input };
    }
    case 'virt':
      if (a.mode === 'none') return { part, input };
      throw new ScenarioError('virt', `${READ_ONLY}: EPT, shadow paging and nested EPT rebuild the guest's memory. ${WAY}, then switch modes there`);
    default:
      throw new ScenarioError(a.t, `${READ_ONLY}: it cannot be ${a.t === 'mem' ? 'edited' : 'changed that way'}. ${WAY}`);
  }
}

/** Keep an access valid for a dump guest's paging mode. */
export function dumpAccess(input: WalkInput, access: ReturnType<typeof parseAccess>) {
  return parseAccess(accessToJSON(access), input.cpu.paging);
}
