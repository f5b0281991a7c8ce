/** An imported case's expectation beside what Pagoda computes: agreement at a glance, every differing key side by side. */
import { useApp } from './context';

export function ExpectPanel() {
  const e = useApp((s) => s.doc?.expect ?? null);
  if (!e) return null;
  const differ = e.rows.filter((r) => !r.same);
  return (
    <section className={`panel expect ${e.agrees ? 'agrees' : 'differs'}`} aria-labelledby="expect-h">
      <h2 id="expect-h">Imported expectation</h2>
      <p>{e.agrees ? `Pagoda computes what the case expects (${e.rows.length} keys compared).` : `Pagoda computes something else for ${differ.length} of ${e.rows.length} keys:`}</p>
      {!e.agrees && (
        <table className="expect-table small">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">The case expects</th>
              <th scope="col">Pagoda computes</th>
            </tr>
          </thead>
          <tbody>
            {differ.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.key}</th>
                <td className="mono">{r.expected}</td>
                <td className="mono">{r.computed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
