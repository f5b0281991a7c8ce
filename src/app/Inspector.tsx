/**
 * The entry inspector: every decoded field, the bits as a strip (reserved bits
 * marked, violations red), the reserved mask, and edits — toggle a flag, type
 * a field or the whole value — which the worker applies; the walk re-runs.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { bit64, bitRanges, parseHex64 } from '../engine/bits';
import { useApp, useAppShallow } from './context';
import { usePending } from './usePending';
import type { EntryField, EntryInfo } from '../worker/types';

function bitSet(value: string, b: number): boolean {
  const v = parseHex64(value)!;
  return bit64(v.lo, v.hi, b);
}

function BitStrip({ e }: { e: EntryInfo }) {
  const edit = useApp((s) => s.edit);
  const width = e.entryBytes * 8;
  const rsvd = new Set<number>();
  for (let b = 0; b < width; b++) if (bitSet(e.rsvdMask, b)) rsvd.add(b);
  const bad = new Set(e.rsvdSet);
  const toggle = (b: number) => {
    const v = parseHex64(e.value)!;
    const big = ((BigInt(v.hi) << 32n) | BigInt(v.lo)) ^ (1n << BigInt(b));
    void edit({ kind: 'entry', tableId: e.tableId, index: e.index, value: '0x' + big.toString(16) });
  };
  const row = (top: number) => {
    const cells = [];
    for (let b = top; b > top - 32; b--) {
      const on = bitSet(e.value, b);
      cells.push(
        <button
          type="button"
          key={b}
          tabIndex={-1}
          className={`bit${on ? ' on' : ''}${rsvd.has(b) ? ' rsvd' : ''}${bad.has(b) ? ' bad' : ''}`}
          aria-label={`Toggle bit ${b}`}
          title={`bit ${b}${rsvd.has(b) ? ' (reserved here)' : ''}`}
          onClick={() => toggle(b)}
        >
          {on ? 1 : 0}
        </button>,
      );
    }
    return (
      <div className="bit-strip-row mono" key={top}>
        <span aria-hidden="true">{top}</span>
        <div className="bit-strip w32">{cells}</div>
        <span aria-hidden="true">{top - 31}</span>
      </div>
    );
  };
  return <div className="bit-strip-wrap">{width === 64 ? [row(63), row(31)] : row(31)}</div>;
}

function FieldRow({ e, f }: { e: EntryInfo; f: EntryField }) {
  const edit = useApp((s) => s.edit);
  const single = f.bits[0] === f.bits[1];
  const [on, run] = usePending(f.value === 1);
  const [text, setText] = useState('0x' + f.value.toString(16));
  useEffect(() => setText('0x' + f.value.toString(16)), [f.value]);
  const apply = (ev: FormEvent) => {
    ev.preventDefault();
    void edit({ kind: 'field', tableId: e.tableId, index: e.index, field: f.name, value: text });
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
            <input className="mono" value={text} onChange={(ev) => setText(ev.target.value)} aria-label={`${f.name} (bits ${range})`} spellCheck={false} />
          </form>
        )}
      </td>
      <td>{f.meaning}</td>
    </tr>
  );
}

function bitList(mask: string, width: number): string {
  const bits: number[] = [];
  for (let b = 0; b < width; b++) if (bitSet(mask, b)) bits.push(b);
  return bitRanges(bits) || 'none';
}

function ValueForm({ e }: { e: EntryInfo }) {
  const edit = useApp((s) => s.edit);
  const [text, setText] = useState(e.value);
  useEffect(() => setText(e.value), [e.value]);
  return (
    <form
      className="value-form"
      onSubmit={(ev) => {
        ev.preventDefault();
        void edit({ kind: 'entry', tableId: e.tableId, index: e.index, value: text });
      }}
    >
      <label>
        Entry value
        <input className="mono" value={text} onChange={(ev) => setText(ev.target.value)} spellCheck={false} />
      </label>
      <button type="submit">Write</button>
    </form>
  );
}

const KIND_TEXT = { table: 'points to a table', leaf: 'maps a page', 'not-present': 'not present', reserved: 'reserved bits set / misconfigured' };

export function Inspector() {
  const { e } = useAppShallow((s) => ({ e: s.entry }));
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
            at <span className="mono">{e.addr}</span>
            {e.gpa && (
              <>
                {' '}
                (guest-physical <span className="mono">{e.gpa}</span>)
              </>
            )}{' '}
            = <span className="mono">{e.value}</span> — {KIND_TEXT[e.kind]}
          </p>
          <BitStrip e={e} />
          <p className={`rsvd-line${e.rsvdSet.length ? ' bad' : ''}`}>
            Reserved here: bits {bitList(e.rsvdMask, e.entryBytes * 8)} <span className="mono">({e.rsvdMask})</span>
            {e.rsvdSet.length > 0 && <> — set: bit{e.rsvdSet.length > 1 ? 's' : ''} {e.rsvdSet.slice().reverse().join(', ')}</>}
            {e.misconfig && <> — misconfigured: {e.misconfig}</>}
          </p>
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
              {e.fields.map((f) => (
                <FieldRow key={f.name + f.bits[1]} e={e} f={f} />
              ))}
            </tbody>
          </table>
          <ValueForm e={e} />
        </>
      )}
    </section>
  );
}
