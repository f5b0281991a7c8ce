/**
 * A QEMU dump as a document: opened in place, walked, its assumptions and
 * vCPU changeable (each a history entry), edits refused with a way forward,
 * its link a small scenario of the walk's own entries, and after a reload it
 * asks for the file and returns to where the history was.
 */
import { describe, expect, it } from 'vitest';
import { KiB4, ScenarioBuilder, type PhysMem } from '../engine';
import { memoryBytes, writeCore } from '../engine/dump/write-core';
import { MemoryPersist } from './persist';
import { headless, summary } from './testkit';

function loadsOf(mem: PhysMem): { pa: number; bytes: Uint8Array }[] {
  return mem.pageFrames().map((pfn) => ({ pa: pfn * KiB4, bytes: memoryBytes((pa) => mem.read32(pa), pfn * KiB4, KiB4) }));
}

/** A two-vCPU 4-level guest: vCPU 0 runs process A, vCPU 1 process B (another CR3); the user page is NX. */
function core(): Uint8Array {
  const a = new ScenarioBuilder({ paging: '4', maxphyaddr: 52 }, { tableBase: 0x10_0000 });
  a.map(0x40_0000n, 0x20_0000, KiB4, { u: true, a: true });
  a.map(0x60_1000n, 0x20_1000, KiB4, { u: true, w: true, nx: true, a: true, d: true });
  a.map(0xffff_8880_0000_0000n, 0x30_0000, KiB4, { w: true, g: true });
  const b = new ScenarioBuilder({ paging: '4', maxphyaddr: 52 }, { tableBase: 0x40_0000, mem: a.mem });
  b.map(0x60_1000n, 0x50_1000, KiB4, { u: true, w: true, a: true });
  const cpu = (cr3: number) => ({ cr0: 0x80010001n, cr3: BigInt(cr3), cr4: 0x20n | (1n << 20n) });
  return writeCore({ elfClass: 64, machine: 62, cpus: [cpu(a.cpu.cr3), cpu(b.cpu.cr3)], loads: loadsOf(a.mem) });
}

