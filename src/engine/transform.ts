/**
 * Scenario transforms behind the app's mode toggles. Each returns a new
 * scenario and leaves its input untouched.
 *
 * - LA57 on: a new PML5 whose entries 0 and 511 both point to the old PML4, so
 *   every address canonical under 4-level paging (bit 47 copied up to bit 63)
 *   selects PML5[0] or PML5[511] and reaches the same PML4: same physical
 *   address, one more reference. Off: the PML4 under entry 0 is the root again.
 * - EPT on: the guest's memory moves to host-physical = guest-physical + 4 GiB,
 *   mapped by a fresh EPT of 4 KiB pages (so the classic 24/29/35 counts show);
 *   1 GiB guest pages are covered by 2 MiB EPT pages to keep the EPT small.
 * - EPT5 on: a new EPT PML5 whose entry 0 points to the EPT PML4 (guest-physical
 *   addresses are never sign-extended, so entry 0 is all they use).
 */
import { EptBuilder, GiB1, KiB4, MiB2, PageAllocator, encodeFrame } from './build';
import { eptFormat, guestFormat, type PagingFormat } from './formats';
import { PhysMem } from './memory';
import { ScenarioError, type Scenario, type WalkInput } from './scenario';
import { collectTree, leaves } from './tree';

const PAGE = KiB4;
/** Where the guest's pages go on the host: GPA + 4 GiB, so GPA ≠ HPA is visible. */
export const EPT_HOST_OFFSET = 4 * 2 ** 30;
/** EPT tables are allocated in host memory from here (below the moved guest memory). */
export const EPT_TABLE_BASE = 0x8000_0000;

/** The first free 4 KiB frame after every allocated page. */
function freeFrameAfter(mem: PhysMem, atLeast = PAGE): number {
  const frames = mem.pageFrames();
  const top = frames.length ? (frames[frames.length - 1] + 1) * PAGE : 0;
  return Math.max(top, atLeast);
}

function writeEntry(f: PagingFormat, mem: PhysMem, pa: number, target: number, flags: number): void {
  const fr = encodeFrame(f, f.rootLevel, target, false);
  mem.write32(pa, (fr.lo | flags) >>> 0);
  mem.write32(pa + 4, fr.hi >>> 0);
}

/** Add a top level above `root` in format `from` (4 levels) → `to` (5 levels); entries `slots` point to the old root. */
function addTopLevel(mem: PhysMem, to: PagingFormat, root: number, slots: number[], newRoot: number): void {
  for (const i of slots) writeEntry(to, mem, newRoot + i * 8, root, 7);
}

/** The table under entry 0 of a 5-level root, which becomes the 4-level root. */
function dropTopLevel(mem: PhysMem, f: PagingFormat, root: number, what: string): number {
  const lo = mem.read32(root);
  const hi = mem.read32(root + 4);
  if ((lo & f.presentMask) === 0) throw new ScenarioError(what, 'entry 0 of the top table is not present, so there is no 4-level table to keep');
  const next = f.tableBase(lo, hi);
  // Clear the top table when it only held the entries LA57/EPT5 added.
  let ours = true;
  for (let i = 0; i < 512 && ours; i++) {
    const l = mem.read32(root + i * 8);
    const h = mem.read32(root + i * 8 + 4);
    if ((l | h) !== 0 && !((i === 0 || i === 511) && f.tableBase(l, h) === next)) ours = false;
  }
  if (ours) {
    mem.write64(root, 0, 0);
    mem.write64(root + 511 * 8, 0, 0);
  }
  return next;
}

export function setLa57(s: Scenario, on: boolean): Scenario {
  if (s.ept !== null) return enableEpt(setLa57(disableEpt(s), on), s.ept);
  const want = on ? '5' : '4';
  if (s.cpu.paging === want) return s;
  if (s.cpu.paging !== (on ? '4' : '5')) throw new ScenarioError('cpu.paging', 'LA57 needs 4- or 5-level paging');
  const memory = s.memory.clone();
  const root = s.cpu.cr3 - (s.cpu.cr3 % PAGE);
  let newRoot: number;
  if (on) {
    newRoot = freeFrameAfter(memory);
    addTopLevel(memory, guestFormat({ ...s.cpu, paging: '5' }), root, [0, 511], newRoot);
  } else {
    newRoot = dropTopLevel(memory, guestFormat(s.cpu), root, 'cpu.cr3');
  }
  return { cpu: { ...s.cpu, paging: want, cr3: newRoot + (s.cpu.cr3 % PAGE) }, ept: null, memory };
}

export function setEpt5(s: Scenario, on: boolean): Scenario {
  if (s.ept === null) throw new ScenarioError('ept', 'EPT is off');
  const want = on ? 5 : 4;
  if (s.ept.levels === want) return s;
  const memory = s.memory.clone();
  let root: number;
  if (on) {
    root = freeFrameAfter(memory, EPT_TABLE_BASE);
    addTopLevel(memory, eptFormat({ ...s.ept, levels: 5 }), s.ept.root, [0], root);
  } else {
    root = dropTopLevel(memory, eptFormat(s.ept), s.ept.root, 'ept.root');
  }
  return { cpu: { ...s.cpu }, ept: { ...s.ept, levels: want, root }, memory };
}

