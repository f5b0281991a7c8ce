/** Guest operations: the preset's next scripted step, INVLPG for the current address, Load CR3 (or INVEPT for nested EPT). */
import { useShadow, useShadowStore } from './hooks';

export function ShadowOps() {
  const store = useShadowStore();
  const { view, busy } = useShadow((s) => ({ view: s.shadow, busy: s.shadowBusy }));
  if (!view) return null;
  const run = store.getState().shadowOp;
  const next = view.script.ops[view.script.next] ?? null;
  const other = view.spaces.length > 1 ? view.spaces.find((sp) => !sp.current) : null;
  const current = view.spaces.find((sp) => sp.current);
  return (
    <section className="shadow-ops" aria-label="Guest operations">
      <div className="ops-row">
        {view.mode === 'shadow' ? (
          <>
            <button type="button" disabled={busy} onClick={() => void run({ kind: 'invlpg' })} title={`INVLPG ${view.address}: drop or resync the SPTE for the current address`}>
              INVLPG
            </button>
            <button type="button" disabled={busy} onClick={() => void run({ kind: 'cr3' })} title={other ? `Switch to ${other.name} (CR3 ${other.cr3})` : 'Reload CR3 with the same value'}>
              Load CR3
            </button>
            <span className="small ops-space">
              {current && (
                <>
                  CR3 <span className="mono">{current.cr3}</span> ({current.name}){other ? <> · Load CR3 switches to {other.name}</> : <> · Load CR3 reloads it</>}
                </>
              )}
            </span>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => void run({ kind: 'invept' })} title="L1 invalidates EPT12 translations: KVM resyncs EPT02">
            INVEPT
          </button>
        )}
      </div>
      {view.script.ops.length > 0 && (
        <div className="ops-script">
          <button type="button" className="primary" disabled={busy || next === null} onClick={() => void run({ kind: 'script' })}>
            {next === null ? 'Preset done' : `Run step ${view.script.next + 1} of ${view.script.ops.length}`}
          </button>
          <span className="small script-next">{next ?? 'Every step of this preset has run; keep exploring with Translate, INVLPG, Load CR3, or edit a guest entry.'}</span>
        </div>
      )}
    </section>
  );
}
