/**
 * A dump's whole address space at a glance (as ptdump and QEMU's `info pg`
 * fold it): contiguous ranges with the same rights and page size, counts by
 * page size, a user/kernel filter, search by linear address (a range's row
 * translates its start; the address box translates any address), and the
 * reverse: a physical address → every linear address that maps it.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { MappingsPage, ReverseAnswer } from '../worker/dumpSession';
import { parseHexInput } from '../store/input';
import { useApp } from './context';

const PAGE_ROWS = 200;
const SIZES: Record<number, string> = { 4096: '4 KiB', 2097152: '2 MiB', 4194304: '4 MiB', 1073741824: '1 GiB' };
const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(n % 2 ** 30 ? 1 : 0)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(n % 2 ** 20 ? 1 : 0)} MiB` : `${n / 1024} KiB`);

export function AddressSpace() {
  const dump = useApp((s) => s.doc?.dump ?? null);
  const mappings = useApp((s) => s.mappings);
  const act = useApp((s) => s.act);
  const [filter, setFilter] = useState<'all' | 'user' | 'kernel'>('all');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<MappingsPage | null>(null);
  const key = dump ? `${dump.name}|${dump.cpu}|${dump.nxe}|${dump.maxphyaddr}` : '';
  useEffect(() => {
    if (!dump) return;
    let live = true;
    void mappings(filter, offset, PAGE_ROWS).then((r) => live && r.ok && setPage(r.value));
    return () => {
      live = false;
    };
  }, [key, filter, offset, mappings, dump]);
  if (!dump) return null;
  const sum = dump.summary;
  const go = (va: string, user: boolean) => act({ t: 'access', access: { va, cpl: user ? 3 : 0 } });
  return (
    <section className="panel address-space" aria-labelledby="as-h">
      <h2 id="as-h">Address space</h2>
      <p className="small">
        {sum.leaves.toLocaleString('en')} leaves ({sum.userLeaves.toLocaleString('en')} user, {sum.kernelLeaves.toLocaleString('en')} kernel
        {sum.reservedLeaves ? `, ${sum.reservedLeaves} with a reserved bit on their path` : ''}):{' '}
        {sum.bySize.map((b) => `${b.leaves.toLocaleString('en')} × ${SIZES[b.pageSize] ?? b.pageSize} (${bytes(b.bytes)})`).join(', ')}; folded into {sum.ranges.toLocaleString('en')} ranges.
      </p>
      <div className="as-bar">
        <div role="radiogroup" aria-label="Show" className="radio-row">
          {(['all', 'user', 'kernel'] as const).map((f) => (
            <label key={f} className="check">
              <input
                type="radio"
                name="as-filter"
                checked={filter === f}
                onChange={() => {
                  setFilter(f);
                  setOffset(0);
                }}
              />
              {f === 'all' ? 'All' : f === 'user' ? 'User' : 'Kernel'}
            </label>
          ))}
        </div>
        {page && (
          <span className="small">
            ranges {page.total ? page.offset + 1 : 0}–{Math.min(page.total, page.offset + PAGE_ROWS)} of {page.total}
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_ROWS))}>
              Earlier
            </button>
            <button type="button" disabled={!page || offset + PAGE_ROWS >= page.total} onClick={() => setOffset(offset + PAGE_ROWS)}>
              Later
            </button>
          </span>
        )}
      </div>
      <div className="as-scroll" tabIndex={0} aria-label="Folded ranges">
        <table className="as-table small">
          <thead>
            <tr>
              <th scope="col">Linear range</th>
              <th scope="col">Size</th>
              <th scope="col">Pages</th>
              <th scope="col">Rights</th>
              <th scope="col">Physical</th>
            </tr>
          </thead>
          <tbody>
            {page?.ranges.map((r) => (
              <tr key={r.first} className={r.reserved ? 'rsvd' : ''}>
                <th scope="row">
                  <button type="button" className="mono link-like" onClick={() => void go(r.start, r.rights.startsWith('USR'))} title={`Translate ${r.start}`}>
                    {r.start}–{r.last}
                  </button>
                </th>
                <td>{bytes(r.pages * r.pageSize)}</td>
                <td>
                  {r.pages.toLocaleString('en')} × {SIZES[r.pageSize] ?? r.pageSize}
                </td>
                <td className="mono">
                  {r.rights}
                  {r.attrs ? ` ${r.attrs}` : ''}
                  {r.reserved ? ' reserved bit' : ''}
                </td>
                <td className="mono">
                  {r.pa}
                  {r.pages > 1 && !r.physContiguous ? ' …' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Reverse onGo={go} />
    </section>
  );
}

function Reverse({ onGo }: { onGo: (va: string, user: boolean) => Promise<boolean> }) {
  const reverse = useApp((s) => s.reverse);
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<ReverseAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = parseHexInput(text, 'Physical address', 52, '0x201000');
    if ('error' in p) {
      setError(p.error);
      return;
    }
    const r = await reverse(p.value);
    if (!r.ok) setError(`${r.problem.field}: ${r.problem.message}`);
    else {
      setError(null);
      setAnswer(r.value);
    }
  };
  return (
    <form className="reverse" onSubmit={(e) => void submit(e)}>
      <label>
        Physical address
        <input className="mono" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={error !== null} aria-describedby={error ? 'rev-error' : undefined} spellCheck={false} placeholder="0x201000" />
      </label>
      <button type="submit">Find linear addresses</button>
      {error && (
        <p id="rev-error" className="field-error" aria-live="polite">
          {error}
        </p>
      )}
      {answer && (
        <div className="small" aria-live="polite">
          {answer.mapped.length === 0 ? (
            <p>No linear address maps physical {answer.pa}.</p>
          ) : (
            <>
              <p>
                Physical {answer.pa} is mapped at {answer.mapped.length} linear address{answer.mapped.length === 1 ? '' : 'es'}:
              </p>
              <ul className="rev-list" aria-label="Linear addresses that map it">
                {answer.mapped.slice(0, 200).map((m) => (
                  <li key={m.va}>
                    <button type="button" className="mono link-like" onClick={() => void onGo(m.va, false)}>
                      {m.va}
                    </button>{' '}
                    ({SIZES[m.size] ?? m.size} page, entry <span className="mono">{m.entry}</span>)
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </form>
  );
}
