import { describe, expect, it } from 'vitest';
import { EptBuilder, KiB4, MiB2, PageAllocator } from '../build';
import { PhysMem } from '../memory';
import { READ, WRITE } from '../walk';
import { NestedEptMachine, nestedDepths, type NestedRule } from './nested-ept';
import { decodeRole } from './role';

const SLOT = { gpa: 0, hpa: 0x2_0000_0000, size: 0x4000_0000 };

function setup(rule: NestedRule, host: 4 | 5, levels: 4 | 5 = 4) {
  const mem = new PhysMem();
  const b = new EptBuilder(mem, new PageAllocator(0x10_0000), { levels, ad: false, maxphyaddr: 52 });
  const leaf = b.map(0x8000_1000, 0x30_1000, KiB4, { r: true, w: true, x: false });
  b.map(0x4000_0000, 0x20_0000, MiB2, { r: true, w: false, x: true });
  const m = new NestedEptMachine({ l1Memory: mem, slots: [SLOT], ept12: { levels, root: b.state.root, ad: false, execonly: false }, hostEptLevels: host, l1MaxPhyAddr: 52, rule });
  return { m, b, mem, leaf };
}

describe('nested EPT', () => {
  it('today (v5.7+): EPT02 takes EPT12 depth; built on EPT violations, then used without exits', () => {
    const { m } = setup('v5.7+', 5, 4);
    expect([m.ept01Levels, m.ept02Levels, m.eptp02Levels]).toEqual([5, 4, 4]);
    expect(m.access(0x8000_1234, WRITE)).toEqual({ outcome: 'ok', hpa: 0x2_0030_1234 });
    expect(m.counters.eptViolationExits).toBe(1);
    expect(m.access(0x8000_1ff8, READ)).toEqual({ outcome: 'ok', hpa: 0x2_0030_1ff8 });
    expect(m.counters.eptViolationExits).toBe(1);
    expect(m.drainEvents().some((e) => e.type === 'exit' && /exit: EPT violation/.test(e.text))).toBe(true);
    expect(decodeRole(m.root.role)).toMatchObject({ level: 4, guestMode: true, adDisabled: true });
    // A large EPT12 page becomes a direct EPT02 page of 4 KiB SPTEs; rights follow EPT12.
    expect(m.access(0x4012_3456, READ)).toEqual({ outcome: 'ok', hpa: 0x2_0032_3456 });
    expect(m.access(0x4012_3456, WRITE)).toMatchObject({ outcome: 'ept_violation', gpa: 0x4012_3456 });
    expect(m.access(0x9000_0000, READ)).toMatchObject({ outcome: 'ept_violation' });
  });

  it('with EPT5 exposed, a 5-level EPT12 gets a 5-level EPT02', () => {
    const { m } = setup('v5.7+', 5, 5);
    expect([m.ept02Levels, m.eptp02Levels]).toEqual([5, 5]);
    expect(m.access(0x8000_1234, READ)).toEqual({ outcome: 'ok', hpa: 0x2_0030_1234 });
    expect(() => setup('v5.7+', 4, 5)).toThrow(/5-level/);
    expect(() => setup('v5.6-fixed4', 5, 5)).toThrow(/5-level/);
  });

  it('v5.6 fixed both at 4: correct on a 5-level host', () => {
    const { m } = setup('v5.6-fixed4', 5);
    expect([m.ept01Levels, m.ept02Levels, m.eptp02Levels]).toEqual([5, 4, 4]);
    expect(m.access(0x8000_1234, READ).outcome).toBe('ok');
  });

  it('the 2020 bug: a 4-level EPT02 walked as 5 levels, L2 hangs', () => {
    const { m } = setup('v4.14-2020-bug', 5);
    expect([m.ept02Levels, m.eptp02Levels]).toEqual([4, 5]);
    const r = m.access(0x8000_1234, READ);
    expect(r.outcome).toBe('hang');
    expect(m.counters.eptViolationExits).toBeGreaterThan(1);
    const walk = m.explainHang(0x8000_1234);
    expect(walk.result).not.toBe('ok');
    expect(walk.steps[0]).toMatchObject({ cpuLevel: 5, spLevel: 4 });
    expect(walk.steps[0].note).toMatch(/really a level-4 table/);
    // Every table the CPU reaches is one level off from what KVM built.
    for (const s of walk.steps) if (s.spLevel !== null) expect(s.spLevel).toBe(s.cpuLevel - 1);
    // On a 4-level host the same code is fine: EPTP02 says 4.
    expect(setup('v4.14-2020-bug', 4).m.access(0x8000_1234, READ).outcome).toBe('ok');
    expect(nestedDepths('v4.14-2020-bug', 5, 52, 4)).toMatchObject({ ept02: 4, eptp02: 5 });
    expect(nestedDepths('v4.14-2020-bug', 5, 46, 4)).toMatchObject({ ept01: 4, eptp02: 4 });
  });

  it('EPT12 pages are write-protected: a PTE edit unsyncs (stale until INVEPT), an upper edit zaps', () => {
    const { m, leaf } = setup('v5.7+', 5);
    m.access(0x8000_1000, READ);
    m.l1Store(leaf, 0x30_5000 | 7, 0);
    expect(m.access(0x8000_1000, READ)).toEqual({ outcome: 'ok', hpa: 0x2_0030_1000 });
    m.invept();
    expect(m.access(0x8000_1000, READ)).toEqual({ outcome: 'ok', hpa: 0x2_0030_5000 });
    const pd = m.store.live().find((p) => p.level === 2 && !p.direct)!;
    m.l1Store(pd.gfn * 4096 + 8 * 0, 0, 0);
    expect(m.counters.trackedWriteExits).toBe(1);
    expect(m.access(0x8000_1000, READ)).toEqual({ outcome: 'ept_violation', gpa: 0x8000_1000, qual: 1 });
  });
});
