/**
 * The two-dimensional walk under EPT: a row per guest level (plus the final
 * address), a column per EPT level plus the guest entry read. Each cell shows
 * the number of its reference and lights once the walk has reached it.
 */
import { useAppShallow, useAppStore } from './context';
import { gridOf } from './picture/gridModel';

export function WalkGrid() {
  const store = useAppStore();
  const { trace, step } = useAppShallow((s) => ({ trace: s.trace, step: s.step }));
  if (!trace || trace.eptLevels === 0) return null;
  // A cell is its reference: choosing it shows the walk up to there and inspects the entry read.
  const choose = (n: number) => {
    const s = store.getState();
    s.setStep(n);
    const t = s.targets[n - 1];
    if (t) void s.select(t);
  };
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
                  <td key={c.level} className={`cell ${state}${c.level === 0 ? ' guest' : ''}`} aria-current={state === 'current' ? 'step' : undefined}>
                    {cell && (
                      <button type="button" onClick={() => choose(cell.n)} title={`Reference ${cell.n}: ${c.level === 0 ? `${r.name} entry` : `${c.name} for the ${r.level === 0 ? 'final address' : `guest ${r.name}`}`}`}>
                        {cell.n}
                      </button>
                    )}
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
