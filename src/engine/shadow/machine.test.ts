import { describe, expect, it } from 'vitest';
import { KiB4, MiB2, MiB4, ScenarioBuilder } from '../build';
import type { CpuState } from '../scenario';
import { OK, PF, READ, WRITE } from '../walk';
import { ShadowMachine } from './machine';
import { decodeRole } from './role';

const SLOT = { gpa: 0, hpa: 0x1_0000_0000, size: 0x4000_0000 };
const HPA = (gpa: number) => 0x1_0000_0000 + gpa;

function machine(b: ScenarioBuilder, over: Partial<CpuState> = {}) {
  return new ShadowMachine({ cpu: { ...b.cpu, ...over }, slots: [SLOT], memory: b.mem });
}
const lo = (va: bigint) => Number(va & 0xffffffffn);
const hi = (va: bigint) => Number(va >> 32n);

describe('shadow machine', () => {
  it('first touch exits and builds one shadow page per guest table; the second access does not exit', () => {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10_0000 });
    b.map(0x7f00_0000_1000n, 0x50_0000, KiB4, { w: true, u: true });
    const m = machine(b);
    expect(m.access(lo(0x7f00_0000_1234n), hi(0x7f00_0000_1234n), READ, true, false)).toBe(OK);
    expect(m.pa).toBe(HPA(0x50_0234));
    expect(m.counters.exits).toBe(1);
    const snap = m.snapshot();
    expect(snap.pages.map((p) => p.level).sort()).toEqual([1, 2, 3, 4]);
    expect(snap.pages.every((p) => p.writeProtected && !p.direct)).toBe(true);
    const events = m.drainEvents();
    expect(events.filter((e) => e.type === 'exit').every((e) => /exit/.test(e.text))).toBe(true);
    expect(events.filter((e) => e.type === "sp-create").length).toBe(4);
    // A read of a clean page maps it read-only: the write exits once more, then neither does.
    expect(m.access(lo(0x7f00_0000_1234n), hi(0x7f00_0000_1234n), READ, true, false)).toBe(OK);
    expect(m.counters.exits).toBe(1);
    expect(m.access(lo(0x7f00_0000_1234n), hi(0x7f00_0000_1234n), WRITE, true, false)).toBe(OK);
    expect(m.counters.exits).toBe(2);
    expect(m.access(lo(0x7f00_0000_1234n), hi(0x7f00_0000_1234n), WRITE, true, false)).toBe(OK);
    expect(m.counters.exits).toBe(2);
    // Guest A/D were set by KVM's walk.
    const pte = m.snapshot().pages.find((p) => p.level === 1)!;
    expect(b.mem.read32(pte.gfn * 4096 + 8) & 0x60).toBe(0x60);
  });

  it('a PTE edit unsyncs the page table: stale until INVLPG', () => {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10_0000 });
    const pteAddr = b.map(0x40_1000n, 0x50_0000, KiB4, { w: true, a: true, d: true });
    const m = machine(b);
    expect(m.access(0x40_1000, 0, READ, false, false)).toBe(OK);
    m.store64(pteAddr, 0x60_0003 | 0x60, 0);
    const pt = m.snapshot().pages.find((p) => p.level === 1)!;
    expect(pt.unsync).toBe(true);
    expect(m.counters.pageFaultExits).toBe(2); // the store faulted once on the write-protected table
    m.store64(pteAddr, 0x70_0063, 0);
    expect(m.counters.exits).toBe(2); // an unsync table takes stores without exits
    expect(m.access(0x40_1000, 0, READ, false, false)).toBe(OK);
    expect(m.pa).toBe(HPA(0x50_0000)); // stale, as a TLB may be
    m.invlpg(0x40_1000, 0);
    expect(m.access(0x40_1000, 0, READ, false, false)).toBe(OK);
    expect(m.pa).toBe(HPA(0x70_0000));
  });

  it('CR3 switches rotate through three cached roots', () => {
    const spaces = [0x10_0000, 0x20_0000, 0x30_0000, 0x40_0000, 0x50_0000].map((t) => {
      const s = new ScenarioBuilder({ paging: '4' }, { tableBase: t, mem: undefined });
      return s;
    });
    const mem = spaces[0].mem;
    const cr3s = [0x10_0000, 0x20_0000, 0x30_0000, 0x40_0000, 0x50_0000].map((t) => {
      const s = new ScenarioBuilder({ paging: '4' }, { tableBase: t, mem });
      s.map(0x1000n, t + 0x8000, KiB4, { w: true });
      return s.cpu.cr3;
    });
    const m = new ShadowMachine({ cpu: { ...spaces[0].cpu, cr3: cr3s[0] }, slots: [SLOT], memory: mem });
    const rootOf = () => m.root!.sp!.id;
    m.access(0x1000, 0, READ, false, false);
    const r0 = rootOf();
    m.loadCr3(cr3s[1]);
    m.access(0x1000, 0, READ, false, false);
    expect(m.pa).toBe(HPA(cr3s[1] + 0x8000));
    m.loadCr3(cr3s[0]);
    expect(rootOf()).toBe(r0);
    expect(m.counters.rootHits).toBe(1);
    const exits = m.counters.pageFaultExits;
    m.access(0x1000, 0, READ, false, false);
    expect(m.counters.pageFaultExits).toBe(exits); // the cached tree still maps it
    for (const c of cr3s.slice(1)) m.loadCr3(c);
    m.loadCr3(cr3s[0]); // evicted: 4 other roots were loaded since
    expect(m.counters.rootMisses).toBe(5);
  });

  it('a 32-bit guest runs on a PAE root of four quadrant pages of its page directory', () => {
    const b = new ScenarioBuilder({ paging: '32', nxe: false }, { tableBase: 0x10_0000 });
    b.map(0xc040_0000n, 0x80_0000, MiB4, { w: true });
    b.map(0x1000n, 0x9000, KiB4, { w: true, u: true });
    const m = machine(b);
    const roots = m.snapshot().pages.filter((p) => p.rootCount > 0);
    expect(roots.map((p) => decodeRole(p.roleWord).quadrant).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(roots.map((p) => p.gfn))).toEqual(new Set([b.cpu.cr3 / 4096]));
    expect(m.access(0xc051_2345, 0, WRITE, false, false)).toBe(OK);
    expect(m.pa).toBe(HPA(0x91_2345));
    // The 4 MiB page is mapped by a direct level-1 page for its 2 MiB half.
    const direct = m.snapshot().pages.find((p) => p.direct)!;
    expect(direct.level).toBe(1);
    expect(direct.gfn).toBe(0x80_0000 / 4096); // the 2 MiB half holding the address
    expect(m.access(0x1abc, 0, READ, true, false)).toBe(OK);
    const pt = m.snapshot().pages.find((p) => p.level === 1 && !p.direct)!;
    expect(decodeRole(pt.roleWord)).toMatchObject({ has4ByteGpte: true, quadrant: 0 });
  });

  it('a 32-bit guest edits one 4-byte PDE: a 4-byte store updates that entry, an 8-byte one is misaligned and zaps', () => {
    const build = () => {
      const b = new ScenarioBuilder({ paging: '32', nxe: false }, { tableBase: 0x10_0000 });
      b.map(0x0040_0000n, 0x9000, KiB4, { w: true, u: true });
      b.map(0x0080_0000n, 0xa000, KiB4, { w: true, u: true });
      const m = machine(b);
      expect(m.access(0x0040_0000, 0, READ, true, false)).toBe(OK);
      expect(m.access(0x0080_0000, 0, READ, true, false)).toBe(OK);
      return { b, m, pde: b.cpu.cr3 + 2 * 4 };
    };
    // PDE 2 (0x800000) becomes not present.
    const a = build();
    const zapped0 = a.m.counters.spZapped;
    a.m.store32(a.pde, 0);
    expect(a.m.counters.spZapped).toBe(zapped0);
    expect(a.m.access(0x0080_0000, 0, READ, true, false)).toBe(PF);
    expect(a.m.access(0x0040_0000, 0, READ, true, false)).toBe(OK);
    // The same edit as an 8-byte store also rewrites PDE 3 and is a misaligned write for 4-byte entries.
    const c = build();
    const zapped1 = c.m.counters.spZapped;
    c.m.store64(c.pde, 0, c.b.mem.read32(c.pde + 4));
    expect(c.m.counters.spZapped).toBeGreaterThan(zapped1);
    expect(c.m.access(0x0080_0000, 0, READ, true, false)).toBe(PF);
  });

  it('a PAE guest: root entries from the PDPTE registers, reloaded only by CR3 loads', () => {
    const b = new ScenarioBuilder({ paging: 'pae' }, { tableBase: 0x10_0000 });
    b.map(0x4000_1000n, 0x5000, KiB4, { w: true });
    const m = machine(b);
    expect(m.root!.pae!.map((p) => p !== null)).toEqual([false, true, false, false]);
    expect(m.access(0x4000_1000, 0, READ, false, false)).toBe(OK);
    // Clearing the PDPTE in memory changes nothing until CR3 is loaded again.
    m.store64(b.cpu.cr3 + 8, 0, 0);
    m.invlpg(0x4000_1000, 0);
    expect(m.access(0x4000_1000, 0, READ, false, false)).toBe(OK);
    m.loadCr3(b.cpu.cr3);
    expect(m.access(0x4000_1000, 0, READ, false, false)).toBe(PF);
    expect(m.ec).toBe(0);
  });

  it('large guest pages are split into direct 4 KiB SPTEs; 5-level guests get a level-5 root', () => {
    const b = new ScenarioBuilder({ paging: '5' }, { tableBase: 0x10_0000 });
    b.map(0x00f0_0000_0020_0000n, 0x20_0000, MiB2, { w: true, d: true, a: true });
    const m = machine(b);
    expect(m.root!.sp!.level).toBe(5);
    const va = 0x00f0_0000_0023_4567n;
    expect(m.access(lo(va), hi(va), WRITE, false, false)).toBe(OK);
    expect(m.pa).toBe(HPA(0x23_4567));
    const d = m.snapshot().pages.find((p) => p.direct)!;
    expect(d.sptes.map((s) => s.gfn)).toEqual([0x234]);
  });

  it('CR0.WP=0: a supervisor write to a read-only page gets a W, not-U SPTE; a user read then rebuilds it', () => {
    const b = new ScenarioBuilder({ paging: '4', wp: false }, { tableBase: 0x10_0000 });
    b.map(0x40_0000n, 0x70_0000, KiB4, { w: false, u: true, a: true, d: true });
    const m = machine(b);
    expect(m.access(0x40_0000, 0, WRITE, false, false)).toBe(OK);
    let s = m.snapshot().pages.find((p) => p.level === 1)!.sptes[0];
    expect(s.writable).toBe(true);
    expect(BigInt(s.value) & 4n).toBe(0n);
    expect(m.access(0x40_0000, 0, READ, true, false)).toBe(OK);
    s = m.snapshot().pages.find((p) => p.level === 1)!.sptes[0];
    expect(s.writable).toBe(false);
    expect(BigInt(s.value) & 4n).toBe(4n);
    expect(m.access(0x40_0000, 0, WRITE, true, false)).toBe(PF);
    expect(m.ec).toBe(7);
  });

  it('stores to a page directory: SPTE zapped; three in a row zap the page (write flooding)', () => {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10_0000 });
    b.map(0x1000n, 0x9000, KiB4, { w: true });
    b.map(0x20_0000n, 0xa000, KiB4, { w: true });
    const m = machine(b);
    m.access(0x1000, 0, READ, false, false);
    m.access(0x20_0000, 0, READ, false, false);
    const pd = m.snapshot().pages.find((p) => p.level === 2)!;
    expect(pd.sptes.length).toBe(2);
    m.store64(pd.gfn * 4096 + 8 * 5, 0, 0);
    expect(m.counters.trackedWriteExits).toBe(1);
    m.store64(pd.gfn * 4096 + 8 * 6, 0, 0);
    expect(m.snapshot().pages.find((p) => p.id === pd.id)!.sptes.length).toBe(2);
    m.store64(pd.gfn * 4096 + 8 * 1, 0, 0);
    expect(m.snapshot().pages.find((p) => p.id === pd.id)).toBeUndefined();
    expect(m.counters.floods).toBe(1);
    expect(m.access(0x20_0000, 0, READ, false, false)).toBe(PF);
    expect(m.access(0x1000, 0, READ, false, false)).toBe(OK);
  });

  it('with event collection off, counters still count and no event objects are made', () => {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10_0000 });
    b.map(0x1000n, 0x9000, KiB4, { w: true });
    const m = new ShadowMachine({ cpu: b.cpu, slots: [SLOT], memory: b.mem, collectEvents: false });
    m.access(0x1000, 0, READ, false, false);
    m.invlpg(0x1000, 0);
    expect(m.drainEvents()).toEqual([]);
    expect(m.counters.exits).toBe(2);
    expect(m.counters.spAlive).toBe(4);
    expect(m.counters.sptesPresent).toBe(4);
  });
});
