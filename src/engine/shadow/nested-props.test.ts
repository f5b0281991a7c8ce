/**
 * Nested EPT property: under today's rule and the 5.6 one, on 4- and 5-level
 * hosts, random L2 accesses, L1 edits of EPT12 entries at every level and
 * INVEPT: every L2 result is the fresh EPT12 walk resolved through the
 * memslots, or (between an EPT12 edit and the INVEPT that covers it) a
 * translation that was valid since the last INVEPT.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EptBuilder, KiB4, MiB2, PageAllocator } from '../build';
import { PhysMem } from '../memory';
import { FETCH, READ, WRITE, type OpCode } from '../walk';
import { NestedEptMachine, type NestedRule } from './nested-ept';

const SLOT = { gpa: 0, hpa: 0x2_0000_0000, size: 0x4000_0000 };
const GPAS = [0x8000_1000, 0x8000_2000, 0x8000_3000, 0x8040_0000, 0x4000_0000 + 0x12_3000, 0x1_0000_5000, 0x7f_c000_0000 + 0x3000];

type Op = { t: 'access'; g: number; kind: OpCode } | { t: 'edit'; e: number; mut: number; arg: number } | { t: 'invept' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('access' as const), g: fc.nat(GPAS.length - 1), kind: fc.constantFrom<OpCode>(READ, WRITE, FETCH) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('edit' as const), e: fc.nat(100), mut: fc.nat(5), arg: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('invept' as const) }) },
);

function run(rule: NestedRule, host: 4 | 5, levels: 4 | 5, rights: number[], ops: Op[]): void {
  const mem = new PhysMem();
  const b = new EptBuilder(mem, new PageAllocator(0x10_0000), { levels, maxphyaddr: 46 });
  GPAS.forEach((g, i) => {
    const r = rights[i % rights.length] || 1;
    const large = i === 4;
    b.map(large ? g - (g % MiB2) : g, large ? 0x20_0000 : 0x30_0000 + i * KiB4, large ? MiB2 : KiB4, { r: (r & 1) !== 0 || (r & 2) !== 0, w: (r & 2) !== 0, x: (r & 4) !== 0 });
  });
  const entries = new Set<number>();
  const tables = new Set<number>();
  const m = new NestedEptMachine({ l1Memory: mem, slots: [SLOT], ept12: b.state, hostEptLevels: host, l1MaxPhyAddr: 46, rule, collectEvents: false });
  for (const g of GPAS) {
    // Collect every EPT12 entry on each path (a walk that records addresses).
    let base = b.state.root;
    for (let l = levels; l >= 1; l--) {
      const a = base + (Math.floor(g / 2 ** (3 + 9 * l)) % 512) * 8;
      entries.add(a);
      tables.add(base);
      const lo = mem.read32(a);
      if ((lo & 7) === 0 || (l > 1 && (lo & 0x80) !== 0)) break;
      base = (lo & 0xfffff000) >>> 0;
    }
  }
  const ents = [...entries];
  const tbls = [...tables];
  const valid = GPAS.map(() => new Set<string>());
  const observe = () =>
    GPAS.forEach((g, i) => {
      for (const k of [READ, WRITE, FETCH] as OpCode[]) {
        const w = m.walkEpt12Pure(g, k);
        if (w !== null) valid[i].add(`${k}:${w}`);
      }
    });
  observe();
  for (const op of ops) {
    if (op.t === 'access') {
      const g = GPAS[op.g];
      const fresh = m.walkEpt12Pure(g, op.kind);
      const r = m.access(g, op.kind);
      if (r.outcome === 'ok') {
        expect(r.hpa === fresh || valid[op.g].has(`${op.kind}:${r.hpa}`), `L2 ${g.toString(16)} → ${r.hpa.toString(16)}, fresh ${fresh}`).toBe(true);
      } else {
        expect(r.outcome).not.toBe('hang');
        expect(fresh, `L2 ${g.toString(16)} faulted (${r.outcome}) but EPT12 maps it`).toBeNull();
      }
    } else if (op.t === 'edit') {
      const a = ents[op.e % ents.length];
      const lo = mem.read32(a);
      const nlo = [lo ^ 1, lo ^ 2, lo ^ 4, 0, ((lo & 0xfff) | tbls[op.arg % tbls.length]) >>> 0, ((lo & 0xfff) | (0x31_0000 + (op.arg % 64) * 4096)) >>> 0][op.mut];
      m.l1Store(a, nlo >>> 0, mem.read32(a + 4));
      observe();
    } else {
      m.invept();
      valid.forEach((s) => s.clear());
      observe();
    }
  }
}

describe('nested EPT transparency (property)', () => {
  const combos: [NestedRule, 4 | 5, 4 | 5][] = [
    ['v5.7+', 4, 4],
    ['v5.7+', 5, 4],
    ['v5.7+', 5, 5],
    ['v5.6-fixed4', 5, 4],
  ];
  for (const [rule, host, levels] of combos) {
    it(`${rule}, ${host}-level host, ${levels}-level EPT12`, () => {
      fc.assert(
        fc.property(fc.array(fc.nat(7), { minLength: 7, maxLength: 7 }), fc.array(opArb, { minLength: 20, maxLength: 100, size: 'max' }), (rights, ops) => run(rule, host, levels, rights, ops)),
        { numRuns: 80 },
      );
    }, 60000);
  }
});
