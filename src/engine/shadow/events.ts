/**
 * The shadow MMU's event stream and counters. Events are plain data for the
 * UI's `Events` log; collection is switchable so the replay hot path builds no
 * event objects (callers test `on` before making text). Counters are always kept.
 */

export type ExitKind = 'page-fault' | 'tracked-write' | 'invlpg' | 'cr3' | 'ept-violation';

export type ShadowEventType =
  | 'exit'
  | 'inject'
  | 'emulate'
  | 'guest-ad'
  | 'sp-create'
  | 'sp-zap'
  | 'sp-free'
  | 'sp-unsync'
  | 'sp-sync'
  | 'spte-install'
  | 'spte-update'
  | 'spte-drop'
  | 'wp-on'
  | 'wp-off'
  | 'flood'
  | 'root';

export interface ShadowEvent {
  seq: number;
  type: ShadowEventType;
  /** For `exit` events: why the guest exited. Every exit's text contains "exit". */
  exit?: ExitKind;
  text: string;
  /** Shadow page id, guest frame, SPTE index, level where they apply. */
  sp?: number;
  gfn?: number;
  index?: number;
  level?: number;
}

export interface ShadowCounters {
  exits: number;
  pageFaultExits: number;
  trackedWriteExits: number;
  invlpgExits: number;
  cr3Exits: number;
  eptViolationExits: number;
  injected: number;
  emulated: number;
  faultsFixed: number;
  spCreated: number;
  spZapped: number;
  spAlive: number;
  sptesPresent: number;
  unsyncs: number;
  syncs: number;
  floods: number;
  rootHits: number;
  rootMisses: number;
}

export const zeroCounters = (): ShadowCounters => ({
  exits: 0,
  pageFaultExits: 0,
  trackedWriteExits: 0,
  invlpgExits: 0,
  cr3Exits: 0,
  eptViolationExits: 0,
  injected: 0,
  emulated: 0,
  faultsFixed: 0,
  spCreated: 0,
  spZapped: 0,
  spAlive: 0,
  sptesPresent: 0,
  unsyncs: 0,
  syncs: 0,
  floods: 0,
  rootHits: 0,
  rootMisses: 0,
});

const EXIT_FIELD: Record<ExitKind, keyof ShadowCounters> = {
  'page-fault': 'pageFaultExits',
  'tracked-write': 'trackedWriteExits',
  invlpg: 'invlpgExits',
  cr3: 'cr3Exits',
  'ept-violation': 'eptViolationExits',
};

export class EventLog {
  /** Collect event objects (the UI); off in the benchmark's hot path. */
  on: boolean;
  events: ShadowEvent[] = [];
  readonly counters: ShadowCounters = zeroCounters();
  private seq = 0;

  constructor(collect = true) {
    this.on = collect;
  }

  /** Record an event; callers check `on` first when building the text costs anything. */
  emit(type: ShadowEventType, text: string, ids?: { sp?: number; gfn?: number; index?: number; level?: number }): void {
    if (!this.on) return;
    const e: ShadowEvent = { seq: this.seq++, type, text };
    if (ids !== undefined) {
      if (ids.sp !== undefined) e.sp = ids.sp;
      if (ids.gfn !== undefined) e.gfn = ids.gfn;
      if (ids.index !== undefined) e.index = ids.index;
      if (ids.level !== undefined) e.level = ids.level;
    }
    this.events.push(e);
  }

  /** Count an exit and record it; `text` must say "exit". */
  exit(kind: ExitKind, text: string): void {
    this.counters.exits++;
    this.counters[EXIT_FIELD[kind]]++;
    if (!this.on) return;
    this.events.push({ seq: this.seq++, type: 'exit', exit: kind, text });
  }

  /** Take the events recorded so far (the log keeps counting). */
  drain(): ShadowEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }
}

/** Lowercase 0x hex for event texts. */
export const hx = (n: number): string => '0x' + n.toString(16);
