import { describe, expect, it } from 'vitest';
import { GiB1, KiB4, MiB2, MiB4, ScenarioBuilder, Walker, collectTree, leaves, translate, type GuestPaging, type PhysMem } from '../index';
import { bytesSource, DumpError, type ByteSource } from './source';
import { ACC_U, ACC_W, ACC_X, FileMemory, qemuDepartures, withPdptesAsLoaded, canonical, collectLeaves, dumpCpu, foldMappings, leafJSON, linearOf, openDump, ReverseMap, translateJSON, type Dump } from './index';
import { memoryBytes, writeCore, type CoreCpu } from './write-core';

/** Contiguous runs of allocated frames, as PT_LOAD segments. */
function loadsOf(mem: PhysMem): { pa: number; bytes: Uint8Array }[] {
  const runs: [number, number][] = [];
  for (const pfn of mem.pageFrames()) {
    const last = runs[runs.length - 1];
    if (last && last[1] === pfn) last[1]++;
    else runs.push([pfn, pfn + 1]);
  }
  return runs.map(([a, b]) => ({ pa: a * KiB4, bytes: memoryBytes((pa) => mem.read32(pa), a * KiB4, (b - a) * KiB4) }));
}

const CR0_PG_WP_PE = 0x80010001n;
const cr4For = (p: GuestPaging): bigint => (p === '32' ? 0x10n : p === 'pae' ? 0x20n : p === '4' ? 0x20n : 0x1020n);

/** A scenario in each mode with pages of every size it has, user and kernel, writable or not, NX or not. */
function guest(paging: GuestPaging): ScenarioBuilder {
  const b = new ScenarioBuilder({ paging, pse: true, maxphyaddr: 52 }, { tableBase: 0x100000 });
  b.map(0x1000, 0x2000_0000, KiB4, { w: true, u: true, a: true });
  b.map(0x2000, 0x2000_1000, KiB4, { w: true, u: true });
  b.map(0x3000, 0x2000_1000, KiB4, { u: true, nx: paging !== '32' }); // an alias of the page above
  b.map(0x5000, 0x2000_3000, KiB4, { w: false, u: false });
  if (paging === '32') b.map(0x40_0000, 0x80_0000, MiB4, { w: true });
  else b.map(0x40_0000, 0x20_0000, MiB2, { w: true, u: true });
  if (paging === '4' || paging === '5') {
    b.map(0x80_0000_0000, 0x4000_0000, GiB1, { w: true });
    b.map(paging === '5' ? 0xff00_0000_0000_0000n : 0xffff_8000_0000_0000n, 0x3000_0000, KiB4, { w: true, g: true });
  } else {
    b.map(0xc000_0000, 0x2000_4000, KiB4, { w: true, g: true });
  }
  return b;
}

function coreOf(b: ScenarioBuilder, cpu: Partial<CoreCpu> = {}, elfClass: 32 | 64 = b.cpu.paging === '4' || b.cpu.paging === '5' ? 64 : 32): Uint8Array {
  const long = b.cpu.paging === '4' || b.cpu.paging === '5';
  return writeCore({
    elfClass,
    machine: long ? 62 : 3,
    cpus: [{ cr0: CR0_PG_WP_PE, cr3: BigInt(b.cpu.cr3), cr4: cr4For(b.cpu.paging), ...cpu }],
    loads: loadsOf(b.mem),
  });
}

/** A source that counts the bytes asked for. */
function counting(bytes: Uint8Array): ByteSource & { reads: number; bytes: number } {
  const s = bytesSource(bytes);
  const c = { size: s.size, reads: 0, bytes: 0, read: (o: number, l: number) => (c.reads++, (c.bytes += l), s.read(o, l)) };
  return c;
}

const open = (bytes: Uint8Array): Dump => openDump(bytesSource(bytes));

