/** Nested EPT: the depths of EPT01, EPT12, EPT02 and what EPTP02 tells the CPU; a mismatch is the 2020 hang. */
import { useShadow } from './hooks';

const RULES: Record<string, string> = {
  'v5.7+': 'Linux 5.7 and later: EPT02 takes EPT12’s depth',
  'v5.6-fixed4': 'Linux 5.6 fix: EPT02 and EPTP02 both 4',
  'v4.14-2020-bug': 'As merged in 2017 (the 2020 bug): EPT02 built with 4 levels, EPTP02 takes the host’s TDP level',
};

export function NestedDepths() {
  const n = useShadow((s) => s.shadow?.nested ?? null);
  if (!n) return null;
  const bad = n.ept02 !== n.eptp02;
  const rows: [string, number, string][] = [
    ['EPT01', n.ept01, `the host’s EPT for L1 (${n.hostEptLevels}-level EPT host)`],
    ['EPT12', n.ept12, `L1’s EPT for L2${n.ept5Exposed ? ' (EPT5 exposed to L1)' : ''}`],
    ['EPT02', n.ept02, 'the shadow EPT KVM builds'],
    ['EPTP02', n.eptp02, 'page-walk length the CPU is told'],
  ];
  return (
    <section className={`panel nested-depths${bad ? ' bad' : ''}`} aria-labelledby="depths-h">
      <h2 id="depths-h">Nested EPT depths</h2>
      <p className="small">{RULES[n.rule] ?? n.rule}</p>
      <table className="depths">
        <tbody>
          {rows.map(([k, v, d]) => (
            <tr key={k} className={bad && (k === 'EPT02' || k === 'EPTP02') ? 'mismatch' : ''}>
              <th scope="row">{k}</th>
              <td className="mono">{v} levels</td>
              <td className="small">{d}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {bad && <p className="depth-warning">EPT02 has {n.ept02} levels but EPTP02 says {n.eptp02}: the CPU walks every table one level too high, and L2 hangs.</p>}
    </section>
  );
}
