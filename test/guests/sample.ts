/**
 * Addresses to ask QEMU's gva2gpa about, drawn with a seeded generator (the
 * same dump gives the same sample): inside listed pages, anywhere in the
 * linear address space, and at the edges of the folded ranges (first and last
 * byte, the byte before and the byte after), where an off-by-one would show.
 */
import type { LeafTable, MappingRange } from '../../src/engine/dump';
import { floats } from '../../src/worker/quiz/rng';

/** mulberry32: a small seeded generator in [0, 1). */
export const rng = floats;

export interface SampleCounts {
  inLeaves: number;
  anywhere: number;
  edges: number;
}

/** Linear addresses (not sign-extended), distinct, in sample order. */
export function sampleAddresses(t: LeafTable, ranges: MappingRange[], seed: number, n: SampleCounts = { inLeaves: 250, anywhere: 100, edges: 150 }): number[] {
  const r = rng(seed);
  const space = 2 ** t.format.addressBits;
  const out = new Set<number>();
  const int = (k: number) => Math.floor(r() * k);
  for (let i = 0; i < n.inLeaves && t.n > 0; i++) {
    const j = int(t.n);
    out.add(t.va[j] + int(t.size(j)));
  }
  // Uniform over the space: the high bits from one draw, the low 32 from another (exact below 2^57).
  for (let i = 0; i < n.anywhere; i++) out.add(Math.floor(r() * (space / 4294967296)) * 4294967296 + int(4294967296));
  for (let i = 0; i < n.edges && ranges.length > 0; i++) {
    const g = ranges[int(ranges.length)];
    const pick = [g.start, g.end - 1, g.end, g.start - 1][i % 4];
    if (pick >= 0 && pick < space) out.add(pick);
  }
  return [...out];
}
