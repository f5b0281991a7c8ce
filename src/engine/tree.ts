/**
 * The radix tree reachable from a root, for drawing whole tables (not only the
 * walked path). Each table lists its non-zero entries classified as the walker
 * would see them; shared tables appear once, with every edge to them.
 */
import { isLeaf, isReserved, pageSize, type PagingFormat } from './formats';
import type { Memory } from './memory';

export type EntryKind = 'table' | 'leaf' | 'not-present' | 'reserved';

export interface TreeEntry {
  index: number;
  lo: number;
  hi: number;
  kind: EntryKind;
  /** table: the child table's base; leaf: the page base; otherwise 0. */
  target: number;
  /** Bytes a leaf maps. */
  size: number;
}

export interface TreeTable {
  /** Stable id: "<format id>:<level>:<base hex>". */
  id: string;
  level: number;
  name: string;
  /** Address of the table (guest-physical for guest tables). */
  base: number;
  /** Where the table is in host memory (= base natively; null when EPT does not map it). */
  hostBase: number | null;
  entryCount: number;
  entries: TreeEntry[];
  /** Ids of child tables, by entry index. */
  children: { index: number; id: string }[];
}

export interface Tree {
  rootId: string;
  tables: TreeTable[];
  /** True when maxTables cut the tree short. */
  truncated: boolean;
}

export interface TreeOptions {
  maxTables?: number;
  /** Where guest-physical `gpa` sits in host memory, or null (under EPT). Identity by default. */
  locate?: (gpa: number) => number | null;
}

export const tableId = (f: PagingFormat, level: number, base: number): string => `${f.id}:${level}:${base.toString(16)}`;

/** Classify one entry exactly as walkLevels would. */
export function classify(f: PagingFormat, level: number, lo: number, hi: number): EntryKind {
  if ((lo & f.presentMask) === 0) return 'not-present';
  if (isReserved(f, level, lo, hi)) return 'reserved';
  return isLeaf(f, level, lo) ? 'leaf' : 'table';
}

export function collectTree(f: PagingFormat, mem: Memory, root: number, opts: TreeOptions = {}): Tree {
  const max = opts.maxTables ?? 5000;
  const locate = opts.locate ?? ((g: number) => g);
  const seen = new Map<string, TreeTable>();
  const tables: TreeTable[] = [];
  const queue: { level: number; base: number }[] = [{ level: f.rootLevel, base: root }];
  let truncated = false;
  while (queue.length > 0) {
    const { level, base } = queue.shift()!;
    const id = tableId(f, level, base);
    if (seen.has(id)) continue;
    if (tables.length >= max) {
      truncated = true;
      break;
    }
    const L = f.levels[level];
    const count = 1 << L.bits;
    const hostBase = locate(base);
    const t: TreeTable = { id, level, name: L.name, base, hostBase, entryCount: count, entries: [], children: [] };
    seen.set(id, t);
    tables.push(t);
    if (hostBase === null) continue;
    for (let i = 0; i < count; i++) {
      const pa = hostBase + i * f.entryBytes;
      const lo = mem.read32(pa);
      const hi = f.entryBytes === 8 ? mem.read32(pa + 4) : 0;
      if (lo === 0 && hi === 0) continue;
      const kind = classify(f, level, lo, hi);
      let target = 0;
      let size = 0;
      if (kind === 'leaf') {
        target = f.leafBase(lo, hi, level);
        size = pageSize(f, level);
      } else if (kind === 'table') {
        target = f.tableBase(lo, hi);
        const cid = tableId(f, level - 1, target);
        t.children.push({ index: i, id: cid });
        queue.push({ level: level - 1, base: target });
      }
      t.entries.push({ index: i, lo: lo >>> 0, hi: hi >>> 0, kind, target, size });
    }
  }
  return { rootId: tableId(f, f.rootLevel, root), tables, truncated };
}

/** Every leaf of a tree with the linear (or guest-physical) address it maps. */
export function* leaves(f: PagingFormat, tree: Tree): Generator<{ va: number; pa: number; size: number; lo: number; hi: number; table: TreeTable }> {
  const byId = new Map(tree.tables.map((t) => [t.id, t]));
  const stack: { id: string; prefix: number }[] = [{ id: tree.rootId, prefix: 0 }];
  const visited = new Set<string>();
  while (stack.length) {
    const { id, prefix } = stack.pop()!;
    const key = `${id}@${prefix}`;
    if (visited.has(key)) continue;
    visited.add(key);
    const t = byId.get(id);
    if (!t) continue;
    const shift = f.levels[t.level].shift;
    for (const e of t.entries) {
      const va = prefix + e.index * 2 ** shift;
      if (e.kind === 'leaf') yield { va, pa: e.target, size: e.size, lo: e.lo, hi: e.hi, table: t };
      else if (e.kind === 'table') stack.push({ id: tableId(f, t.level - 1, e.target), prefix: va });
    }
  }
}

