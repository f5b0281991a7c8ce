/** The explained trace: steps name the structure, index, entry address; the outcome is decoded. */
import { describe, expect, it } from 'vitest';
import { EptBuilder, KiB4, MiB2, PageAllocator, PhysMem, ScenarioBuilder, toU64, traceWalk, type Access, type AccessOp, type Scenario } from './index';

const acc = (va: bigint, op: AccessOp = 'read', cpl: 0 | 3 = 0): Access => ({ va: toU64(va), op, cpl, implicit: false });
const hex = (n: number) => '0x' + n.toString(16);

describe('traceWalk', () => {
  const VA = 0x00007f0040201000n;

  it('one step per reference: structure, index, the address bits, entry address, value, sentence', () => {
    const b = new ScenarioBuilder();
    b.map(VA, 0x200000, MiB2, { w: true, u: true });
    const s = b.scenario();
    const t = traceWalk(s, acc(VA + 0x1234n, 'write', 3));
    expect(t.steps.map((x) => x.structure)).toEqual(['PML4', 'PDPT', 'PD']);
    const idx = [39, 30, 21].map((sh) => Number((VA >> BigInt(sh)) & 511n));
    expect(t.steps.map((x) => x.index)).toEqual(idx);
    expect(t.steps.map((x) => x.indexBits)).toEqual([
      [47, 39],
      [38, 30],
      [29, 21],
    ]);
    expect(t.steps[0].entryAddr).toBe(hex(b.cpu.cr3 + idx[0] * 8));
    expect(t.steps[0].tableBase).toBe(hex(b.cpu.cr3));
    for (const st of t.steps) {
      expect(st.text).toContain(`${st.structure}[${hex(st.index)}]`);
      expect(st.text).toContain(st.entryAddr);
      expect(st.adSet).toContain('A');
    }
    expect(t.steps[0].text).toMatch(/points to the PDPT/);
    expect(t.steps[2].text).toMatch(/maps a 2 MiB page at physical 0x200000/);
    expect(t.steps[2].text).toMatch(/writable, user/);
    expect(t.steps[2].adSet).toEqual(['A', 'D']);
    expect(t.steps[2].entryKind).toBe('leaf');
    expect(t.outcome.outcome).toBe('ok');
    expect(t.outcome.pa).toBe(hex(0x201234 + 0x1000));
    expect(t.outcome.text).toContain('2 MiB');
    expect(t.outcome.text).toContain('Sets the accessed flag in 3 entries and its dirty flag in the leaf.');
    expect(t.writes.length).toBe(3);
  });

  it('a page fault: the stopping step and the decoded error code', () => {
    const b = new ScenarioBuilder();
    b.map(VA, 0x5000, KiB4, { u: true });
    const t = traceWalk(b.scenario(), acc(VA, 'write', 3));
    expect(t.outcome.outcome).toBe('pf');
    expect(t.outcome.ec).toBe('0x7');
    const set = t.outcome.bits.filter((x) => x.set).map((x) => x.name);
    expect(set).toEqual(['P', 'W/R', 'U/S']);
    expect(t.outcome.text).toMatch(/read-only/);
    // Natively there is no guest: the sentence says "entry", not "guest entry".
    expect(t.outcome.text).toMatch(/a fault changes no entry\.$/);
    expect(t.outcome.text).not.toMatch(/guest/);
    expect(t.writes).toEqual([]);
    expect(t.steps.every((x) => x.adSet.length === 0)).toBe(true);

    const np = traceWalk(new ScenarioBuilder().scenario(), acc(VA));
    expect(np.steps.length).toBe(1);
    expect(np.steps[0].stop).toBe(true);
    expect(np.steps[0].text).toMatch(/not present/);
    expect(np.outcome.title).toContain('#PF');
  });

  it('a reserved bit names the bit and MAXPHYADDR', () => {
    const b = new ScenarioBuilder({ maxphyaddr: 40 });
    const leaf = b.map(VA, 0x5000, KiB4);
    const s = b.scenario();
    s.memory.write32(leaf + 4, 1 << 10); // bit 42
    const t = traceWalk(s, acc(VA));
    expect(t.outcome.ec).toBe('0x9');
    const last = t.steps[t.steps.length - 1];
    expect(last.rsvdViolation).toEqual([42]);
    expect(last.text).toMatch(/reserved bit 42/);
    expect(last.text).toMatch(/bit 42 \(above MAXPHYADDR 40\)/);
  });

  it('#GP for a non-canonical address, with no steps', () => {
    const t = traceWalk(new ScenarioBuilder().scenario(), acc(0x0000800000000000n));
    expect(t.steps).toEqual([]);
    expect(t.outcome.outcome).toBe('gp');
    expect(t.outcome.text).toMatch(/not canonical/);
  });

  it('nested: EPT steps say what they translate; an EPT violation decodes the qualification', () => {
    const b = new ScenarioBuilder();
    b.map(VA, 0x7000, KiB4, { w: true, u: true });
    const host = new PhysMem();
    const ept = new EptBuilder(host, new PageAllocator(0x100000), { levels: 4, ad: false });
    for (const pfn of b.mem.pageFrames()) {
      const w = b.mem.pageWords(pfn)!;
      for (let i = 0; i < 1024; i++) if (w[i]) host.write32(pfn * KiB4 + i * 4, w[i]);
      ept.map(pfn * KiB4, pfn * KiB4, KiB4, {});
    }
    ept.map(0x7000, 0x7000, KiB4, { r: true, w: false, x: true });
    const s: Scenario = { cpu: b.cpu, ept: ept.state, memory: host };
    const t = traceWalk(s, acc(VA, 'write', 3));
    expect(t.steps.length).toBe(24);
    expect(t.steps[0].structure).toBe('EPT PML4');
    expect(t.steps[0].purpose).toBe('the guest PML4 table');
    expect(t.steps[0].text).toContain('guest PML4 table');
    expect(t.steps[23].purpose).toBe('the final address');
    expect(t.steps[4].entryGpa).toBe(hex(b.cpu.cr3 + Number((VA >> 39n) & 511n) * 8));
    expect(t.outcome.outcome).toBe('ept_violation');
    expect(t.outcome.qual).toBe('0x1aa');
    const named = t.outcome.bits.filter((x) => x.set).map((x) => x.name);
    expect(named).toEqual(['write', 'R', 'X', 'GLA valid', 'final']);
    expect(t.outcome.title).toContain('0x7000');
  });
});