describe('opening a dump', () => {
  it.each(['32', 'pae', '4', '5'] as const)('%s: the mode comes from CR0, CR4 and e_machine, and every walk equals the in-memory one', (paging) => {
    const b = guest(paging);
    const d = dumpCpu(open(coreOf(b)));
    expect(d.paging).toBe(paging);
    expect(d.root).toBe(b.cpu.cr3);
    expect(d.cpu.wp).toBe(true);
    const s = b.scenario();
    const vas = [0x1000, 0x1abc, 0x2008, 0x3010, 0x4000, 0x5ff8, 0x40_1234, 0x7f_f000, 0xc000_0010, 0x80_0000_0000 + 0x1234_5678, 0x80_4000_0000];
    for (const va of vas) {
      for (const op of ['read', 'write', 'fetch'] as const) {
        for (const cpl of [0, 3] as const) {
          const a = { va: { lo: va % 2 ** 32, hi: Math.floor(va / 2 ** 32) }, op, cpl, implicit: false };
          if (paging === '32' || paging === 'pae') a.va.hi = 0;
          expect(translate(d.input, a)).toEqual(translate({ ...s, cpu: d.cpu }, a));
        }
      }
    }
  });

  it('reads ELF64 with EM_386 (QEMU writes it for a 32-bit guest with memory above 4 GiB) as a 32-bit guest', () => {
    const b = guest('pae');
    expect(dumpCpu(open(coreOf(b, {}, 64))).paging).toBe('pae');
    expect(dumpCpu(open(coreOf(guest('32'), {}, 64))).paging).toBe('32');
  });

  it('takes the root from CR3 without the PCID (4/5-level) or below the PDPT alignment (PAE)', () => {
    const b = guest('4');
    const d = dumpCpu(open(coreOf(b, { cr3: BigInt(b.cpu.cr3) | 0x805n | (1n << 63n), cr4: 0x20020n })));
    expect(d.root).toBe(b.cpu.cr3);
    expect(d.pcid).toBe(0x805);
    const p = guest('pae');
    expect(dumpCpu(open(coreOf(p, { cr3: BigInt(p.cpu.cr3) | 0x18n }))).root).toBe(p.cpu.cr3);
  });

  it('says what it assumed, and lets the caller set NXE, MAXPHYADDR and the vCPU', () => {
    const b = guest('4');
    const bytes = writeCore({
      elfClass: 64,
      cpus: [
        { cr0: CR0_PG_WP_PE, cr3: BigInt(b.cpu.cr3), cr4: 0x20n },
        { cr0: 0x80000001n, cr3: BigInt(b.cpu.cr3), cr4: 0x320020n, rflags: 0x40002n },
      ],
      loads: loadsOf(b.mem),
    });
    const dump = open(bytes);
    const d0 = dumpCpu(dump);
    expect(d0.cpu.nxe).toBe(true);
    expect(d0.assumptions.join(' ')).toMatch(/NXE is taken as on/);
    expect(d0.cpu.maxphyaddr).toBe(52);
    const d1 = dumpCpu(dump, { cpu: 1, nxe: false, maxphyaddr: 40 });
    expect(d1.cpu).toMatchObject({ wp: false, smep: true, smap: true, ac: true, nxe: false, maxphyaddr: 40 });
    expect(d1.assumptions.join(' ')).not.toMatch(/NXE/);
    // With NXE off, an XD bit is reserved: the walk reports it.
    const r = translateJSON(d1, { lo: 0x3000, hi: 0 }, { user: true, op: 'read' });
    expect(r.result).toMatchObject({ outcome: 'pf', ec: '0xd' });
    expect(() => dumpCpu(dump, { cpu: 2 })).toThrow(/no vCPU 2: the dump has 2/);
  });

  it('reads only the pages a walk touches, and never writes: A/D stay in the result', () => {
    const b = guest('5');
    const bytes = coreOf(b);
    const before = bytes.slice();
    const src = counting(bytes);
    const dump = openDump(src);
    const headerReads = src.bytes;
    const d = dumpCpu(dump);
    const r = translateJSON(d, { lo: 0x2000, hi: 0 }, { user: true, op: 'write' });
    expect(r.result.outcome).toBe('ok');
    expect(Object.keys(r.result.writes).length).toBeGreaterThan(0);
    expect(dump.memory.pagesRead).toBe(5);
    expect(src.bytes - headerReads).toBe(5 * 4096);
    expect(bytes).toEqual(before);
    const w = new Walker(d.config, d.input.memory);
    expect(w.translate(0x2000, 0, 1, true, false)).toBe(0);
    expect(() => w.commit()).toThrow(/read-only/);
  });

  it('reads memory across segment edges: a segment starting mid-page, memsz past filesz, gaps read as 0', () => {
    const bytes = new Uint8Array(0x3000).map((_, i) => (i * 7) & 0xff);
    const src = bytesSource(bytes);
    const m = new FileMemory(src, [
      { pa: 0x10800, memSize: 0x1000, fileSize: 0x1000, offset: 0 },
      { pa: 0x11800, memSize: 0x2000, fileSize: 0x800, offset: 0x1000 },
    ]);
    const word = (o: number) => bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
    expect(m.read32(0x10000)).toBe(0);
    expect(m.read32(0x107fc)).toBe(0);
    expect(m.read32(0x10800) >>> 0).toBe(word(0) >>> 0);
    expect(m.read32(0x117fc) >>> 0).toBe(word(0xffc) >>> 0);
    expect(m.read32(0x11800) >>> 0).toBe(word(0x1000) >>> 0);
    expect(m.read32(0x11ffc) >>> 0).toBe(word(0x17fc) >>> 0);
    expect(m.read32(0x12000)).toBe(0);
    expect(m.read32(0x40000)).toBe(0);
    expect(m.contains(0x137ff)).toBe(true);
    expect(m.contains(0x13800)).toBe(false);
  });

  it('keeps at most maxPages pages and still reads evicted ones correctly', () => {
    const bytes = new Uint8Array(64 * 4096);
    new DataView(bytes.buffer).setUint32(5 * 4096 + 8, 0xdeadbeef, true);
    for (let p = 0; p < 64; p++) new DataView(bytes.buffer).setUint32(p * 4096, p + 1, true);
    const m = new FileMemory(bytesSource(bytes), [{ pa: 0, memSize: bytes.length, fileSize: bytes.length, offset: 0 }], { maxPages: 16 });
    for (let p = 0; p < 64; p++) expect(m.read32(p * 4096)).toBe(p + 1);
    expect(m.cachedPages()).toBe(16);
    expect(m.read32(5 * 4096 + 8) >>> 0).toBe(0xdeadbeef);
  });
});

