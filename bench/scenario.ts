/**
 * A realistic benchmark scenario: about 4,000 mapped 4 KiB pages in clusters
 * (code, heap, shared libraries, stack, kernel vmalloc), a few 2 MiB pages
 * (kernel text, transparent huge pages) and 1 GiB pages (the kernel's direct
 * map), then a fixed list of accesses whose expected physical addresses are
 * known from the mapping. Nested variants copy the guest tables into host
 * memory and build a 4 KiB-page EPT covering every guest page used (tables
 * and data), with EPT A/D on.
 */
import {
  EptBuilder,
  GiB1,
  KiB4,
  MiB2,
  PageAllocator,
  PhysMem,
  ScenarioBuilder,
  TWO32,
  type PageFlags,
  type PageSizeBytes,
  type Scenario,
} from '../src/engine';
import { floats } from '../src/worker/quiz/rng';

/** Deterministic PRNG (mulberry32, the quizzes' own). */
export const rng = floats;

export interface BenchPage {
  /** Linear address as halves (may be above 2^53, e.g. kernel addresses). */
  vaLo: number;
  vaHi: number;
  pa: number;
  size: PageSizeBytes;
  user: boolean;
  writable: boolean;
}

/** A prepared list of accesses in struct-of-arrays form, with expected results. */
export interface AccessList {
  n: number;
  vaLo: Uint32Array;
  vaHi: Uint32Array;
  op: Uint8Array; // 0 read, 1 write
  user: Uint8Array;
  /** Expected physical address (guest-physical natively, host-physical nested). */
  pa: Float64Array;
  size: Float64Array;
}

export interface BenchScenario {
  scenario: Scenario;
  pages: BenchPage[];
  accesses: AccessList;
  mapped4k: number;
  mapped2m: number;
  mapped1g: number;
}

interface Region {
  /** Base linear address as [hi, lo] halves. */
  hi: number;
  lo: number;
  count: number;
  size: PageSizeBytes;
  flags: PageFlags;
  /** Grow downwards (a stack). */
  down?: boolean;
}

const U = (hi: number, lo: number) => ({ hi: hi >>> 0, lo: lo >>> 0 });

/** The clusters: about 4,000 4 KiB pages, 24 2 MiB pages and 4 1 GiB pages. */
const REGIONS: Region[] = [
  { ...U(0, 0x00400000), count: 600, size: KiB4, flags: { u: true } }, // program text: user, read-only, executable
  { ...U(0, 0x01000000), count: 1500, size: KiB4, flags: { u: true, w: true, nx: true } }, // heap
  { ...U(0x7f12, 0x34000000), count: 900, size: KiB4, flags: { u: true, w: true } }, // shared libraries
  { ...U(0x7ffd, 0xf0000000), count: 200, size: KiB4, flags: { u: true, w: true, nx: true }, down: true }, // stack
  { ...U(0xffffc900, 0x00000000), count: 800, size: KiB4, flags: { w: true, nx: true } }, // kernel vmalloc
  { ...U(0xffffffff, 0x81000000), count: 16, size: MiB2, flags: {} }, // kernel text, 2 MiB pages
  { ...U(0x7f80, 0x00000000), count: 8, size: MiB2, flags: { u: true, w: true, nx: true } }, // THP heap
  { ...U(0xffff8880, 0x00000000), count: 4, size: GiB1, flags: { w: true, nx: true } }, // direct map, 1 GiB pages
];

/** Data frames: 4 KiB from 4 GiB, 2 MiB from 16 GiB, 1 GiB from 64 GiB (guest-physical). */
const DATA4K = 0x1_0000_0000;
const DATA2M = 0x4_0000_0000;
const DATA1G = 0x10_0000_0000;
/** Nested: guest-physical → host-physical offset (every guest page is moved by this). */
export const HOST_OFFSET = 0x100_0000_0000;

function addVa(hi: number, lo: number, delta: number): { hi: number; lo: number } {
  const l = lo + delta;
  const carry = Math.floor(l / TWO32);
  return { lo: l - carry * TWO32, hi: (hi + carry) >>> 0 };
}

