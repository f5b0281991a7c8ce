/**
 * A headless app for tests (tldraw's TestEditor idea): the worker API over a
 * real Session with an in-memory saved state, plus a canonical summary of a
 * snapshot — everything the screen shows of the document, without revision
 * counters — so two states can be compared for equality.
 */
import { createApi } from './api';
import { MemoryPersist } from './persist';
import { Session } from './session';
import type { Intent, Result, Snapshot } from './types';

export function headless(persist = new MemoryPersist()) {
  const api = createApi(new Session(), persist);
  const ok = <T>(r: Result<T>): T => {
    if (!r.ok) throw new Error(`${r.problem.field}: ${r.problem.message}`);
    return r.value;
  };
  return {
    api,
    persist,
    preset: (id: string): Snapshot => ok(api.openPreset(id)),
    act: (i: Intent): Snapshot => ok(api.act(i)),
    link: (frag: string): Snapshot => ok(api.openLink(frag)),
    undo: (): Snapshot => ok(api.undo()),
    redo: (): Snapshot => ok(api.redo()),
    fragment: (): string => api.fragment().link,
    ok,
  };
}

/** What the screen shows of a state, as comparable data. */
export function summary(s: Snapshot): unknown {
  const t = s.trace;
  return {
    doc: s.doc,
    address: s.address,
    trace: { steps: t.steps.map((x) => [x.kind, x.level, x.entryAddr, x.value, x.text]), outcome: t.outcome, writes: t.writes },
    result: s.result,
    shadow: s.shadow && {
      counters: s.shadow.counters,
      pages: s.shadow.pages.map((p) => [p.id, p.level, p.gfn, p.role, p.unsync, p.sptes]),
      events: s.shadow.events.map((e) => e.text),
      last: s.shadow.last,
      spaces: s.shadow.spaces,
      guestTables: s.shadow.guestTables.map((g) => [g.id, g.entries]),
      nested: s.shadow.nested,
    },
    ops: s.ops,
    step: s.view.step,
  };
}
