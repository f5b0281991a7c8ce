/**
 * The two-dimensional walk as a grid: a row per guest level (plus the final
 * address), a column per EPT level plus the guest entry read, and in each
 * cell the number of the reference made there. Shared by the 2D grid on
 * screen and its exported picture.
 */
import type { Trace } from '../../worker/types';

export interface GridCell {
  n: number;
}

export interface GridModel {
  rows: { level: number; name: string }[];
  cols: { level: number; name: string }[];
  /** By "row level/column level". */
  cells: Map<string, GridCell>;
}

const X86 = ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'];

export function gridOf(trace: Trace): GridModel {
  const g = trace.guestLevels;
  const h = trace.eptLevels;
  const names = new Map<number, string>();
  const eptNames = new Map<number, string>();
  for (const st of trace.steps) {
    if (st.kind === 'g') names.set(st.level, st.structure);
    else eptNames.set(st.level, st.structure);
  }
  const rows = [];
  for (let l = g; l >= 1; l--) rows.push({ level: l, name: names.get(l) ?? X86[l] });
  rows.push({ level: 0, name: 'Final address' });
  const cols = [];
  for (let l = h; l >= 1; l--) cols.push({ level: l, name: eptNames.get(l) ?? `EPT ${X86[l]}` });
  cols.push({ level: 0, name: 'Guest entry' });
  const cells = new Map<string, GridCell>();
  for (const st of trace.steps) {
    const key = st.kind === 'g' ? `${st.level}/0` : `${st.target}/${st.level}`;
    cells.set(key, { n: st.n });
  }
  return { rows, cols, cells };
}