/** Map the regions into a guest of `levels` levels; returns the builder and pages. */
export function buildGuest(levels: 4 | 5): { b: ScenarioBuilder; pages: BenchPage[] } {
  const b = new ScenarioBuilder({ paging: levels === 5 ? '5' : '4', nxe: true, wp: true, gbpages: true, maxphyaddr: 46 });
  const pages: BenchPage[] = [];
  let next4k = DATA4K;
  let next2m = DATA2M;
  let next1g = DATA1G;
  for (const r of REGIONS) {
    for (let i = 0; i < r.count; i++) {
      const delta = r.down ? -(i + 1) * r.size : i * r.size;
      const va = addVa(r.hi, r.lo, delta);
      let pa: number;
      if (r.size === KiB4) pa = (next4k += KiB4) - KiB4;
      else if (r.size === MiB2) pa = (next2m += MiB2) - MiB2;
      else pa = (next1g += GiB1) - GiB1;
      b.map(va, pa, r.size, r.flags);
      pages.push({ vaLo: va.lo, vaHi: va.hi, pa, size: r.size, user: !!r.flags.u, writable: !!r.flags.w });
    }
  }
  return { b, pages };
}

/**
 * `n` accesses, reads and writes alternating; a write goes to a writable page,
 * user pages are accessed at CPL 3 and kernel pages at CPL 0, so every access
 * succeeds. Large pages are touched at 32 distinct 4 KiB offsets each.
 */
export function makeAccesses(pages: BenchPage[], n: number, seed = 1): AccessList {
  const rand = rng(seed);
  const writable = pages.filter((p) => p.writable);
  const out: AccessList = {
    n,
    vaLo: new Uint32Array(n),
    vaHi: new Uint32Array(n),
    op: new Uint8Array(n),
    user: new Uint8Array(n),
    pa: new Float64Array(n),
    size: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const op = i & 1;
    const pool = op === 1 ? writable : pages;
    const p = pool[Math.floor(rand() * pool.length)];
    const sub = p.size === KiB4 ? 0 : Math.floor(rand() * 32) * Math.floor(p.size / 32 / KiB4) * KiB4;
    const off = sub + Math.floor(rand() * 512) * 8;
    const va = addVa(p.vaHi, p.vaLo, off);
    out.vaLo[i] = va.lo;
    out.vaHi[i] = va.hi;
    out.op[i] = op;
    out.user[i] = p.user ? 1 : 0;
    out.pa[i] = p.pa + off;
    out.size[i] = p.size;
  }
  return out;
}

/** A native scenario with `levels`-level paging and `n` accesses. */
export function nativeScenario(levels: 4 | 5, n = 1 << 16): BenchScenario {
  const { b, pages } = buildGuest(levels);
  return finish(b.scenario(), pages, makeAccesses(pages, n));
}

/**
 * A nested scenario: the guest of `glevels` levels, its tables copied to host
 * memory at gpa + HOST_OFFSET, and an EPT of `elevels` levels (A/D on) mapping
 * every guest table page and every 4 KiB guest page an access touches, with
 * 4 KiB EPT pages.
 */
export function nestedScenario(glevels: 4 | 5, elevels: 4 | 5, n = 1 << 16): BenchScenario {
  const { b, pages } = buildGuest(glevels);
  const acc = makeAccesses(pages, n);
  const host = new PhysMem();
  const ept = new EptBuilder(host, new PageAllocator(0x1000), { levels: elevels, ad: true, maxphyaddr: 46 });
  const mapped = new Set<number>();
  const cover = (gpa: number) => {
    const frame = gpa - (gpa % KiB4);
    if (mapped.has(frame)) return;
    mapped.add(frame);
    ept.map(frame, frame + HOST_OFFSET, KiB4, { r: true, w: true, x: true });
  };
  for (const pfn of b.mem.pageFrames()) {
    const words = b.mem.pageWords(pfn)!;
    const gpa = pfn * KiB4;
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) host.write32(gpa + HOST_OFFSET + i * 4, words[i]);
    cover(gpa);
  }
  for (let i = 0; i < acc.n; i++) {
    cover(acc.pa[i]);
    acc.pa[i] += HOST_OFFSET;
  }
  return finish({ cpu: { ...b.cpu }, ept: ept.state, memory: host }, pages, acc);
}

function finish(scenario: Scenario, pages: BenchPage[], accesses: AccessList): BenchScenario {
  return {
    scenario,
    pages,
    accesses,
    mapped4k: pages.filter((p) => p.size === KiB4).length,
    mapped2m: pages.filter((p) => p.size === MiB2).length,
    mapped1g: pages.filter((p) => p.size === GiB1).length,
  };
}
