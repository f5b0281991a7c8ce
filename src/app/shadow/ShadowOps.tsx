/** Guest operations: INVLPG for the current address and Load CR3 (shadow paging), or INVEPT (nested EPT). Each is one history entry. */
import { useShadow, useShadowStore } from './hooks';

export function ShadowOps() {
  const store = useShadowStore();
  const { view, va } = useShadow((s) => ({ view: s.shadow, va: s.doc?.access.va ?? '0x0' }));
  if (!view) return null;
  const act = store.getState().act;
  const cur = Math.max(0, view.spaces.findIndex((sp) => sp.current));
  const other = view.spaces.length > 1 ? (cur + 1) % view.spaces.length : null;
  const current = view.spaces[cur];
  return (
    <section className="shadow-ops" aria-label="Guest operations">
      <div className="ops-row">
        {view.mode === 'shadow' ? (
          <>
            <button type="button" onClick={() => void act({ t: 'op', op: { k: 'invlpg', va } })} title={`INVLPG linear ${va}: KVM resyncs or drops the SPTE for that address`}>
              INVLPG
            </button>
            <button type="button" onClick={() => void act({ t: 'op', op: { k: 'cr3', space: other ?? cur } })} title={other !== null ? `Switch to ${view.spaces[other].name} (CR3 ${view.spaces[other].cr3})` : 'Reload CR3 with the same value'}>
              Load CR3
            </button>
            <span className="small ops-space">
              {current && (
                <>
                  CR3 <span className="mono">{current.cr3}</span> ({current.name}){other !== null ? <> · Load CR3 switches to {view.spaces[other].name}</> : <> · Load CR3 reloads it</>}
                </>
              )}
            </span>
          </>
        ) : (
          <button type="button" onClick={() => void act({ t: 'op', op: { k: 'invept' } })} title="L1 invalidates EPT12 translations: KVM resyncs EPT02">
            INVEPT
          </button>
        )}
      </div>
    </section>
  );
}
