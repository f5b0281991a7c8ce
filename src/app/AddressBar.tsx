import type { FormEvent } from 'react';
import { BitSplit } from './BitSplit';
import { useApp, useAppShallow } from './context';
import { byPointer, focusPicture } from './focus';
import { usePending } from './usePending';

const OPS = [
  ['read', 'Read'],
  ['write', 'Write'],
  ['fetch', 'Fetch'],
] as const;

export function AddressBar() {
  const { draftVa, vaError, access, vaCut, paging, virt } = useAppShallow((s) => ({ draftVa: s.draftVa, vaError: s.vaError, access: s.doc?.access ?? null, vaCut: s.doc?.vaCut ?? null, paging: s.doc?.cpu.paging, virt: s.doc?.virt }));
  const setDraftVa = useApp((s) => s.setDraftVa);
  const translate = useApp((s) => s.translate);
  const setAccess = useApp((s) => s.setAccess);
  const [op, runOp] = usePending(access?.op);
  const [user, runUser] = usePending(access?.cpl === 3);
  const [implicit, runImplicit] = usePending(access?.implicit ?? false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void translate();
  };
  return (
    <section className="address-bar" aria-label="Address">
      <form onSubmit={submit} className="address-form">
        <label htmlFor="va-input" className="va-label">
          Virtual address
        </label>
        <input
          id="va-input"
          className="va-input mono"
          value={draftVa}
          onChange={(e) => setDraftVa(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={vaError !== null}
          aria-describedby={vaError ? 'va-error' : undefined}
        />
        <button type="submit" className="primary">
          Translate
        </button>
        <fieldset className="segmented">
          <legend className="visually-hidden">Access kind</legend>
          {OPS.map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="access-op"
                value={value}
                checked={op === value}
                disabled={!access || (value === 'fetch' && access.implicit)}
                onChange={(e) => {
                  const pointer = byPointer(e);
                  runOp(value, () => {
                    const done = setAccess({ op: value });
                    if (pointer) focusPicture(done);
                    return done;
                  });
                }}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={user} disabled={!access} onChange={(e) => runUser(e.target.checked, () => setAccess({ cpl: e.target.checked ? 3 : 0 }))} />
          User mode (CPL 3)
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={implicit}
            disabled={!access || access.op === 'fetch'}
            onChange={(e) => runImplicit(e.target.checked, () => setAccess({ implicit: e.target.checked }))}
          />
          Implicit supervisor access
        </label>
      </form>
      {vaError && (
        <p id="va-error" className="field-error" aria-live="polite">
          {vaError}
        </p>
      )}
      {vaCut && access && (
        <p className="hint va-note">
          Cut to 32 bits: {paging === '32' ? '32-bit' : 'PAE'} paging translates 32-bit linear addresses, so the walk uses <span className="mono">{access.va}</span>. The full <span className="mono">{vaCut}</span> comes back when you switch to 4- or 5-level paging.
        </p>
      )}
      {virt === 'nested' && <p className="hint va-note">An L2-linear address: L2’s own tables translate it to L2-physical first.</p>}
      {(virt === 'shadow' || virt === 'nested') && <p className="hint va-note">Translate runs the access as a guest operation under the shadow MMU.</p>}
      <BitSplit />
    </section>
  );
}
