/** Counters: exits (by kind), shadow pages alive, SPTEs, and the rest of KVM's bookkeeping. */
import { useShadow } from './hooks';

export function ShadowCounters() {
  const c = useShadow((s) => s.shadow?.counters ?? null);
  const nested = useShadow((s) => s.shadow?.mode === 'nested');
  if (!c) return null;
  const exitKinds = nested
    ? [['EPT violation', c.eptViolationExits], ['tracked write', c.trackedWriteExits], ['INVEPT', c.invlpgExits]]
    : [['page fault', c.pageFaultExits], ['tracked write', c.trackedWriteExits], ['INVLPG', c.invlpgExits], ['CR3 load', c.cr3Exits]];
  return (
    <section className="panel shadow-counters" aria-labelledby="counters-h">
      <h2 id="counters-h">Counters</h2>
      <dl className="big-counters">
        <div>
          <dt>VM exits</dt>
          <dd className="mono">{c.exits}</dd>
        </div>
        <div>
          <dt>Shadow pages alive</dt>
          <dd className="mono">{c.spAlive}</dd>
        </div>
        <div>
          <dt>SPTEs</dt>
          <dd className="mono">{c.sptes}</dd>
        </div>
      </dl>
      <p className="small counter-line">
        Exits: {exitKinds.map(([k, n]) => `${k} ${n}`).join(' · ')}
        <br />
        Pages created {c.spCreated} · zapped {c.spZapped} · unsynced {c.unsyncs} · synced {c.syncs} · floods {c.floods}
        {!nested && (
          <>
            <br />
            Root cache: hits {c.rootHits} · misses {c.rootMisses}
          </>
        )}
      </p>
    </section>
  );
}
