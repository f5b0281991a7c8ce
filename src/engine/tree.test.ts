import { describe, expect, it } from 'vitest';
import { GiB1, KiB4, MiB2, ScenarioBuilder, classify, collectTree, leaves } from './index';

describe('collectTree', () => {
  it('lists whole tables with every non-zero entry classified, and every leaf with its address', () => {
    const b = new ScenarioBuilder();
    b.map(0x1000n, 0x11000, KiB4);
    b.map(0x2000n, 0x12000, KiB4);
    b.map(0x40000000n, 0x80000000, MiB2);
    b.map(0x8000000000n, 0x40000000, GiB1);
    const t = collectTree(b.format, b.mem, b.cpu.cr3);
    expect(t.truncated).toBe(false);
    const byLevel = (l: number) => t.tables.filter((x) => x.level === l);
    expect([4, 3, 2, 1].map((l) => byLevel(l).length)).toEqual([1, 2, 2, 1]);
    expect(byLevel(1)[0].entries.map((e) => [e.index, e.kind, e.target])).toEqual([
      [1, 'leaf', 0x11000],
      [2, 'leaf', 0x12000],
    ]);
    expect(t.tables.find((x) => x.id === t.rootId)!.entryCount).toBe(512);
    const ls = [...leaves(b.format, t)].map((l) => [l.va, l.pa, l.size]).sort((a, c) => a[0] - c[0]);
    expect(ls).toEqual([
      [0x1000, 0x11000, KiB4],
      [0x2000, 0x12000, KiB4],
      [0x40000000, 0x80000000, MiB2],
      [0x8000000000, 0x40000000, GiB1],
    ]);
  });

  it('lists a shared table once, with an edge from every entry that points to it', () => {
    const b = new ScenarioBuilder();
    b.map(0x1000n, 0x11000, KiB4);
    const t0 = collectTree(b.format, b.mem, b.cpu.cr3);
    const pdpt = t0.tables.find((x) => x.level === 3)!;
    // Point a second PDPT entry at the same PD.
    const e = pdpt.entries[0];
    b.mem.write64(pdpt.base + 5 * 8, e.lo, e.hi);
    const t = collectTree(b.format, b.mem, b.cpu.cr3);
    const pds = t.tables.filter((x) => x.level === 2);
    expect(pds.length).toBe(1);
    const p3 = t.tables.find((x) => x.level === 3)!;
    expect(p3.children).toEqual([
      { index: 0, id: pds[0].id },
      { index: 5, id: pds[0].id },
    ]);
    expect(t.tables.length).toBe(4);
    // Both aliases show up as leaves.
    expect([...leaves(b.format, t)].map((l) => l.va).sort((a, c) => a - c)).toEqual([0x1000, 5 * 2 ** 30 + 0x1000]);
  });

  it('classifies not-present, reserved, table and leaf entries as the walker does', () => {
    const f = new ScenarioBuilder({ maxphyaddr: 40 }).format;
    expect(classify(f, 1, 0x1000, 0)).toBe('not-present');
    expect(classify(f, 1, 0x1001, 0x100)).toBe('reserved');
    expect(classify(f, 2, 0x200081, 0)).toBe('leaf');
    expect(classify(f, 2, 0x202081, 0)).toBe('reserved'); // bit 13: 2 MiB alignment
    expect(classify(f, 2, 0x201081, 0)).toBe('leaf'); // bit 12 is PAT
    expect(classify(f, 2, 0x3001, 0)).toBe('table');
    expect(classify(f, 4, 0x3081, 0)).toBe('reserved');
  });

  it('stops at maxTables', () => {
    const b = new ScenarioBuilder();
    for (let i = 0; i < 10; i++) b.map(BigInt(i) * 2n ** 30n, 0x1000 * (i + 1), KiB4);
    const t = collectTree(b.format, b.mem, b.cpu.cr3, { maxTables: 5 });
    expect(t.truncated).toBe(true);
    expect(t.tables.length).toBe(5);
  });
});
