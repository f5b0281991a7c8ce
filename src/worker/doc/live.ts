/**
 * The running shadow MMU for a state. A machine is mutable and cannot be
 * shared between history entries, so the state holds only the recipe (setup,
 * operations, how many applied) and this keeps one live machine: when the next
 * state extends the live one by operations it runs just those; any other state
 * (undo, rewind, another document) is rebuilt by replaying its operations from
 * the setup. Replay is exact, so counters, shadow pages and events match.
 */
import type { Scenario } from '../../engine';
import type { GuestOp } from '../../presets/shadow';
import { ShadowSession } from '../shadowSession';
import type { OpRecord } from '../shadowTypes';
import type { ShadowPart, State } from './materialize';

export class LiveShadow {
  private session: ShadowSession | null = null;
  private setup: ShadowPart['setup'] | null = null;
  private applied: GuestOp[] = [];

  /** The session after `s`'s applied operations. */
  get(s: State): ShadowSession {
    const sh = s.shadow;
    if (sh === null) throw new Error('this state has no shadow MMU');
    const want = sh.ops.slice(0, sh.at);
    if (this.session === null || this.setup !== sh.setup || !isPrefix(this.applied, want)) {
      this.session = fresh(s);
      this.setup = sh.setup;
      this.applied = [];
    }
    for (let i = this.applied.length; i < want.length; i++) this.session.runOp(want[i]);
    this.applied = want;
    this.session.setAccess(s.access);
    return this.session;
  }

  /** The guest as the machine has it after `s`'s operations (A/D bits, stores). */
  guestNow(s: State): Scenario {
    return this.get(s).guest()!.scenario;
  }

  /**
   * What the guest would get for `s`'s current access, without changing the
   * live machine: a throwaway replay of the same operations plus the access.
   */
  probe(s: State): OpRecord {
    const sh = s.shadow!;
    const t = fresh(s);
    for (const op of sh.ops.slice(0, sh.at)) t.runOp(op);
    const a = s.access;
    const va = (BigInt(a.va.hi >>> 0) << 32n) | BigInt(a.va.lo >>> 0);
    return t.runOp({ kind: 'access', va, op: a.op, cpl: a.cpl, implicit: a.implicit, note: '' });
  }
}

function fresh(s: State): ShadowSession {
  const t = new ShadowSession();
  t.openSetup(s.shadow!.setup, s.presetId, s.title);
  return t;
}

/** Is `a` the start of `b` (same operation objects, which states share)? */
function isPrefix(a: GuestOp[], b: GuestOp[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
