/**
 * 64-bit values as two unsigned 32-bit halves, and physical addresses as plain
 * numbers (always below 2^52, so exact in a double). BigInt appears only at the
 * edges (parsing and formatting), never in the walk loop.
 */

export const TWO32 = 4294967296;

/** A 64-bit value split in halves, both unsigned 32-bit. */
export interface U64 {
  lo: number;
  hi: number;
}

export const u64 = (lo: number, hi: number): U64 => ({ lo: lo >>> 0, hi: hi >>> 0 });

/** Mask of bits [high:low] inclusive, as halves. */
export function bitRange(high: number, low: number): U64 {
  let lo = 0;
  let hi = 0;
  for (let b = low; b <= high; b++) {
    if (b < 32) lo |= 1 << b;
    else hi |= 1 << (b - 32);
  }
  return u64(lo, hi);
}

export const or64 = (a: U64, b: U64): U64 => u64(a.lo | b.lo, a.hi | b.hi);
export const and64 = (a: U64, b: U64): U64 => u64(a.lo & b.lo, a.hi & b.hi);
export const isZero64 = (a: U64): boolean => a.lo === 0 && a.hi === 0;

/** Split a number below 2^53 into halves. */
export function splitNum(n: number): U64 {
  return u64(n % TWO32, Math.floor(n / TWO32));
}

/** Join halves into a number; exact when the value is below 2^53. */
export const joinNum = (lo: number, hi: number): number => (hi >>> 0) * TWO32 + (lo >>> 0);

/** Bits 51:12 of an entry as a physical address (a table or 4 KiB frame). */
export const frame52 = (lo: number, hi: number): number => (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);

const HEX_RE = /^0x[0-9a-f]+$/i;

/**
 * Parse a hex string ("0x...", or digits with `_` separators when `loose`) of
 * at most 64 bits. Returns null when it is not one.
 */
export function parseHex64(s: string, loose = false): U64 | null {
  let t = s.trim();
  if (loose) {
    t = t.replace(/_/g, '');
    if (!/^0x/i.test(t)) t = '0x' + t;
  }
  if (!HEX_RE.test(t)) return null;
  const digits = t.slice(2).replace(/^0+(?=.)/, '');
  if (digits.length > 16) return null;
  const v = BigInt('0x' + digits);
  return u64(Number(v & 0xffffffffn), Number(v >> 32n));
}

export function toBig(v: U64): bigint {
  return (BigInt(v.hi >>> 0) << 32n) | BigInt(v.lo >>> 0);
}

export function fromBig(b: bigint): U64 {
  const m = b & 0xffffffffffffffffn;
  return u64(Number(m & 0xffffffffn), Number(m >> 32n));
}

/** Lowercase `0x` hex of a 64-bit value, no leading zeros. */
export function hex64(lo: number, hi: number): string {
  hi >>>= 0;
  lo >>>= 0;
  if (hi === 0) return '0x' + lo.toString(16);
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** Lowercase `0x` hex of a non-negative number below 2^53. */
export const hexNum = (n: number): string => '0x' + n.toString(16);

/** Is bit `b` (0..63) set? */
export const bit64 = (lo: number, hi: number, b: number): boolean =>
  b < 32 ? ((lo >>> b) & 1) === 1 : ((hi >>> (b - 32)) & 1) === 1;

/** Bits [b+n-1:b] of a 64-bit value, n <= 32. */
export function field64(lo: number, hi: number, b: number, n: number): number {
  const m = n === 32 ? 0xffffffff : (1 << n) - 1;
  let v: number;
  if (b >= 32) v = hi >>> (b - 32);
  else if (b + n <= 32) v = lo >>> b;
  else v = (lo >>> b) | (hi << (32 - b));
  return (v & m) >>> 0;
}

/** List the set bit numbers of a 64-bit value, low to high. */
export function setBits(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < 64; b++) if (bit64(lo, hi, b)) out.push(b);
  return out;
}

/** Describe bit numbers as compact ranges: [51,50,49,7] → "51:49, 7". */
export function bitRanges(bits: number[]): string {
  const s = [...bits].sort((a, b) => b - a);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] - 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}:${s[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
