/**
 * The last operation's walks, stepped: the CPU's walk through the shadow
 * tables, KVM's walk of the guest's tables after the exit, the CPU's retry,
 * and for nested EPT the CPU's walk of EPT02 with EPTP02's length (the hang).
 */
import { walkSteps } from '../../store/viewSlice';
import type { ShadowWalkKind } from '../../worker/doc/types';
import { useShadow, useShadowStore } from './hooks';

const TABS: { id: ShadowWalkKind; label: string }[] = [
  { id: 'hardware', label: 'CPU walk' },
  { id: 'guest', label: 'KVM’s guest walk' },
  { id: 'retry', label: 'CPU retry' },
  { id: 'hang', label: 'Hang stepper' },
];

export function ShadowWalks() {
  const store = useShadowStore();
  const { view, walk, step, nested } = useShadow((s) => ({ view: s.shadow, walk: s.shadowWalk, step: s.shadowStep, nested: s.shadow?.mode === 'nested' }));
  if (!view) return null;
  const last = view.last;
  const steps = walkSteps(view, walk) ?? [];
  const verdict =
    walk === 'hang' ? (view.nested?.hang?.verdict ?? null) : walk === 'hardware' ? (last?.hardwareVerdict ?? null) : walk === 'guest' ? (last?.guestWalkVerdict ?? null) : (last?.retryVerdict ?? null);
  const has = (w: ShadowWalkKind) => (walkSteps(view, w)?.length ?? 0) > 0;
  const s = store.getState();
  const tableKind = nested ? 'EPT02' : 'shadow tables';
  return (
    <section className="panel shadow-walks" aria-labelledby="swalk-h">
      <h2 id="swalk-h">Walks of the last operation</h2>
      {last ? <p className="small last-title">{last.title}: {last.exits === 0 ? 'no exit' : `${last.exits} exit${last.exits > 1 ? 's' : ''}`}.</p> : <p className="hint small">Translate an address, or run the preset’s next step, to see the walks.</p>}
      <div className="walk-tabs" role="group" aria-label="Which walk">
        {TABS.filter((t) => t.id !== 'hang' || nested).map((t) => (
          <button key={t.id} type="button" aria-pressed={walk === t.id} disabled={!has(t.id)} onClick={() => s.setShadowWalk(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      {steps.length > 0 && (
        <>
          <div className="walk-stepper" role="group" aria-label="Walk stepper">
            <button type="button" onClick={() => s.setShadowStep(step - 1)} disabled={step === 0}>
              ◀ Step back
            </button>
            <span className="small mono-num" aria-live="polite">
              {step} of {steps.length}
            </span>
            <button type="button" onClick={() => s.setShadowStep(step + 1)} disabled={step >= steps.length}>
              Step forward ▶
            </button>
          </div>
          <ol className="swalk-steps" aria-label={TABS.find((t) => t.id === walk)!.label + ' steps'}>
            {steps.map((st, i) => (
              <li key={i} className={`swalk-step lv${Math.min(5, Math.max(1, st.level))} ${st.state}${i < step ? ' shown' : ' hidden-step'}`} aria-current={i === step - 1 ? 'step' : undefined}>
                <span className="sw-where">
                  <b>L{st.level}</b> {st.table} [{st.index}]
                </span>
                <span className="mono sw-entry">{st.entry}</span>
                <span className="sw-note">{st.note}</span>
              </li>
            ))}
          </ol>
          {step >= steps.length && verdict && <p className={`verdict ${/no exit/.test(verdict) ? 'ok' : 'fault'}`}>{verdict}</p>}
        </>
      )}
      {last && <p className="small outcome">{last.outcome}</p>}
      <p className="hint small">
        The CPU walks the {tableKind}; only when they do not allow the access does it exit, and KVM walks the {nested ? 'EPT12 tables' : 'guest’s own tables'} to fix them. The Result panel says what the CPU gets now through the {tableKind}, beside what the {nested ? 'EPT12 tables' : 'guest’s tables'} say.
      </p>
    </section>
  );
}
