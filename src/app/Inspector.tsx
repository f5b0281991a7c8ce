/**
 * The entry inspector: the entry decoded exactly as the walk reads it at its
 * level in this mode (the engine's per-bit roles, via the worker): the bits
 * as a strip, the reserved and ignored bits with their reasons, the fields
 * that exist here plus rows for set bits that are not fields, and edits —
 * toggle a flag or bit, type a field or the whole value — which the worker
 * applies; the walk re-runs.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useApp, useAppShallow } from './context';
import { BitStrip, RoleLists, roleText, toggleBitEdit } from './InspectorBits';
import { usePending } from './usePending';
import type { BitSpan, EntryField, EntryInfo } from '../worker/types';

/** The key a refused value of this entry's input is kept under (it stays in the field with its message). */
const fieldKey = (e: EntryInfo, name: string) => `entry:${e.tableId}:${e.index}:${name}`;

function FieldRow({ e, f }: { e: EntryInfo; f: EntryField }) {
  const edit = useApp((s) => s.edit);
  const key = fieldKey(e, f.name);
  const err = useApp((s) => s.fieldErrors[key] ?? null);
  const single = f.bits[0] === f.bits[1];
  const [on, run] = usePending(f.value === 1);
  const [text, setText] = useState(err?.text ?? '0x' + f.value.toString(16));
  useEffect(() => {
    if (!err) setText('0x' + f.value.toString(16));
  }, [f.value, err]);
  const apply = (ev: FormEvent) => {
    ev.preventDefault();
    void edit({ kind: 'field', tableId: e.tableId, index: e.index, field: f.name, value: text }, key);
  };
  const range = single ? `${f.bits[0]}` : `${f.bits[0]}:${f.bits[1]}`;
  return (
    <tr>
      <th scope="row">{f.name}</th>
      <td className="mono">{range}</td>
      <td>
        {single ? (
          <label className="check">
            <input
              type="checkbox"
              checked={on}
              aria-label={`${f.name} (bit ${range})`}
              onChange={(ev) => run(ev.target.checked, () => edit({ kind: 'field', tableId: e.tableId, index: e.index, field: f.name, value: ev.target.checked ? '1' : '0' }))}
            />
            {on ? 1 : 0}
          </label>
        ) : (
          <form onSubmit={apply} className="field-form">
            <input className="mono" value={text} onChange={(ev) => setText(ev.target.value)} aria-label={`${f.name} (bits ${range})`} aria-invalid={err !== null} spellCheck={false} />
            {err && (
              <span className="field-error" aria-live="polite">
                {err.message}
              </span>
            )}
          </form>
        )}
      </td>
      <td>{f.meaning}</td>
    </tr>
  );
}

function ValueForm({ e }: { e: EntryInfo }) {
  const edit = useApp((s) => s.edit);
  const key = fieldKey(e, 'value');
  const err = useApp((s) => s.fieldErrors[key] ?? null);
  const [text, setText] = useState(err?.text ?? e.value);
  useEffect(() => {
    if (!err) setText(e.value);
  }, [e.value, err]);
  return (
    <form
      className="value-form"
      onSubmit={(ev) => {
        ev.preventDefault();
        void edit({ kind: 'entry', tableId: e.tableId, index: e.index, value: text }, key);
      }}
    >
      <label>
        Entry value
        <input className="mono" value={text} onChange={(ev) => setText(ev.target.value)} aria-invalid={err !== null} spellCheck={false} />
      </label>
      <button type="submit">Write</button>
      {err && (
        <p className="field-error" aria-live="polite">
          {err.message}
        </p>
      )}
    </form>
  );
}

/** A set bit that is not a field (reserved or ignored here): shown so nothing set goes unexplained. */
function SpanRow({ e, s }: { e: EntryInfo; s: BitSpan }) {
  const edit = useApp((st) => st.edit);
  const single = s.high === s.low;
  const range = single ? `${s.high}` : `${s.high}:${s.low}`;
  const bad = s.role === 'reserved' && e.kind !== 'not-present';
  const value = s.set.reduce((v, b) => v + 2 ** (b - s.low), 0);
  return (
    <tr className={`span-row ${s.role}${bad ? ' bad' : ''}`}>
      <th scope="row">{s.name || <span className="muted">{s.role}</span>}</th>
      <td className="mono">{range}</td>
      <td>
        {single ? (
          <label className="check">
            <input type="checkbox" checked aria-label={`${s.name || s.role} (bit ${range})`} onChange={() => void edit(toggleBitEdit(e, s.high))} />1
          </label>
        ) : (
          <span className="mono">0x{value.toString(16)}</span>
        )}
      </td>
      <td>{roleText(s)}</td>
    </tr>
  );
}

function headline(e: EntryInfo, space: string): string {
  switch (e.kind) {
    case 'leaf':
      return `maps a page at ${space} ${e.target}`;
    case 'table':
      return `points to a table at ${space} ${e.target}`;
    case 'not-present':
      return 'not present: the walk stops here';
    case 'reserved':
      return e.misconfig ? 'misconfigured: the walk stops here' : 'reserved bit set: the walk stops here';
  }
}

export function Inspector() {
  const { e, names } = useAppShallow((s) => ({ e: s.entry, names: s.doc?.spaces ?? null }));
  // Guest entries hold guest addresses; EPT entries, and where every entry sits under EPT, are host addresses.
  const host = names?.host ?? 'physical';
  const guest = names?.guest ?? 'physical';
  return (
    <section className="panel inspector" aria-labelledby="inspector-h">
      <h2 id="inspector-h">Entry inspector</h2>
      {!e ? (
        <p className="hint">Click an entry in the tree, or a walk step, to decode it bit by bit and edit it.</p>
      ) : (
        <>
          <p className="entry-head">
            <strong>
              {e.structure}[0x{e.index.toString(16)}]
            </strong>{' '}
            at {e.gpa ? `${guest} ` : `${host} `}
            <span className="mono">{e.gpa ?? e.addr}</span>
            {e.gpa && (
              <>
                {' '}
                ({host} <span className="mono">{e.addr}</span>)
              </>
            )}{' '}
            = <span className="mono">{e.value}</span> — <span className={`kind k-${e.kind}`}>{headline(e, e.tree === 'ept' ? host : guest)}</span>
          </p>
          <BitStrip e={e} />
          <RoleLists e={e} />
          <table className="fields">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Bits</th>
                <th scope="col">Value</th>
                <th scope="col">Meaning</th>
              </tr>
            </thead>
            <tbody>
              {rows(e).map((r) =>
                'meaning' in r ? <FieldRow key={'f' + r.name + r.bits[1]} e={e} f={r} /> : <SpanRow key={'s' + r.high} e={e} s={r} />,
              )}
            </tbody>
          </table>
          <ValueForm e={e} />
        </>
      )}
    </section>
  );
}

/** The fields, and the set bits that are not fields, in bit order (low first, as the fields come). */
function rows(e: EntryInfo): (EntryField | BitSpan)[] {
  const extra = e.spans.filter((s) => s.role !== 'field' && s.set.length > 0);
  const low = (r: EntryField | BitSpan) => ('meaning' in r ? r.bits[1] : r.low);
  return [...e.fields, ...extra].sort((a, b) => low(a) - low(b));
}