export interface EptOptions {
  levels?: 4 | 5;
  ad?: boolean;
  execonly?: boolean;
  maxphyaddr?: number;
}

/**
 * Guest-physical pages the guest uses, as EPT mappings: 4 KiB for every page
 * in memory and every 4 KiB, 2 MiB or 4 MiB guest page; a 1 GiB guest page is
 * covered by 2 MiB EPT pages except where its 2 MiB chunk holds a 4 KiB-mapped
 * page (then the whole chunk gets 4 KiB pages, so nothing is remapped).
 */
function guestMappings(s: Scenario): { gpa: number; size: typeof KiB4 | typeof MiB2 }[] {
  const f = guestFormat(s.cpu);
  const small = new Set<number>(s.memory.pageFrames().map((p) => p * PAGE));
  const large: number[] = [];
  const root = s.cpu.paging === 'pae' ? s.cpu.cr3 - (s.cpu.cr3 % 32) : s.cpu.cr3 - (s.cpu.cr3 % PAGE);
  for (const leaf of leaves(f, collectTree(f, s.memory, root))) {
    if (leaf.size === GiB1) large.push(leaf.pa);
    else for (let g = leaf.pa; g < leaf.pa + leaf.size; g += PAGE) small.add(g);
  }
  const chunksWithSmall = new Set<number>([...small].map((g) => g - (g % MiB2)));
  const out: { gpa: number; size: typeof KiB4 | typeof MiB2 }[] = [];
  for (const base of new Set(large)) {
    for (let c = base; c < base + GiB1; c += MiB2) {
      if (!chunksWithSmall.has(c)) out.push({ gpa: c, size: MiB2 });
      else for (let g = c; g < c + MiB2; g += PAGE) small.add(g);
    }
  }
  for (const g of small) out.push({ gpa: g, size: KiB4 });
  return out;
}

export function enableEpt(s: Scenario, o: EptOptions = {}): Scenario {
  if (s.ept !== null) return s;
  const host = new PhysMem();
  const ept = new EptBuilder(host, new PageAllocator(EPT_TABLE_BASE, EPT_HOST_OFFSET), {
    levels: o.levels ?? 4,
    ad: o.ad ?? false,
    execonly: o.execonly ?? false,
    maxphyaddr: o.maxphyaddr ?? Math.max(46, Math.min(52, s.cpu.maxphyaddr + 1)),
  });
  const limit = Math.min(2 ** ept.state.maxphyaddr, 2 ** (12 + 9 * ept.state.levels) + EPT_HOST_OFFSET);
  for (const m of guestMappings(s)) {
    if (m.gpa + m.size + EPT_HOST_OFFSET > limit) {
      throw new ScenarioError('memory', `guest-physical 0x${m.gpa.toString(16)} is beyond what this EPT can map`);
    }
    ept.map(m.gpa, m.gpa + EPT_HOST_OFFSET, m.size, { r: true, w: true, x: true, memtype: 6 });
  }
  for (const pfn of s.memory.pageFrames()) copyPage(s.memory, pfn * PAGE, host, pfn * PAGE + EPT_HOST_OFFSET);
  return { cpu: { ...s.cpu }, ept: ept.state, memory: host };
}

function copyPage(from: PhysMem, src: number, to: PhysMem, dst: number): void {
  for (let i = 0; i < PAGE; i += 4) {
    const v = from.read32(src + i);
    if (v !== 0) to.write32(dst + i, v);
  }
}

/** Host-physical → guest-physical ranges of an EPT, from its leaves. */
function eptLeaves(s: WalkInput): { gpa: number; hpa: number; size: number }[] {
  const f = eptFormat(s.ept!);
  return [...leaves(f, collectTree(f, s.memory, s.ept!.root))].map((l) => ({ gpa: l.va, hpa: l.pa, size: l.size }));
}

export function disableEpt(s: Scenario): Scenario {
  if (s.ept === null) return s;
  const guest = new PhysMem();
  const host = s.memory.pageFrames();
  for (const l of eptLeaves(s)) {
    const first = lowerBound(host, l.hpa / PAGE);
    for (let i = first; i < host.length && host[i] * PAGE < l.hpa + l.size; i++) {
      copyPage(s.memory, host[i] * PAGE, guest, l.gpa + (host[i] * PAGE - l.hpa));
    }
  }
  return { cpu: { ...s.cpu }, ept: null, memory: guest };
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Where guest-physical addresses sit in host memory (identity without EPT),
 * from the EPT's leaves; null where EPT maps nothing. For drawing guest tables.
 */
export function guestLocator(s: WalkInput): (gpa: number) => number | null {
  if (s.ept === null) return (g) => g;
  const ls = eptLeaves(s).sort((a, b) => a.gpa - b.gpa);
  const starts = ls.map((l) => l.gpa);
  return (g) => {
    const i = lowerBound(starts, g + 1) - 1;
    if (i < 0) return null;
    const l = ls[i];
    return g < l.gpa + l.size ? l.hpa + (g - l.gpa) : null;
  };
}

