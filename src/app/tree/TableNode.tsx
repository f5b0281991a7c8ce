/** One table drawn as a compact node: header, listed entries, folded runs. */
import { memo } from 'react';
import type { TreeNode } from '../../worker/types';

interface Props {
  node: TreeNode;
  detailed: boolean;
  expanded: boolean;
  /** The walk reads an entry of this table. */
  onPath: boolean;
  onSelect(tableId: string, index: number): void;
  onExpand(tableId: string): void;
}

const pad = (i: number, count: number) => i.toString(16).padStart(count > 16 ? 3 : 1, '0');

export const TableNode = memo(function TableNode({ node: n, detailed, expanded, onPath, onSelect, onExpand }: Props) {
  const count = n.count;
  // Zoomed out, a table is a block coloured by how full it is (a real kernel has thousands of tables).
  const occ = n.count > 0 ? n.present / n.count : 0;
  const block = detailed ? undefined : `color-mix(in srgb, var(--lv${Math.min(5, Math.max(1, n.level))}) ${Math.round(12 + 88 * occ)}%, var(--panel))`;
  return (
    <div
      className={`tnode ${n.tree} lv${n.level}${detailed ? '' : ' block'}`}
      style={{ transform: `translate(${n.x}px, ${n.y}px)`, width: n.w, height: n.h, ...(block ? { background: block } : {}) }}
      data-table={n.id}
      data-occupancy={Math.round(occ * 100)}
      data-on-path={onPath ? 'yes' : undefined}
      title={detailed ? undefined : `${n.name} ${n.base}: ${n.present} of ${n.count} entries present (${Math.round(occ * 100)} %)`}
    >
      <div className="tnode-head" title={`${n.present} present entr${n.present === 1 ? 'y' : 'ies'}`}>
        <span className="tname">{n.name}</span>
        <span className="mono tbase">{n.base}</span>
        {n.hostBase && n.hostBase !== n.base && <span className="mono thost">host {n.hostBase}</span>}
        {n.hostBase === null && <span className="thost bad">not mapped by EPT</span>}
        {expanded && detailed && (
          <button type="button" className="fold-btn" onClick={() => onExpand(n.id)} aria-label={`Fold the entries of ${n.name} ${n.base}`}>
            fold
          </button>
        )}
      </div>
      {detailed &&
        n.rows.map((r) =>
          r.kind === 'entry' ? (
            <button
              key={r.index}
              type="button"
              className={`trow k-${r.entryKind}`}
              onClick={() => onSelect(n.id, r.index)}
              title={`${r.value}: ${r.label}${r.flags ? ` (${r.flags})` : ''}`}
              aria-label={`${n.name} entry ${r.index.toString(16)}: ${r.label}`}
            >
              <span className="ti mono">{pad(r.index, count)}</span>
              <span className="tl">{r.label}</span>
              <span className="tf">{r.flags}</span>
            </button>
          ) : r.hidden > 0 ? (
            <button key={`f${r.from}`} type="button" className="trow fold more" onClick={() => onExpand(n.id)} aria-label={`Show ${r.hidden} more entries of ${n.name} ${n.base}`}>
              ⋯ {r.hidden} more entries, {r.to - r.from + 1 - r.hidden} empty
            </button>
          ) : (
            <div key={`f${r.from}`} className="trow fold">
              ⋯ {r.to - r.from + 1} empty ({pad(r.from, count)}–{pad(r.to, count)})
            </div>
          ),
        )}
    </div>
  );
});
