/**
 * Random but realistic guest address spaces for quiz scenarios: addresses in
 * the places an OS puts them (user code, heap, mmap and stack; kernel text,
 * direct map, vmalloc), frames away from the page tables, and a few other
 * mappings beside the one a question is about, so the tables drawn in the app
 * look like a real process's and the answer is not the only entry there.
 * Built with the engine's own ScenarioBuilder.
 */
import { GiB1, KiB4, MiB2, MiB4, ScenarioBuilder, pse36Width, type CpuState, type GuestPaging, type PageFlags, type PageSizeBytes } from '../../engine';
import type { Access, AccessOp, Scenario } from '../../engine';
import type { Rng } from './rng';

export interface Mapping {
  va: bigint;
  pa: number;
  size: PageSizeBytes;
  flags: PageFlags;
}

/** The builder and what was mapped, so decoys never overlap (an overlap would turn a leaf into a table). */
export interface Space {
  b: ScenarioBuilder;
  maps: Mapping[];
  /** Page tables are allocated here: data frames stay out of [tableBase, tableBase + TABLE_SPAN). */
  tableBase: number;
}

/** Room kept for page tables (64 tables is more than any quiz space uses). */
export const TABLE_SPAN = 64 * KiB4;

const big = (n: number): bigint => BigInt(n);

/** Random bits as a bigint (up to 64). */
export function bigBits(rng: Rng, n: number): bigint {
  let v = 0n;
  for (let left = n; left > 0; left -= Math.min(26, left)) v = (v << big(Math.min(26, left))) | big(rng.bits(Math.min(26, left)));
  return v;
}

/** Page sizes a leaf can have in this mode. */
export function pageSizes(cpu: Pick<CpuState, 'paging' | 'pse' | 'gbpages'>): PageSizeBytes[] {
  switch (cpu.paging) {
    case '32':
      return cpu.pse ? [KiB4, MiB4] : [KiB4];
    case 'pae':
      return [KiB4, MiB2];
    default:
      return cpu.gbpages ? [KiB4, MiB2, GiB1] : [KiB4, MiB2];
  }
}

/** Bits of physical address a data frame of `size` may use in this mode (kept realistic: at most 40). */
export function physBits(cpu: Pick<CpuState, 'paging' | 'maxphyaddr'>, size: number): number {
  if (cpu.paging === '32') return size === MiB4 ? pse36Width(cpu.maxphyaddr) : 32;
  return Math.min(cpu.maxphyaddr, 40);
}

/** A CPU state for `paging` with realistic, random settings; `over` wins. */
export function randomCpu(rng: Rng, paging: GuestPaging, over: Partial<CpuState> = {}): Partial<CpuState> {
  const maxphyaddr = paging === '32' ? rng.pick([32, 36, 40]) : paging === 'pae' ? rng.pick([36, 39, 40, 46]) : rng.pick([39, 42, 46, 46, 48, 52]);
  return {
    paging,
    wp: rng.chance(0.9),
    pse: paging === '32' ? rng.chance(0.7) : true,
    nxe: paging === '32' ? false : rng.chance(0.9),
    smep: false,
    smap: false,
    ac: false,
    pke: false,
    pkru: 0,
    maxphyaddr,
    gbpages: rng.chance(0.85),
    ...over,
  };
}

/** A page-aligned linear address of a page of `size`, user or kernel half, in places an OS uses. */
export function randomVa(rng: Rng, paging: GuestPaging, size: number, user: boolean): bigint {
  const align = (v: bigint) => v - (v % big(size));
  if (paging === '32' || paging === 'pae') {
    // 3G/1G split: user below 0xc0000000.
    const lo = user ? rng.pick([0x0040_0000, 0x0804_8000, 0x4000_0000, 0xb000_0000]) : 0xc000_0000;
    const span = user ? 0x1000_0000 : 0x3fff_ffff;
    return align(big(lo) + big(rng.int(0, Math.min(span, 0xffff_ffff - lo))));
  }
  const five = paging === '5';
  if (user) {
    const places = [0x40_0000n, 0x5555_5555_0000n, 0x7f00_0000_0000n, 0x7ffc_0000_0000n];
    if (rng.chance(0.25)) return align(bigBits(rng, five && rng.chance(0.5) ? 56 : 47));
    return align(rng.pick(places) + bigBits(rng, 32));
  }
  const places = five ? [0xff11_0000_0000_0000n, 0xffa0_0000_0000_0000n, 0xffff_ffff_8000_0000n] : [0xffff_8880_0000_0000n, 0xffff_c900_0000_0000n, 0xffff_ffff_8000_0000n];
  if (rng.chance(0.25)) return align((five ? 0xff00_0000_0000_0000n : 0xffff_8000_0000_0000n) | bigBits(rng, five ? 56 : 47));
  const base = rng.pick(places);
  const room = base === 0xffff_ffff_8000_0000n ? 30 : 36;
  return align(base + bigBits(rng, room));
}

