/**
 * The drawing of a scenario: its guest tree and (under EPT) the EPT tree,
 * laid out once per scenario and pinned entries, and where a drawn entry sits
 * in memory. Cached by scenario identity (scenarios are never mutated).
 */
import { collectTree, eptFormat, guestFormat, guestLocator, guestRoot, hexNum, tableId, type PagingFormat, type WalkInput, type Tree } from '../engine';
import { COL_GAP, layoutTree } from './layout';
import type { StepTarget, TreeLayout } from './types';

/** Tables drawn per tree at most (the rest is reported as truncated). */
export const MAX_TABLES = 5000;

export interface EntryLocation {
  /** Where the entry is in the scenario's memory (host-physical under EPT). */
  addr: number;
  /** Its guest-physical address (= addr without EPT). */
  gpa: number;
  bytes: 4 | 8;
  format: PagingFormat;
  level: number;
  tree: 'guest' | 'ept';
}

interface Trees {
  guest: Tree;
  ept: Tree | null;
  gf: PagingFormat;
  ef: PagingFormat | null;
}

export class Drawing {
  private trees: Trees | null = null;
  private treesFor: WalkInput | null = null;
  private gen = 0;
  private lastKey = '';
  readonly expanded = new Set<string>();
  selected: StepTarget | null = null;

  private ensure(s: WalkInput): Trees {
    if (this.trees && this.treesFor === s) return this.trees;
    const gf = guestFormat(s.cpu);
    const ef = s.ept ? eptFormat(s.ept) : null;
    const guest = collectTree(gf, s.memory, guestRoot(s.cpu), { maxTables: MAX_TABLES, locate: guestLocator(s) });
    const ept = s.ept && ef ? collectTree(ef, s.memory, s.ept.root - (s.ept.root % 4096), { maxTables: MAX_TABLES }) : null;
    this.trees = { guest, ept, gf, ef };
    this.treesFor = s;
    this.gen++;
    return this.trees;
  }

  /** Forget folds and the selection (a different document). */
  reset(): void {
    this.expanded.clear();
    this.selected = null;
    this.lastKey = '';
  }

  /** The EPT tree of `s` (for the EPT panel), or null. */
  eptTree(s: WalkInput): { tree: Tree; format: PagingFormat } | null {
    const t = this.ensure(s);
    return t.ept && t.ef ? { tree: t.ept, format: t.ef } : null;
  }

  locate(s: WalkInput, id: string, index: number): EntryLocation | null {
    const t = this.ensure(s);
    for (const [tree, fmt, kind] of [
      [t.guest, t.gf, 'guest'],
      [t.ept, t.ef, 'ept'],
    ] as const) {
      if (!tree || !fmt) continue;
      const table = tree.tables.find((x) => x.id === id);
      if (!table || table.hostBase === null) continue;
      if (!Number.isInteger(index) || index < 0 || index >= table.entryCount) return null;
      return { addr: table.hostBase + index * fmt.entryBytes, gpa: table.base + index * fmt.entryBytes, bytes: fmt.entryBytes, format: fmt, level: table.level, tree: kind };
    }
    return null;
  }

  /** Where each walk step's entry is drawn. */
  targets(s: WalkInput, steps: { kind: 'g' | 'e'; level: number; tableBase: string; index: number }[]): StepTarget[] {
    const t = this.ensure(s);
    return steps.map((st) => ({ tableId: tableId(st.kind === 'g' ? t.gf : t.ef!, st.level, Number(st.tableBase)), index: st.index }));
  }

  /** Lay out the guest tree and (under EPT) the EPT tree beside it; null when nothing changed since the last call. */
  layout(s: WalkInput, targets: StepTarget[], rev: number, force = false): TreeLayout | null {
    const trees = this.ensure(s);
    const pinned = new Map<string, Set<number>>();
    const pin = (t: StepTarget) => {
      let set = pinned.get(t.tableId);
      if (!set) pinned.set(t.tableId, (set = new Set()));
      set.add(t.index);
    };
    targets.forEach(pin);
    if (this.selected) pin(this.selected);
    const pinKey = [...pinned].map(([k, v]) => `${k}=${[...v].join(',')}`).join(';');
    const key = `${this.gen}|${pinKey}|${[...this.expanded].join(',')}`;
    if (key === this.lastKey && !force) return null;
    this.lastKey = key;
    const g = layoutTree({ tree: trees.guest, format: trees.gf, kind: 'guest', rootLabel: 'CR3', rootValue: hexNum(s.cpu.cr3), pinned, expanded: this.expanded }, 0, 0);
    const nodes = [...g.nodes];
    const edges = [...g.edges];
    const roots = [g.root];
    let width = g.width;
    let height = g.height;
    let eptTables = 0;
    if (trees.ept && trees.ef && s.ept) {
      const x0 = g.width + COL_GAP * 2;
      const e = layoutTree({ tree: trees.ept, format: trees.ef, kind: 'ept', rootLabel: 'EPTP', rootValue: hexNum(eptpValue(s.ept)), pinned, expanded: this.expanded }, x0, 0);
      nodes.push(...e.nodes);
      edges.push(...e.edges);
      roots.push(e.root);
      width = x0 + e.width;
      height = Math.max(height, e.height);
      eptTables = trees.ept.tables.length;
    }
    let pages = 0;
    for (const t of trees.guest.tables) for (const en of t.entries) if (en.kind === 'leaf') pages++;
    return {
      key: `${rev}`,
      nodes,
      edges,
      roots,
      width,
      height,
      truncated: trees.guest.truncated || (trees.ept?.truncated ?? false),
      stats: { tables: trees.guest.tables.length, pages, eptTables },
    };
  }
}

/** Memory type of the EPT paging structures in the EPTP: write-back, as KVM's construct_eptp always chooses. */
export const EPTP_MEMTYPE_WB = 6;

/** The EPTP value for an EPT: root | (page-walk length − 1) << 3 | A/D << 6 | memory type (SDM §25.6.11 / §26.6.11). */
export function eptpValue(e: { root: number; levels: number; ad: boolean }): number {
  return e.root - (e.root % 4096) + (e.levels - 1) * 8 + (e.ad ? 64 : 0) + EPTP_MEMTYPE_WB;
}
