/**
 * Reading what people type into number fields, with messages a person
 * understands: which field, and what is wrong with what they typed. Hex
 * fields take `0x`, upper case, and `_` or spaces between digit groups.
 */

export type Parsed<T> = { value: T } | { error: string };

const show = (t: string): string => (t.length > 24 ? `${t.slice(0, 21)}…` : t);

/** A hex number of at most `bits` bits, normalized to lowercase "0x…". */
export function parseHexInput(text: string, what: string, bits: number, example = '0x7f3a1b2c5123'): Parsed<string> {
  const t = text.trim();
  if (t === '') return { error: `${what}: type a hex number, e.g. ${example}.` };
  if (/^[-−]/.test(t)) return { error: `${what}: “${show(t)}” is negative; ${what} is an unsigned hex number.` };
  let body = t;
  if (/^0x/i.test(body)) body = body.slice(2);
  body = body.replace(/[\s_]+/g, '');
  if (body === '') return { error: `${what}: no digits after 0x.` };
  const bad = /[^0-9a-f]/i.exec(body);
  if (bad) return { error: `${what}: “${bad[0]}” is not a hex digit; use 0–9 and a–f (0x, _ and spaces between groups are fine).` };
  const digits = body.replace(/^0+(?=.)/, '').toLowerCase();
  const width = digits === '0' ? 0 : (digits.length - 1) * 4 + Math.floor(Math.log2(parseInt(digits[0], 16))) + 1;
  if (width > bits) return { error: `${what}: ${show('0x' + digits)} needs ${width} bits; ${what} has at most ${bits} bits (${bits / 4} hex digits).` };
  return { value: '0x' + digits };
}

/** A whole number from `lo` to `hi`. */
export function parseIntInput(text: string, what: string, lo: number, hi: number): Parsed<number> {
  const t = text.trim();
  if (t === '') return { error: `${what}: type a whole number from ${lo} to ${hi}.` };
  if (!/^[-−]?\d+$/.test(t)) return { error: `${what}: “${show(t)}” is not a whole number; type one from ${lo} to ${hi}.` };
  const n = Number(t.replace('−', '-'));
  if (n < lo || n > hi) return { error: `${what}: ${n} is out of range; it must be from ${lo} to ${hi}.` };
  return { value: n };
}

/** The address box: a linear address of the width the paging mode translates. */
export function parseVa(text: string, width: number): Parsed<string> {
  const r = parseHexInput(text, 'Virtual address', 64);
  if ('error' in r) return r;
  if (width === 32 && BigInt(r.value) >= 2n ** 32n) {
    return { error: `Virtual address: ${r.value} is wider than 32 bits, and this paging mode translates 32-bit linear addresses (at most 8 hex digits).` };
  }
  return r;
}
