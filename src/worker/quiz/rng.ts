/**
 * A small seeded PRNG for quizzes (and the benchmarks' scenarios and the
 * real-guest tests' address samples). mulberry32 uses only 32-bit integer
 * operations (Math.imul, shifts), so the same seed gives the same sequence on
 * every machine and engine — what lets a whole class share a quiz by a seed in
 * a link. Not for anything secret.
 */

const TWO32 = 4294967296;

/** Fold an integer seed (any safe integer, as typed into a link) into 32 bits. */
export function seedWord(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`a quiz seed must be a whole number (got ${seed})`);
  const lo = ((seed % TWO32) + TWO32) % TWO32;
  const hi = Math.floor(seed / TWO32);
  return mix(lo, hi | 0);
}

/** Hash 32-bit words into one (murmur3's finalizer per word): derives independent streams from (topic, seed, question). */
export function mix(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The next 32-bit unsigned integer (mulberry32). */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1): exactly u32 / 2^32, so no platform rounding differs. */
  float(): number {
    return this.u32() / TWO32;
  }

  /** An integer in [lo, hi], both inclusive (hi − lo below 2^32). */
  int(lo: number, hi: number): number {
    if (!(hi >= lo)) throw new RangeError(`empty range ${lo}..${hi}`);
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** A number of `n` random bits (n ≤ 52), exact. */
  bits(n: number): number {
    if (n <= 0) return 0;
    if (n <= 32) return this.u32() >>> (32 - n);
    const hi = this.u32() >>> (64 - n);
    return hi * TWO32 + this.u32();
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.float() * items.length)];
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function floats(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}
