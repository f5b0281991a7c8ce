/** An imported file with several cases: list them (filterable), say which cannot be opened and why, open the one chosen. */
import { useEffect, useRef, useState } from 'react';
import { useApp } from './context';

export function FileChoice() {
  const choice = useApp((s) => s.fileChoice);
  const choose = useApp((s) => s.chooseFileCase);
  const close = useApp((s) => s.closeFileChoice);
  const dialog = useRef<HTMLDialogElement>(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (choice && !d.open) d.showModal();
    if (!choice && d.open) d.close();
    setFilter('');
  }, [choice]);
  const f = filter.trim().toLowerCase();
  const shown = choice ? choice.cases.filter((c) => f === '' || c.id.toLowerCase().includes(f) || c.summary.toLowerCase().includes(f)) : [];
  const openable = choice ? choice.cases.filter((c) => c.problem === null).length : 0;
  return (
    <dialog ref={dialog} className="file-choice" aria-labelledby="file-choice-h" onClose={() => close()}>
      {choice && (
        <>
          <h2 id="file-choice-h">Choose a case from {choice.name}</h2>
          <p className="small">
            {choice.cases.length} cases; {openable} can be opened{openable < choice.cases.length ? `, ${choice.cases.length - openable} have problems (listed with the reason)` : ''}.
          </p>
          <label className="file-filter">
            Find a case
            <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="id or mode, e.g. pw-ept or 5-level" spellCheck={false} autoFocus />
          </label>
          <ul className="case-list" aria-label="Cases in the file">
            {shown.slice(0, 500).map((c) => (
              <li key={c.index}>
                <button type="button" disabled={c.problem !== null} onClick={() => void choose(c.index)}>
                  <span className="mono case-id">{c.id}</span> <span className="small">{c.problem ?? c.summary}</span>
                </button>
              </li>
            ))}
          </ul>
          {shown.length > 500 && <p className="hint small">{shown.length - 500} more: narrow the search.</p>}
          <button type="button" onClick={() => close()}>
            Cancel
          </button>
        </>
      )}
    </dialog>
  );
}
