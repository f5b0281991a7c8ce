/**
 * The two-dimensional walk under EPT: a row per guest level (plus the final
 * address), a column per EPT level plus the guest entry read. Each cell shows
 * the number of its reference and lights once the walk has reached it.
 */
import { useAppShallow } from './context';
import type { Trace } from '../worker/types';

interface Cell {
  n: number;
}

export function gridOf(trace: Trace): { rows: { level: number; name: string }[]; cols: { level: number; name: string }[]; cells: Map<string, Cell> } {
  const g = trace.guestLevels;
  const h = trace.eptLevels;
  const names = new Map<number, string>();
  const eptNames = new Map<number, string>();
  for (const st of trace.steps) {
    if (st.kind === 'g') names.set(st.level, st.structure);
    else eptNames.set(st.level, st.structure);
  }
  const X86 = ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'];
  const rows = [];
  for (let l = g; l >= 1; l--) rows.push({ level: l, name: names.get(l) ?? X86[l] });
  rows.push({ level: 0, name: 'Final address' });
  const cols = [];
  for (let l = h; l >= 1; l--) cols.push({ level: l, name: eptNames.get(l) ?? `EPT ${X86[l]}` });
  cols.push({ level: 0, name: 'Guest entry' });
  const cells = new Map<string, Cell>();
  for (const st of trace.steps) {
    const key = st.kind === 'g' ? `${st.level}/0` : `${st.target}/${st.level}`;
    cells.set(key, { n: st.n });
  }
  return { rows, cols, cells };
}

export function WalkGrid() {
  const { trace, step } = useAppShallow((s) => ({ trace: s.trace, step: s.step }));
  if (!trace || trace.eptLevels === 0) return null;
  const { rows, cols, cells } = gridOf(trace);
  const total = (trace.guestLevels + 1) * (trace.eptLevels + 1) - 1;
  return (
    <section className="walk-grid" aria-labelledby="grid-h">
      <h2 id="grid-h">
        2D walk <span className="grid-count">reference {step} of {trace.steps.length}; a full {trace.guestLevels}×{trace.eptLevels} walk makes {total}</span>
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Guest level</th>
            {cols.map((c) => (
              <th scope="col" key={c.level}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.level}>
              <th scope="row">{r.name}</th>
              {cols.map((c) => {
                const cell = cells.get(`${r.level}/${c.level}`);
                const state = !cell ? 'none' : cell.n === step ? 'current' : cell.n < step ? 'done' : 'todo';
                return (
                  <td key={c.level} className={`cell ${state}${c.level === 0 ? ' guest' : ''}`}>
                    {cell ? cell.n : ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
