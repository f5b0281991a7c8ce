import { describe, expect, it } from 'vitest';
import { KiB4, MiB2, ScenarioBuilder } from '../engine';
import { bytesSource } from '../engine/dump';
import { memoryBytes, writeCore } from '../engine/dump/write-core';
import { DumpSession } from './dumpSession';

function core(): Uint8Array {
  const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10000 });
  for (let i = 0; i < 4; i++) b.map(0x40_0000 + i * KiB4, 0x30_0000 + i * KiB4, KiB4, { w: true, u: true });
  b.map(0xffff_8880_0000_0000n, 0x60_0000, MiB2, { w: true, g: true, nx: true });
  const cpu = { cr0: 0x80010001n, cr3: BigInt(b.cpu.cr3), cr4: 0x20n };
  return writeCore({ elfClass: 64, cpus: [cpu, { ...cpu, cr0: 0x11n }], loads: [{ pa: 0, bytes: memoryBytes((pa) => b.mem.read32(pa), 0, 0x40_0000) }] });
}

describe('DumpSession (the worker side of the dump views)', () => {
  it('opens, folds, expands a range, translates with a trace and maps back', () => {
    const s = new DumpSession();
    const info = s.open(bytesSource(core()));
    if (!info.ok) throw new Error(info.problem.message);
    expect(info.value).toMatchObject({ vcpus: 2, cpu: 0, paging: '4', nxe: true, maxphyaddr: 52, truncated: false });
    expect(info.value.summary).toMatchObject({ leaves: 5, ranges: 2, userLeaves: 4, kernelLeaves: 1 });
    const user = s.mappings('user');
    expect(user.total).toBe(1);
    expect(user.ranges[0]).toMatchObject({ start: '0x400000', last: '0x403fff', pages: 4, rights: 'USR RW x', physContiguous: true });
    expect(s.leavesOf(user.ranges[0].first, user.ranges[0].count).map((l) => l.pa)).toEqual(['0x300000', '0x301000', '0x302000', '0x303000']);
    const t = s.translate('0x402abc', 'write', true);
    if (!t.ok) throw new Error(t.problem.message);
    expect(t.value.outcome).toMatchObject({ outcome: 'ok', pa: '0x302abc' });
    expect(t.value.steps.length).toBe(4);
    expect(s.translate('0xffff888000001000').ok).toBe(true);
    expect(s.translate('0x8000000000000000')).toMatchObject({ ok: true });
    expect(s.translate('zz')).toMatchObject({ ok: false, problem: { field: 'va' } });
    const r = s.reverse('0x302abc');
    expect(r).toMatchObject({ ok: true, value: { mapped: [{ va: '0x402abc', size: 4096 }] } });
  });

  it('reports a bad file or a vCPU without paging as a problem, not an exception', () => {
    const s = new DumpSession();
    expect(s.open(bytesSource(new Uint8Array(100)))).toMatchObject({ ok: false, problem: { field: 'file', message: expect.stringMatching(/not an ELF file/) } });
    expect(s.open(bytesSource(core()))).toMatchObject({ ok: true });
    expect(s.configure({ cpu: 1 })).toMatchObject({ ok: false, problem: { field: 'cpu', message: expect.stringMatching(/CR0.PG = 0/) } });
    expect(s.configure({ cpu: 0, nxe: false })).toMatchObject({ ok: true, value: { nxe: false } });
  });
});
