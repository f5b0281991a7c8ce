/**
 * Tree layout: a pure function from collected paging trees to positioned
 * nodes. Levels are columns (root at the left); each table is a compact node
 * listing its present entries, with empty runs folded and, for crowded tables,
 * the middle folded too (the walked entries always stay listed). Shared tables
 * (LA57's PML5 entries 0 and 511 both → one PML4) are drawn once; the first
 * parent places them and every parent gets an edge. Vertical placement is a
 * d3-hierarchy post-order pass over the spanning tree with variable node
 * heights: a parent sits at the middle of its children unless its column is
 * already occupied lower down.
 */
import { hierarchy, type HierarchyNode } from 'd3-hierarchy';
import { hexNum, type PagingFormat, type Tree, type TreeEntry, type TreeTable } from '../engine';
import type { TreeEdge, TreeNode, TreeRoot, TreeRow } from './types';

import { COL_GAP, HEAD_H, MAX_LISTED, NODE_GAP, NODE_W, PAD_B, ROW_H, rowTop } from './geometry';

export { COL_GAP };

export interface TreeInput {
  tree: Tree;
  format: PagingFormat;
  kind: 'guest' | 'ept';
  rootLabel: string;
  rootValue: string;
  /** Entries that must stay listed (the walked path, the selection), by table id. */
  pinned: Map<string, Set<number>>;
  expanded: Set<string>;
}

function flagsOf(f: PagingFormat, level: number, e: TreeEntry): string {
  // Rights only where the walk uses them, read with the format's own rule (bit 63 is XD only with EFER.NXE=1).
  if ((e.kind !== 'table' && e.kind !== 'leaf') || f.levels[level].register) return '';
  if (f.kind === 'ept') return `${e.lo & 1 ? 'R' : '-'}${e.lo & 2 ? 'W' : '-'}${e.lo & 4 ? 'X' : '-'}`;
  const out = [e.lo & 2 ? 'W' : 'R', e.lo & 4 ? 'U' : 'S'];
  if ((f.rights(e.lo, e.hi) & 1) === 0) out.push('XD');
  return out.join(' ');
}

const SIZE: Record<number, string> = { 4096: '4K', 2097152: '2M', 4194304: '4M', 1073741824: '1G' };

function labelOf(f: PagingFormat, level: number, e: TreeEntry): string {
  switch (e.kind) {
    case 'table':
      return `→ ${f.levels[level - 1].name} ${hexNum(e.target)}`;
    case 'leaf':
      return `${SIZE[e.size] ?? e.size} page ${hexNum(e.target)}`;
    case 'not-present':
      return 'not present';
    case 'reserved':
      return f.kind === 'ept' ? 'misconfigured' : 'reserved bits set';
  }
}

/** The rows of one table: listed entries and folds between them. */
export function tableRows(f: PagingFormat, t: TreeTable, pinned: Set<number> | undefined, expanded: boolean): { rows: TreeRow[]; hidden: number } {
  const entries = t.entries;
  let listed: TreeEntry[];
  if (expanded || entries.length <= MAX_LISTED) listed = entries;
  else {
    const keep = new Set<number>();
    for (let i = 0; i < 6; i++) keep.add(entries[i].index);
    for (let i = entries.length - 2; i < entries.length; i++) keep.add(entries[i].index);
    if (pinned) for (const p of pinned) keep.add(p);
    listed = entries.filter((e) => keep.has(e.index));
  }
  const rows: TreeRow[] = [];
  let prev = -1;
  let cursor = 0; // position in `entries`, to count hidden present entries
  const foldTo = (next: number) => {
    if (next - prev <= 1) return;
    let hidden = 0;
    while (cursor < entries.length && entries[cursor].index < next) {
      if (entries[cursor].index > prev) hidden++;
      cursor++;
    }
    rows.push({ kind: 'fold', from: prev + 1, to: next - 1, hidden });
  };
  for (const e of listed) {
    foldTo(e.index);
    while (cursor < entries.length && entries[cursor].index <= e.index) cursor++;
    rows.push({ kind: 'entry', index: e.index, value: hexValue(e), entryKind: e.kind, label: labelOf(f, t.level, e), flags: flagsOf(f, t.level, e) });
    prev = e.index;
  }
  foldTo(t.entryCount);
  return { rows, hidden: entries.length - listed.length };
}