describe('bad files', () => {
  const good = () => coreOf(guest('4'));
  const fails = (bytes: Uint8Array, msg: RegExp) => {
    expect(() => dumpCpu(open(bytes))).toThrow(DumpError);
    expect(() => dumpCpu(open(bytes))).toThrow(msg);
  };

  it('names what is wrong', () => {
    fails(new TextEncoder().encode('hello, world, not a dump at all'), /not an ELF file/);
    fails(new Uint8Array(4), /not an ELF file: only 4 bytes/);
    const kdump = new Uint8Array(4096);
    kdump.set(new TextEncoder().encode('KDUMP   '));
    fails(kdump, /kdump-compressed dump.*ELF format/);
    const g = good();
    fails(g.subarray(0, g.length - 100), /truncated: memory segment 1 .* ends at byte \d+ but the file has \d+ bytes/);
    fails(g.subarray(0, 100), /truncated/);
    const exec = g.slice();
    exec[16] = 2;
    fails(exec, /not a core dump \(e_type 2/);
    const arm = g.slice();
    arm[18] = 183;
    fails(arm, /e_machine 183, not x86/);
    const b = guest('4');
    fails(writeCore({ elfClass: 64, cpus: [], notes: [{ name: 'CORE', type: 1, desc: new Uint8Array(336) }], loads: loadsOf(b.mem) }), /no "QEMU" CPU-state note \(found "CORE"\)/);
    fails(coreOf(b, { cr3: 0x7000_0000n }), /CR3 0x70000000 puts the top page table at 0x70000000, outside the dumped memory/);
    fails(coreOf(b, { cr0: 0x11n }), /CR0.PG = 0, paging is off/);
    fails(coreOf(b, { cr4: 0n }), /long mode but CR4.PAE = 0/);
    fails(writeCore({ elfClass: 64, cpus: [{ cr0: CR0_PG_WP_PE, cr3: 0n, cr4: 0x20n }], stateVersion: 2, loads: loadsOf(b.mem) }), /QEMUCPUState version 2/);
    fails(writeCore({ elfClass: 64, cpus: [{ cr0: CR0_PG_WP_PE, cr3: 0n, cr4: 0x20n }], stateSize: 400, loads: loadsOf(b.mem) }), /too short to hold CR0–CR4/);
  });

  it('reads a QEMUCPUState without kernel_gs_base (older QEMU, 432 bytes)', () => {
    const b = guest('4');
    const bytes = writeCore({ elfClass: 64, cpus: [{ cr0: CR0_PG_WP_PE, cr3: BigInt(b.cpu.cr3), cr4: 0x20n }], stateSize: 432, loads: loadsOf(b.mem) });
    expect(dumpCpu(open(bytes)).paging).toBe('4');
  });
});

describe('leaves and mappings', () => {
  it.each(['32', 'pae', '4', '5'] as const)('%s: collectLeaves lists what the tree lister finds, ascending, with canonical addresses', (paging) => {
    const b = guest(paging);
    const d = dumpCpu(open(coreOf(b)));
    const { leaves: t, truncated } = collectLeaves(d.format, d.input.memory, d.root);
    expect(truncated).toBe(false);
    const fromTree = [...leaves(b.format, collectTree(b.format, b.mem, b.cpu.cr3))].map((l) => [l.va, l.pa, l.size]).sort((x, y) => x[0] - y[0]);
    const mine = Array.from({ length: t.n }, (_, i) => [t.va[i], t.pa[i], t.size(i)]);
    expect(mine).toEqual(fromTree);
    for (let i = 1; i < t.n; i++) expect(t.va[i]).toBeGreaterThan(t.va[i - 1]);
    const last = leafJSON(t, t.n - 1);
    if (paging === '4') expect(last.va).toBe('0xffff800000000000');
    if (paging === '5') expect(last.va).toBe('0xff00000000000000');
    if (paging === '32' || paging === 'pae') expect(last.va).toBe('0xc0000000');
  });

  it('combines rights along the path and flags reserved bits without hiding the leaf (as info tlb lists it)', () => {
    const b = guest('4');
    const leafPa = b.map(0x9000, 0x2000_9000, KiB4, { w: true, u: true });
    b.mem.write32(leafPa + 4, 0x000f_0000); // bits 51:48 set: reserved with MAXPHYADDR 46
    const d = dumpCpu(open(coreOf(b)), { maxphyaddr: 46 });
    const { leaves: t } = collectLeaves(d.format, d.input.memory, d.root);
    const i = t.find(0x9000);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(t.rsvd[i]).toBe(1);
    expect(translateJSON(d, { lo: 0x9000, hi: 0 }, { user: false, op: 'read' }).result).toMatchObject({ outcome: 'pf', ec: '0x9' });
    expect(t.acc[t.find(0x5000)]).toBe(ACC_X);
    expect(t.acc[t.find(0x3000)]).toBe(ACC_U);
    expect(t.acc[t.find(0x2000)]).toBe(ACC_X | ACC_W | ACC_U);
  });

  it('folds contiguous leaves with the same size, rights and attributes; filters user and kernel', () => {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x100000 });
    for (let i = 0; i < 8; i++) b.map(0x40_0000 + i * KiB4, 0x50_0000 + i * KiB4, KiB4, { w: true, u: true });
    for (let i = 8; i < 12; i++) b.map(0x40_0000 + i * KiB4, 0x90_0000 + i * 3 * KiB4, KiB4, { w: true, u: true });
    b.map(0x40_c000, 0x60_0000, KiB4, { w: false, u: true });
    b.map(0x60_0000, 0x80_0000, MiB2, { w: true });
    b.map(0x80_0000, 0xe0_0000, MiB2, { w: true });
    b.map(0xc0_0000, 0xc0_0000, MiB2, { w: true, pcd: true });
    const d = dumpCpu(open(coreOf(b)));
    const { leaves: t } = collectLeaves(d.format, d.input.memory, d.root);
    const r = foldMappings(t);
    expect(r.map((x) => [x.start, x.end, x.count, x.pageSize, x.user, x.writable, x.physContiguous])).toEqual([
      [0x40_0000, 0x40_c000, 12, KiB4, true, true, false],
      [0x40_c000, 0x40_d000, 1, KiB4, true, false, true],
      [0x60_0000, 0xa0_0000, 2, MiB2, false, true, false],
      [0xc0_0000, 0xe0_0000, 1, MiB2, false, true, true],
    ]);
    expect(foldMappings(t, 'user').map((x) => x.count)).toEqual([12, 1]);
    expect(foldMappings(t, 'kernel').map((x) => x.count)).toEqual([2, 1]);
  });

  it('maps a physical address back to every linear address, across page sizes and aliases', () => {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x100000 });
    b.map(0x1000, 0x20_3000, KiB4);
    b.map(0x7000, 0x20_3000, KiB4);
    b.map(0x40_0000, 0x20_0000, MiB2, { w: true });
    b.map(0x8000_0000, 0, GiB1, { w: true });
    b.map(0x9000, 0x30_0000, KiB4);
    const d = dumpCpu(open(coreOf(b)));
    const { leaves: t } = collectLeaves(d.format, d.input.memory, d.root);
    const rev = new ReverseMap(t);
    expect(rev.lookup(0x20_3010).map((h) => [h.va, h.pageSize])).toEqual([
      [0x1010, KiB4],
      [0x7010, KiB4],
      [0x40_3010, MiB2],
      [0x8020_3010, GiB1],
    ]);
    expect(rev.lookup(0x30_0000).map((h) => h.va)).toEqual([0x9000, 0x50_0000, 0x8030_0000]);
    expect(rev.lookup(0x5000_0000)).toEqual([]);
  });

  it('converts between linear addresses and their canonical 64-bit form', () => {
    const b5 = guest('5');
    const f5 = b5.format;
    expect(canonical(f5, 2 ** 56)).toEqual({ lo: 0, hi: 0xff000000 });
    expect(linearOf(f5, 0, 0xff000000)).toBe(2 ** 56);
    expect(linearOf(f5, 0, 0xfe000000)).toBeNull();
    const f4 = guest('4').format;
    expect(canonical(f4, 2 ** 47 + 0x1000)).toEqual({ lo: 0x1000, hi: 0xffff8000 });
    expect(linearOf(f4, 0x1000, 0xffff8000)).toBe(2 ** 47 + 0x1000);
    expect(linearOf(f4, 0, 0x8000)).toBeNull();
  });
});

