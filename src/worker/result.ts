/**
 * The `Translation result` for the current mode: what the CPU gets for the
 * current access. Natively and under EPT that is the walk's outcome; under
 * shadow paging it is the CPU's translation through KVM's shadow tables (a
 * stale one said to be stale, beside what the guest's tables say now); under
 * nested EPT it is L2-linear → L2-physical → L1-physical → host-physical with
 * EPT02 doing the last two for the CPU, or a hang. On success the title's
 * first hex number is the address the CPU uses. Every address names its space.
 */
import { hex64, hexNum, pfecBits, qualBits, type Trace } from '../engine';
import type { Corner } from './corners';
import type { LiveShadow } from './doc/live';
import type { State } from './doc/materialize';
import type { OpRecord } from './shadowTypes';
import type { ResultView } from './types';

const h = hexNum;

/** Native paging and EPT: the walk's own outcome, unless the state could not exist (a named corner). */
export function walkResult(trace: Trace, corner: Corner | null): ResultView {
  const o = trace.outcome;
  const bits = o.bits;
  const base: ResultView = {
    kind: o.outcome === 'ok' ? 'ok' : 'fault',
    title: o.title,
    text: o.text,
    bits,
    bitsLabel: bits.length === 0 ? null : o.outcome === 'pf' ? 'Error code bits' : 'Exit qualification bits',
    pa: o.pa,
    notes: [],
  };
  if (corner === null) return base;
  return { ...base, kind: 'corner', title: corner.title, text: corner.text, pa: null, notes: [`If it could be reached anyway, the walk below would give: ${o.title}.`] };
}

/** Shadow paging: the CPU's translation through the shadow tables now. */
export function shadowResult(s: State, live: LiveShadow): ResultView {
  const session = live.get(s);
  const a = s.access;
  const va = hex64(a.va.lo, a.va.hi);
  const cpu = session.cpuTranslate(a);
  const guest = session.guestTranslate(a);
  const regs = session.pdptesStale() ? ' (walking from its PDPTE registers, loaded at the last CR3 load: the PDPT in memory has changed since, and counts only after the next CR3 load)' : '';
  const guestSays =
    'fault' in guest
      ? `the guest's own tables give ${guest.fault}${regs}`
      : `the guest's tables map linear ${va} to guest-physical ${h(guest.gpa)}${guest.hpa !== null ? `, which KVM's memory slots place at host-physical ${h(guest.hpa)}` : ', which is in no memory slot'}${regs}`;
  if ('fault' in cpu) return fault(`${cpu.fault}`, `Linear ${va}: ${cpu.fault}, before any page-table access.`, []);
  if ('hpa' in cpu) {
    const agrees = !('fault' in guest) && guest.hpa === cpu.hpa;
    if (agrees) {
      return ok(cpu.hpa, `${h(cpu.hpa)} (host-physical, through the shadow tables)`, `The CPU translates linear ${va} to host-physical ${h(cpu.hpa)} through KVM's shadow tables, with no exit; ${guestSays}.`);
    }
    return {
      kind: 'stale',
      title: `${h(cpu.hpa)} (host-physical, stale)`,
      text: `The CPU still translates linear ${va} to host-physical ${h(cpu.hpa)} through the shadow tables, with no exit: a stale translation, which the architecture allows (as a TLB may keep one) until the guest runs INVLPG for it or loads CR3. Now ${guestSays}.`,
      bits: [],
      bitsLabel: null,
      pa: h(cpu.hpa),
      notes: [],
    };
  }
  // The shadow tables do not allow it: the access would exit to KVM. Run it on a copy to see what KVM does.
  return afterExit(live.probe(s), `The CPU's walk of the shadow tables stops for this ${a.op} of linear ${va} (${cpu.exit}): it exits to KVM, which walks the guest's tables`, guestSays);
}

function afterExit(r: OpRecord, lead: string, guestSays: string): ResultView {
  const res = r.result;
  switch (res.outcome) {
    case 'ok':
      return ok(res.hpa, `${h(res.hpa)} (host-physical, after ${r.exits} exit${r.exits === 1 ? '' : 's'})`, `${lead}; ${guestSays}. KVM builds the shadow entry, and the retried access reaches host-physical ${h(res.hpa)}.`);
    case 'pf':
      return fault(`#PF, error code ${h(res.ec)} (injected by KVM)`, `${lead}; ${guestSays}. So KVM injects the page fault into the guest, as bare hardware would raise it: error code ${h(res.ec)}.`, pfecBits(res.ec), 'Error code bits');
    case 'gp':
      return fault('#GP(0): non-canonical address', `${lead}: the address is not canonical.`, []);
    default:
      return fault(r.outcome, `${lead}. ${r.outcome}`, []);
  }
}