/** A frame of `size` below 2^bits, above 1 MiB and away from the page tables. */
export function randomFrame(rng: Rng, s: Space, size: number, bits: number): number {
  const tops = [28, 30, 32, 34, 36, 39, 40].filter((b) => b <= bits && 2 ** b > size * 4);
  const top = tops.length > 0 ? rng.pick(tops) : bits;
  for (;;) {
    const pa = Math.floor(rng.bits(top) / size) * size;
    if (pa < 0x10_0000) continue;
    if (pa < s.tableBase + TABLE_SPAN && pa + size > s.tableBase) continue;
    return pa;
  }
}

/** A fresh space: root table at a random place below 64 MiB (tables of 32-bit and PAE guests must be below 4 GiB). */
export function newSpace(rng: Rng, cpu: Partial<CpuState>): Space {
  const tableBase = rng.int(0x10, 0x3f00) * KiB4;
  return { b: new ScenarioBuilder(cpu, { tableBase }), maps: [], tableBase };
}

const overlaps = (a: Mapping, va: bigint, size: number): boolean => va < a.va + big(a.size) && a.va < va + big(size);

/** Map `m` unless it overlaps a mapping already there; returns whether it was mapped. */
export function tryMap(s: Space, m: Mapping): boolean {
  if (s.maps.some((x) => overlaps(x, m.va, m.size))) return false;
  s.b.map(m.va, m.pa, m.size, m.flags);
  s.maps.push(m);
  return true;
}

/** Flags of a page an OS would map: user data, user code, kernel data or kernel text. */
export function randomFlags(rng: Rng, user: boolean): PageFlags {
  const code = rng.chance(0.3);
  return { w: !code, u: user, nx: !code, a: rng.chance(0.6), d: !code && rng.chance(0.4), g: !user && rng.chance(0.5) };
}

/**
 * Other mappings around `near`: neighbouring pages (same table, so the
 * question's table has other entries) and pages elsewhere in both halves.
 */
export function addDecoys(rng: Rng, s: Space, near: Mapping, n: number): void {
  const cpu = s.b.cpu;
  const sizes = pageSizes(cpu);
  for (let k = 0; k < n * 3 && s.maps.length < n + 1; k++) {
    const size = rng.chance(0.7) ? KiB4 : rng.pick(sizes);
    let user = rng.chance(0.6);
    let va: bigint;
    if (rng.chance(0.5)) {
      user = near.flags.u ?? false;
      const step = big(Math.max(size, near.size));
      va = near.va - (near.va % step) + step * big(rng.int(-6, 6));
      va -= va % big(size);
      const width = cpu.paging === '32' || cpu.paging === 'pae' ? 2n ** 32n : 2n ** 64n;
      if (va < 0n || va + big(size) > width || !canonical(cpu.paging, va)) continue;
    } else va = randomVa(rng, cpu.paging, size, user);
    tryMap(s, { va, pa: randomFrame(rng, s, size, physBits(cpu, size)), size, flags: randomFlags(rng, user) });
  }
}

/** Is `va` canonical in this mode (bits above the top translated bit copy it)? */
export function canonical(paging: GuestPaging, va: bigint): boolean {
  if (paging === '32' || paging === 'pae') return va < 2n ** 32n;
  const top = paging === '5' ? 56n : 47n;
  const high = va >> top;
  return high === 0n || high === (1n << (64n - top)) - 1n;
}

export function accessOf(va: bigint, op: AccessOp, cpl: 0 | 3, implicit = false): Access {
  return { va: { lo: Number(va & 0xffff_ffffn), hi: Number((va >> 32n) & 0xffff_ffffn) }, op, cpl, implicit };
}

/**
 * A space with one mapping whose rights allow the drawn access, plus decoys
 * (null when the mode has no page of `size`). SMEP or SMAP may still refuse
 * the access: callers keep only draws whose engine outcome they want.
 */
export function successfulSpace(rng: Rng, paging: GuestPaging, size: PageSizeBytes | null, cpuOver: Partial<CpuState> = {}): { s: Scenario; a: Access; target: Mapping } | null {
  const cpu = randomCpu(rng, paging, { smep: rng.chance(0.3), smap: rng.chance(0.3), ac: rng.chance(0.5), ...cpuOver });
  const sp = newSpace(rng, cpu);
  const c = sp.b.cpu;
  const sz = size ?? rng.pick(pageSizes(c));
  if (!pageSizes(c).includes(sz)) return null;
  const user = rng.chance(0.6);
  const op: AccessOp = rng.pick(['read', 'read', 'write', 'fetch'] as const);
  const cpl: 0 | 3 = user && rng.chance(0.7) ? 3 : 0;
  const va = randomVa(rng, c.paging, sz, user);
  const flags = { ...randomFlags(rng, user), w: op === 'write' || rng.chance(0.5), nx: op !== 'fetch' && rng.chance(0.5) };
  const target: Mapping = { va, pa: randomFrame(rng, sp, sz, physBits(c, sz)), size: sz, flags };
  tryMap(sp, target);
  addDecoys(rng, sp, target, rng.int(3, 7));
  const off = BigInt(rng.bits(Math.log2(sz)));
  const a = accessOf(va + off, op, cpl);
  return { s: sp.b.scenario(), a, target };
}
