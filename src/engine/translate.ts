/**
 * One translation from a scenario: run the walker with its reference log on
 * and return the plain-data result (FORMAT.md `expect` fields plus the raw
 * references and the writes), which trace.ts turns into an explained trace.
 */
import { compile } from './compile';
import type { Access, AccessOp, Scenario, WalkInput } from './scenario';
import { EPT_MISCONFIG, EPT_VIOLATION, FETCH, GP, OK, PF, READ, WRITE, Walker, type FaultReason, type OpCode, type RefRecord } from './walk';

export type OutcomeName = 'ok' | 'gp' | 'pf' | 'ept_violation' | 'ept_misconfig';

export const OUTCOME_NAMES: Record<number, OutcomeName> = {
  [OK]: 'ok',
  [GP]: 'gp',
  [PF]: 'pf',
  [EPT_VIOLATION]: 'ept_violation',
  [EPT_MISCONFIG]: 'ept_misconfig',
};

export const OP_CODES: Record<AccessOp, OpCode> = { read: READ, write: WRITE, fetch: FETCH };

/** A qword the access changed: address and its new value. */
export interface QwordWrite {
  pa: number;
  lo: number;
  hi: number;
}

export interface WalkResult {
  outcome: OutcomeName;
  reason: FaultReason;
  pa?: number;
  size?: number;
  ec?: number;
  gpa?: number;
  qual?: number;
  /** For an EPT exit: the guest level whose table was being accessed, or 0 for the final address. */
  eptTarget?: number;
  refs: RefRecord[];
  writes: QwordWrite[];
}

/** Group pending word writes into whole qwords, ascending by address. */
export function pendingQwords(w: Walker): QwordWrite[] {
  const qs = new Set<number>();
  for (const pa of w.pending.keys()) qs.add(pa - (pa % 8));
  const word = (pa: number) => w.pending.get(pa) ?? w.mem.read32(pa);
  return [...qs].sort((a, b) => a - b).map((pa) => ({ pa, lo: word(pa), hi: word(pa + 4) }));
}

/** Translate `access` in `scenario` (or a dump) without changing it; the result lists the writes. */
export function translate(scenario: WalkInput, access: Access): WalkResult {
  const w = new Walker(compile(scenario.cpu, scenario.ept), scenario.memory);
  w.log = [];
  const code = w.translate(access.va.lo, access.va.hi, OP_CODES[access.op], access.cpl === 3, access.implicit);
  const r: WalkResult = { outcome: OUTCOME_NAMES[code], reason: w.reason, refs: w.log, writes: pendingQwords(w) };
  if (code === OK) {
    r.pa = w.pa;
    r.size = w.size;
  } else if (code === PF) {
    r.ec = w.ec;
  } else if (code === EPT_VIOLATION || code === EPT_MISCONFIG) {
    r.gpa = w.gpa;
    if (code === EPT_VIOLATION) r.qual = w.qual;
    r.eptTarget = w.eptTarget;
  }
  return r;
}

/** Apply a result's writes to the scenario's memory (the session step after a walk). */
export function applyWrites(scenario: Scenario, writes: QwordWrite[]): void {
  for (const q of writes) scenario.memory.write64(q.pa, q.lo, q.hi);
}
