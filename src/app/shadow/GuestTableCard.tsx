/** One guest table (or EPT12 table) with its present entries; an entry can be rewritten as a guest store. */
import { useState } from 'react';
import type { GuestTableView } from '../../worker/shadowTypes';
import { useShadow, useShadowStore } from './hooks';

function StoreEditor({ addr, value, onDone }: { addr: string; value: string; onDone: () => void }) {
  const store = useShadowStore();
  const [text, setText] = useState(value);
  const submit = async () => {
    if (await store.getState().act({ t: 'op', op: { k: 'store', gpa: addr, value: text.trim() } }, `store-${addr}`, text)) onDone();
  };
  const err = useShadow((s) => s.fieldErrors[`store-${addr}`] ?? null);
  return (
    <form
      className="store-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        <span className="visually-hidden">New value of the entry at {addr}</span>
        <input className="mono" value={text} size={20} spellCheck={false} autoFocus onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && onDone()} />
      </label>
      <button type="submit">Store</button>
      {err && (
        <span className="field-error" aria-live="polite">
          {err.message}
        </span>
      )}
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

export function GuestTableCard({ t, nested, spaces, hot }: { t: GuestTableView; nested: boolean; spaces: string[]; hot: boolean }) {
  const [editing, setEditing] = useState<number | null>(null);
  const lv = `lv${Math.min(5, Math.max(1, t.level))}`;
  return (
    <li id={t.id} className={`gt-card ${lv}${t.writeProtected ? ' wp' : ''}${t.shadowedBy.length === 0 ? ' unshadowed' : ''}${hot ? ' hot' : ''}`} data-gt={t.id}>
      <div className="gt-head">
        <span className="gt-name">{nested ? `EPT12 ${t.name.replace(/^EPT /, '')}` : t.name}</span>
        <span className="mono gt-base">{t.base}</span>
        {t.writeProtected && (
          <span className="badge wp-badge" title="A shadow page shadows it: guest stores to it exit">
            write-protected
          </span>
        )}
        {spaces.length > 0 && <span className="gt-spaces small">{spaces.join(', ')}</span>}
      </div>
      <ul className="gt-entries" aria-label={`${t.name} ${t.base} entries`}>
        {t.entries.map((e) => (
          <li key={e.index} className="gt-entry">
            {editing === e.index ? (
              <StoreEditor addr={e.addr} value={e.value} onDone={() => setEditing(null)} />
            ) : (
              <button type="button" className="gt-row" onClick={() => setEditing(e.index)} title={`Rewrite entry ${e.index} (at ${e.addr}) as a guest store`}>
                <span className="gi mono">{e.index}</span>
                <span className="gv mono">{e.value}</span>
                <span className="gl">{e.label}</span>
              </button>
            )}
          </li>
        ))}
        {t.more > 0 && <li className="gt-more small">+ {t.more} more present entries</li>}
      </ul>
    </li>
  );
}
