/**
 * The whole address space at a glance: leaves folded into ranges that are
 * contiguous in linear address with the same page size, effective rights and
 * attributes (as Linux's ptdump, arch/x86/mm/dump_pagetables.c note_page, and
 * QEMU's `info mem` fold), a user/kernel filter, and the reverse map from a
 * physical address to every linear address that maps it. Pure functions over
 * a LeafTable (leaves.ts).
 */
import { ACC_U, ACC_W, ACC_X, type LeafTable } from './leaves';

/** Attribute bits that split a range: PWT, PCD, G, and PAT (bit 7 in a PTE, bit 12 in a large leaf). */
const attrsOf = (t: LeafTable, i: number): number => {
  const lo = t.lo[i];
  const pat = t.level[i] === 1 ? (lo >>> 7) & 1 : (lo >>> 12) & 1;
  return (lo & 0x118) | (pat << 12);
};

export interface MappingRange {
  /** First leaf (index into the LeafTable) and how many leaves the range folds. */
  first: number;
  count: number;
  /** Linear start (not sign-extended) and end (exclusive). */
  start: number;
  end: number;
  /** Page size of every leaf in the range. */
  pageSize: number;
  /** Effective rights (ACC_X | ACC_W | ACC_U bits), the same for every leaf. */
  acc: number;
  user: boolean;
  writable: boolean;
  executable: boolean;
  global: boolean;
  /** PWT (bit 3), PCD (bit 4), G (bit 8), PAT (bit 12) as one mask. */
  attrs: number;
  /** Physical base of the first page. */
  pa: number;
  /** Every page follows the previous one physically too (start..end → pa..pa+length). */
  physContiguous: boolean;
  /** Some entry on the range's paths has a reserved bit set (the walk faults there). */
  reserved: boolean;
}

export type MappingFilter = 'all' | 'user' | 'kernel';

/** Fold the leaves into ranges, optionally only user (U/S = 1 on the whole path) or kernel ones. */
export function foldMappings(t: LeafTable, filter: MappingFilter = 'all'): MappingRange[] {
  const out: MappingRange[] = [];
  let cur: MappingRange | null = null;
  let nextPa = 0;
  for (let i = 0; i < t.n; i++) {
    const acc = t.acc[i];
    const user = (acc & ACC_U) !== 0;
    if ((filter === 'user' && !user) || (filter === 'kernel' && user)) {
      cur = null;
      continue;
    }
    const size = t.size(i);
    const va = t.va[i];
    const attrs = attrsOf(t, i);
    const reserved = t.rsvd[i] === 1;
    if (cur !== null && cur.end === va && cur.pageSize === size && cur.acc === acc && cur.attrs === attrs && cur.reserved === reserved) {
      cur.count++;
      cur.end = va + size;
      if (t.pa[i] !== nextPa) cur.physContiguous = false;
      nextPa = t.pa[i] + size;
      continue;
    }
    cur = {
      first: i,
      count: 1,
      start: va,
      end: va + size,
      pageSize: size,
      acc,
      user,
      writable: (acc & ACC_W) !== 0,
      executable: (acc & ACC_X) !== 0,
      global: (attrs & 0x100) !== 0,
      attrs,
      pa: t.pa[i],
      physContiguous: true,
      reserved,
    };
    nextPa = t.pa[i] + size;
    out.push(cur);
  }
  return out;
}

export interface MappingSummary {
  leaves: number;
  ranges: number;
  /** Leaves and bytes by page size. */
  bySize: { pageSize: number; leaves: number; bytes: number }[];
  userLeaves: number;
  kernelLeaves: number;
  reservedLeaves: number;
}

/** Counts for the view's header. */
export function summarize(t: LeafTable, ranges: MappingRange[]): MappingSummary {
  const sizes = new Map<number, number>();
  let user = 0;
  let rsvd = 0;
  for (let i = 0; i < t.n; i++) {
    const s = t.size(i);
    sizes.set(s, (sizes.get(s) ?? 0) + 1);
    if (t.acc[i] & ACC_U) user++;
    rsvd += t.rsvd[i];
  }
  return {
    leaves: t.n,
    ranges: ranges.length,
    bySize: [...sizes].sort((a, b) => a[0] - b[0]).map(([pageSize, leaves]) => ({ pageSize, leaves, bytes: pageSize * leaves })),
    userLeaves: user,
    kernelLeaves: t.n - user,
    reservedLeaves: rsvd,
  };
}

export interface ReverseHit {
  /** Leaf index in the LeafTable. */
  leaf: number;
  /** The linear address (not sign-extended) that maps the physical address asked about. */
  va: number;
  pageSize: number;
}

/**
 * Physical → linear: for each page size, the leaves sorted by physical base,
 * so a lookup is one binary search per size (leaves are aligned to their size,
 * so the page holding `pa` starts at pa rounded down to the size).
 */
export class ReverseMap {
  private readonly bySize: { size: number; order: Uint32Array; keys: Float64Array }[] = [];

  constructor(private readonly t: LeafTable) {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < t.n; i++) {
      const s = t.size(i);
      let g = groups.get(s);
      if (g === undefined) groups.set(s, (g = []));
      g.push(i);
    }
    for (const [size, idx] of groups) {
      idx.sort((a, b) => t.pa[a] - t.pa[b] || t.va[a] - t.va[b]);
      const order = Uint32Array.from(idx);
      this.bySize.push({ size, order, keys: Float64Array.from(idx, (i) => t.pa[i]) });
    }
    this.bySize.sort((a, b) => a.size - b.size);
  }

  /** Every linear address that maps physical address `pa`, ascending by linear address. */
  lookup(pa: number): ReverseHit[] {
    const hits: ReverseHit[] = [];
    for (const { size, order, keys } of this.bySize) {
      const base = pa - (pa % size);
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid] < base) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < keys.length && keys[k] === base; k++) {
        const leaf = order[k];
        hits.push({ leaf, va: this.t.va[leaf] + (pa - base), pageSize: size });
      }
    }
    return hits.sort((a, b) => a.va - b.va);
  }
}