const hexValue = (e: TreeEntry): string => (e.hi === 0 ? hexNum(e.lo) : '0x' + e.hi.toString(16) + e.lo.toString(16).padStart(8, '0'));

interface Spanning {
  table: TreeTable;
  children: Spanning[];
}

/** Lay out one tree with its top-left at (x0, y0). */
export function layoutTree(input: TreeInput, x0: number, y0: number): { nodes: TreeNode[]; edges: TreeEdge[]; root: TreeRoot; width: number; height: number } {
  const { tree, format: f } = input;
  const byId = new Map(tree.tables.map((t) => [t.id, t]));
  const placedBy = new Set<string>();
  const build = (t: TreeTable): Spanning => {
    placedBy.add(t.id);
    const kids: Spanning[] = [];
    for (const c of t.children) {
      const ct = byId.get(c.id);
      if (ct && !placedBy.has(c.id)) kids.push(build(ct));
    }
    return { table: t, children: kids };
  };
  // Iterative-safe depth: at most 5 levels, so recursion is shallow.
  const rootTable = byId.get(tree.rootId)!;
  const h = hierarchy<Spanning>(build(rootTable), (d) => d.children);
  const nodeOf = new Map<string, TreeNode>();
  const nextFree = new Map<number, number>();
  const rootX = x0 + 110;
  h.eachAfter((n: HierarchyNode<Spanning>) => {
    const t = n.data.table;
    const { rows, hidden } = tableRows(f, t, input.pinned.get(t.id), input.expanded.has(t.id));
    const hh = HEAD_H + Math.max(1, rows.length) * ROW_H + PAD_B;
    let y: number;
    const free = nextFree.get(t.level) ?? y0;
    if (n.children && n.children.length) {
      const first = nodeOf.get(n.children[0].data.table.id)!;
      const last = nodeOf.get(n.children[n.children.length - 1].data.table.id)!;
      y = Math.max(free, (first.y + last.y + last.h) / 2 - hh / 2);
    } else y = free;
    nextFree.set(t.level, y + hh + NODE_GAP);
    const node: TreeNode = {
      id: t.id,
      tree: input.kind,
      level: t.level,
      name: t.name,
      base: hexNum(t.base),
      hostBase: t.hostBase === null ? null : hexNum(t.hostBase),
      x: rootX + (f.rootLevel - t.level) * (NODE_W + COL_GAP),
      y,
      w: NODE_W,
      h: hh,
      rows,
      count: t.entryCount,
      present: t.entries.length,
      hiddenPresent: hidden,
    };
    nodeOf.set(t.id, node);
  });
  const nodes = [...nodeOf.values()];
  const edges: TreeEdge[] = [];
  for (const t of tree.tables) {
    const from = nodeOf.get(t.id);
    if (!from) continue;
    for (const c of t.children) {
      const to = nodeOf.get(c.id);
      if (!to) continue;
      edges.push({ from: t.id, index: c.index, to: c.id, x1: from.x + from.w, y1: from.y + rowY(from, c.index), x2: to.x, y2: to.y + HEAD_H / 2 });
    }
  }
  const rootNode = nodeOf.get(tree.rootId)!;
  const root: TreeRoot = { label: input.rootLabel, value: input.rootValue, x: x0, y: rootNode.y, to: rootNode.id };
  let maxX = x0;
  let maxY = y0;
  for (const n of nodes) {
    maxX = Math.max(maxX, n.x + n.w);
    maxY = Math.max(maxY, n.y + n.h);
  }
  return { nodes, edges, root, width: maxX - x0, height: maxY - y0 };
}

/** Vertical centre of the row showing entry `index` (or the fold holding it). */
export function rowY(n: TreeNode, index: number): number {
  for (let i = 0; i < n.rows.length; i++) {
    const r = n.rows[i];
    if ((r.kind === 'entry' && r.index === index) || (r.kind === 'fold' && index >= r.from && index <= r.to)) return rowTop(i) + ROW_H / 2;
  }
  return HEAD_H / 2;
}