describe('QEMU departures', () => {
  it('names a PAE PDPTE with only the accessed bit reserved-set, and walks it as loaded only on request', () => {
    const b = guest('pae');
    const root = b.cpu.cr3;
    b.mem.write32(root, b.mem.read32(root) | 0x20); // what QEMU's walker leaves behind
    const d = dumpCpu(open(coreOf(b)));
    const deps = qemuDepartures(d);
    expect(deps.map((x) => [x.id, x.pa])).toEqual([['qemu-pae-pdpte-accessed', root]]);
    expect(deps[0].text).toMatch(/bit 5.*#GP.*QEMU/);
    const a = { va: { lo: 0x1000, hi: 0 }, op: 'read' as const, cpl: 3 as const, implicit: false };
    expect(translate(d.input, a)).toMatchObject({ outcome: 'gp', reason: 'pdpte-reserved' });
    expect(translate(withPdptesAsLoaded(d), a)).toMatchObject({ outcome: 'ok', pa: 0x2000_0000 });
    // Another reserved bit is not this departure: nothing is named, nothing is patched.
    b.mem.write32(root, b.mem.read32(root) | 0x2);
    const d2 = dumpCpu(open(coreOf(b)));
    expect(qemuDepartures(d2)).toEqual([]);
    expect(translate(withPdptesAsLoaded(d2), a).outcome).toBe('gp');
  });
});