/** Nested EPT: L2-linear → L2-physical → L1-physical → host-physical, with EPT02 doing the last two for the CPU. */
export function nestedResult(s: State, live: LiveShadow): ResultView {
  const session = live.get(s);
  const a = s.access;
  const va = hex64(a.va.lo, a.va.hi);
  const guest = session.guestTranslate(a);
  if ('fault' in guest && /^#/.test(guest.fault)) {
    return fault(`${guest.fault} in L2`, `L2's own page tables do not allow this ${a.op} of L2-linear ${va}: L2 gets ${guest.fault} from its own walk, with no exit to L1 or KVM.`, []);
  }
  const chain =
    'fault' in guest
      ? `L2's tables map L2-linear ${va} to an L2-physical address that ${guest.fault.replace(/^EPT12 does not map /, 'EPT12 does not map: ')}`
      : `L2-linear ${va} → L2-physical ${h(guest.gpa)} (L2's tables) → L1-physical ${h(guest.l1pa!)} (EPT12) → host-physical ${guest.hpa !== null ? h(guest.hpa) : '(no memory slot)'} (L1's memory slot)`;
  const cpu = session.cpuTranslate(a);
  if ('hpa' in cpu) {
    const agrees = !('fault' in guest) && guest.hpa === cpu.hpa;
    if (agrees) return ok(cpu.hpa, `${h(cpu.hpa)} (host-physical, through EPT02)`, `The CPU translates L2-physical ${h(cpu.l2pa!)} to host-physical ${h(cpu.hpa)} through EPT02, KVM's shadow of EPT12, with no exit: ${chain}.`);
    return {
      kind: 'stale',
      title: `${h(cpu.hpa)} (host-physical, stale)`,
      text: `The CPU still reaches host-physical ${h(cpu.hpa)} through EPT02 with no exit, but EPT12 has changed since: ${chain}. EPT02 follows after L1's INVEPT.`,
      bits: [],
      bitsLabel: null,
      pa: h(cpu.hpa),
      notes: [],
    };
  }
  if ('fault' in cpu) return fault(`${cpu.fault} in L2`, `L2's own page tables give ${cpu.fault}: L2 handles it, with no exit.`, []);
  const r = live.probe(s);
  const res = r.result;
  const lead = `EPT02 does not give the CPU this address (${cpu.exit}): an EPT violation exits to KVM`;
  switch (res.outcome) {
    case 'ok':
      return ok(res.hpa, `${h(res.hpa)} (host-physical, after ${r.exits} exit${r.exits === 1 ? '' : 's'})`, `${lead}, which walks EPT12 and fills EPT02; the retried access reaches host-physical ${h(res.hpa)}: ${chain}.`);
    case 'hang':
      return {
        kind: 'hang',
        title: 'L2 hangs',
        text: `${lead}. KVM walks EPT12, finds EPT02 already as it wants it, and re-enters L2 — and the CPU faults again, ${res.text}: L2 never makes progress. ${chain}.`,
        bits: [],
        bitsLabel: null,
        pa: null,
        notes: [],
      };
    case 'ept_violation':
      return fault(
        `EPT violation reflected to L1 (L2-physical ${h(res.l2pa)})`,
        `${lead}; EPT12 does not allow it either, so KVM reflects the EPT violation to L1 with L2-physical ${h(res.l2pa)}.`,
        res.qual !== undefined ? qualBits(res.qual) : [],
        res.qual !== undefined ? 'Exit qualification bits' : null,
      );
    case 'ept_misconfig':
      return fault(`EPT misconfiguration reflected to L1 (L2-physical ${h(res.l2pa)})`, `${lead}; EPT12 is misconfigured for it, so KVM reflects an EPT misconfiguration to L1.`, []);
    default:
      return fault(r.outcome, r.outcome, []);
  }
}

function ok(hpa: number, title: string, text: string): ResultView {
  return { kind: 'ok', title, text, bits: [], bitsLabel: null, pa: h(hpa), notes: [] };
}

function fault(title: string, text: string, bits: ResultView['bits'], bitsLabel: ResultView['bitsLabel'] = bits.length ? 'Error code bits' : null): ResultView {
  return { kind: 'fault', title, text, bits, bitsLabel, pa: null, notes: [] };
}

