/**
 * Put a native quiz scenario under EPT with a chosen EPT page size (the app's
 * own EPT toggle always uses 4 KiB pages; refs2d questions need 2 MiB and
 * 1 GiB EPT pages too, where each EPT walk is shorter). Guest-physical memory
 * moves to host-physical = guest-physical + a random multiple of 1 GiB (so
 * every EPT page size stays aligned); EPT tables go below 4 GiB, under it.
 */
import type { Rng } from './rng';
import { EptBuilder, GiB1, KiB4, MiB2, PageAllocator, PhysMem, collectTree, guestFormat, guestRoot, leaves, type PageSizeBytes, type Scenario } from '../../engine';

export interface EptPlan {
  levels: 4 | 5;
  /** EPT page size for guest memory (a 1 GiB guest page under 4 KiB EPT pages gets 2 MiB ones: 262,144 entries would not fit a link). */
  page: typeof KiB4 | typeof MiB2 | typeof GiB1;
  ad: boolean;
  execonly: boolean;
  /** Host-physical − guest-physical: a multiple of 1 GiB, at least 4 GiB. */
  hostOffset: number;
  /** The host's MAXPHYADDR. */
  maxphyaddr: number;
  /** Where EPT tables are allocated (below 4 GiB, so below all guest memory). */
  tableBase: number;
}

/** The EPT pages that cover what the guest uses: every page in its memory and every page its tables map. */
export function eptCover(s: Scenario, page: EptPlan['page']): { gpa: number; size: PageSizeBytes }[] {
  const want: { gpa: number; size: PageSizeBytes }[] = [];
  const add = (gpa: number, size: PageSizeBytes) => want.push({ gpa: gpa - (gpa % size), size });
  for (const pfn of s.memory.pageFrames()) add(pfn * KiB4, page);
  const f = guestFormat(s.cpu);
  for (const leaf of leaves(f, collectTree(f, s.memory, guestRoot(s.cpu)))) {
    if (leaf.size <= page) {
      add(leaf.pa, page);
      continue;
    }
    const step: PageSizeBytes = leaf.size / page > 1024 ? MiB2 : page;
    for (let g = leaf.pa; g < leaf.pa + leaf.size; g += step) add(g, step);
  }
  // Largest first, and none inside one already taken: mapping a small page inside a large one would split it.
  want.sort((a, b) => b.size - a.size || a.gpa - b.gpa);
  const taken = new Map<number, Set<number>>([GiB1, MiB2, KiB4].map((z) => [z, new Set<number>()]));
  const out: { gpa: number; size: PageSizeBytes }[] = [];
  for (const w of want) {
    if ([...taken].some(([z, bases]) => z >= w.size && bases.has(w.gpa - (w.gpa % z)))) continue;
    taken.get(w.size)!.add(w.gpa);
    out.push(w);
  }
  return out;
}

export function underEpt(s: Scenario, p: EptPlan): Scenario {
  if (s.ept !== null) throw new Error('the scenario is already under EPT');
  if (p.hostOffset % GiB1 !== 0 || p.hostOffset < 4 * GiB1) throw new RangeError('hostOffset must be a multiple of 1 GiB, at least 4 GiB');
  const host = new PhysMem();
  const ept = new EptBuilder(host, new PageAllocator(p.tableBase, 4 * GiB1), { levels: p.levels, ad: p.ad, execonly: p.execonly, maxphyaddr: p.maxphyaddr });
  for (const m of eptCover(s, p.page)) ept.map(m.gpa, m.gpa + p.hostOffset, m.size, { r: true, w: true, x: true, memtype: 6 });
  for (const pfn of s.memory.pageFrames()) {
    const words = s.memory.pageWords(pfn);
    if (!words) continue;
    const dst = pfn * KiB4 + p.hostOffset;
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) host.write32(dst + i * 4, words[i]);
  }
  return { cpu: { ...s.cpu }, ept: ept.state, memory: host };
}

/** A random EPT: depth, page size, A/D, where guest memory and the EPT tables sit on the host. */
export function randomEptPlan(rng: Rng, over: Partial<EptPlan> = {}): EptPlan {
  return {
    levels: rng.pick([4, 5] as const),
    page: rng.pick([KiB4, KiB4, MiB2, GiB1] as const),
    ad: rng.chance(0.5),
    execonly: rng.chance(0.3),
    hostOffset: GiB1 * rng.int(4, 64),
    maxphyaddr: rng.pick([46, 48, 52]),
    tableBase: rng.int(0x8_0000, 0xe_0000) * KiB4,
    ...over,
  };
}