describe('a QEMU dump as a document', () => {
  it('opens in place at the lowest mapped user address, and the walk reads the file', () => {
    const h = headless();
    const r = h.ok(h.api.openBytes(core(), 'guest.elf'));
    if (!('opened' in r)) throw new Error('opened');
    const s = r.opened;
    expect(s.doc.origin).toBe('dump');
    expect(s.doc.title).toBe('guest.elf');
    expect(s.doc.access).toMatchObject({ va: '0x400000', op: 'read', cpl: 3 });
    expect(s.trace.outcome).toMatchObject({ outcome: 'ok', pa: '0x200000' });
    expect(s.doc.dump).toMatchObject({ vcpus: 2, cpu: 0, paging: '4', nxe: true });
    expect(s.doc.dump!.assumptions.join(' ')).toMatch(/NXE is taken as on/);
    expect(s.doc.cpu.smep).toBe(true); // CR4.SMEP from the vCPU's registers
  });

  it('the vCPU and the assumptions are changes in the history; edits are refused with a way forward', () => {
    const h = headless();
    h.ok(h.api.openBytes(core(), 'guest.elf'));
    const b = h.act({ t: 'access', access: { va: '0x601008' } });
    expect(b.trace.outcome.pa).toBe('0x201008');
    const v1 = h.act({ t: 'vcpu', n: 1 });
    expect(v1.trace.outcome.pa).toBe('0x501008'); // process B's page
    expect(v1.doc.dump!.cpu).toBe(1);
    const fetchA = h.undo();
    expect(fetchA.trace.outcome.pa).toBe('0x201008');
    const nx = h.act({ t: 'access', access: { op: 'fetch' } });
    expect(nx.trace.outcome).toMatchObject({ outcome: 'pf', ec: '0x15' });
    const off = h.act({ t: 'cpu', cpu: { nxe: false } });
    expect(off.trace.outcome).toMatchObject({ outcome: 'pf' }); // bit 63 is now reserved
    expect(off.doc.dump!.assumptions.join(' ')).not.toMatch(/NXE is taken as on/);
    const t = off.targets[3];
    expect(h.api.act({ t: 'entry', tableId: t.tableId, index: t.index, value: '0x0' })).toMatchObject({ ok: false, problem: { message: expect.stringMatching(/read-only.*Copy link/) } });
    expect(h.api.act({ t: 'virt', mode: 'ept' })).toMatchObject({ ok: false, problem: { field: 'virt' } });
    expect(h.api.act({ t: 'cpu', cpu: { cr3: '0x1000' } })).toMatchObject({ ok: false, problem: { field: 'cpu.cr3' } });
  });

  it('Copy link makes a small scenario of the entries the walk read, which reopens the same walk', () => {
    const h = headless();
    h.ok(h.api.openBytes(core(), 'guest.elf'));
    const shown = h.act({ t: 'access', access: { va: '0xffff888000000123', cpl: 0 } });
    const f = h.api.fragment();
    expect(f.urlable).toBe(false);
    expect(f.note).toMatch(/4 entries this walk read from guest\.elf/);
    const other = headless().link(f.link);
    expect(other.trace.steps.map((x) => [x.entryAddr, x.value])).toEqual(shown.trace.steps.map((x) => [x.entryAddr, x.value]));
    expect(other.result).toEqual(shown.result);
    const text = h.api.walkText();
    expect(text.split('\n').filter((l) => /^\s+\d+ {2}L\d/.test(l))).toHaveLength(4);
    expect(text).toMatch(/Result: 0x300123 \(4 KiB page\)/);
  });

  it('the mappings fold the address space, filter user/kernel, and map physical back to linear', () => {
    const h = headless();
    h.ok(h.api.openBytes(core(), 'guest.elf'));
    const all = h.ok(h.api.mappings('all', 0, 100));
    expect(all.ranges.map((r) => r.start)).toEqual(['0x400000', '0x601000', '0xffff888000000000']);
    expect(h.ok(h.api.mappings('user', 0, 100)).total).toBe(2);
    expect(h.ok(h.api.reverse('0x201abc')).mapped).toEqual([{ va: '0x601abc', size: 4096, entry: expect.stringMatching(/^0x8000000000201/) }]);
    expect(h.api.reverse('zz')).toMatchObject({ ok: false, problem: { field: 'pa' } });
  });

  it('after a reload it asks for the file; chosen again, it returns to where the history was', async () => {
    const persist = new MemoryPersist();
    const h = headless(persist);
    h.preset('pae');
    h.ok(h.api.openBytes(core(), 'guest.elf'));
    const shown = h.act({ t: 'vcpu', n: 1 });
    await h.api.whenSaved();
    const r = headless(persist);
    const b = await r.api.boot('', null);
    expect(b.missingDump).toMatchObject({ name: 'guest.elf' });
    expect(b.snapshot.doc.presetId).toBe('pae');
    expect(r.api.redo()).toMatchObject({ ok: false, problem: { message: expect.stringMatching(/choose it again with Import/) } });
    const back = r.ok(r.api.openBytes(core(), 'guest.elf'));
    if (!('opened' in back)) throw new Error('opened');
    expect(summary(back.opened)).toEqual(summary(shown));
    expect(back.opened.history).toEqual(shown.history);
  });

  it('a file that is not a QEMU dump says what it is not', () => {
    const h = headless();
    const notes = writeCore({ elfClass: 64, cpus: [], notes: [{ name: 'CORE', type: 1, desc: new Uint8Array(336) }], loads: [{ pa: 0, bytes: new Uint8Array(4096) }] });
    expect(h.api.openBytes(notes, 'kdump.elf')).toMatchObject({ ok: false, problem: { field: 'kdump.elf', message: expect.stringMatching(/no "QEMU" CPU-state note/) } });
  });
});
