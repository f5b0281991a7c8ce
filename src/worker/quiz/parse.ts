/**
 * Reading answers as people type them: hex with or without 0x, with _ or
 * spaces between digit groups, any case; whole numbers; error-code bits by
 * name (P W U RSVD I/D PK, with the SDM's W/R and U/S too) or as a hex code;
 * sets of ids in any order. When an answer cannot be read, the result says
 * why in words ("no digits after 0x").
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const bad = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** A hex number as typed: "0x3A5C_123", "3a5c123", "0x 3a5c 123". At most 64 bits. */
export function parseHexAnswer(text: string): Parsed<bigint> {
  let t = text.trim();
  if (t === '') return bad('no answer: type a hex number such as 0x1f000');
  if (/^-/.test(t)) return bad('an address is never negative');
  let prefixed = false;
  if (/^0x/i.test(t)) {
    prefixed = true;
    t = t.slice(2);
  } else if (/^[0-9a-f_\s]*h$/i.test(t)) t = t.slice(0, -1); // 1f000h, the assembler's way
  const digits = t.replace(/[_\s']/g, '');
  if (digits === '') return bad(prefixed ? 'no digits after 0x' : 'no hex digits');
  const wrong = /[^0-9a-f]/i.exec(digits);
  if (wrong) return bad(`"${wrong[0]}" is not a hex digit (0–9, a–f)`);
  const v = BigInt('0x' + digits);
  if (v >= 1n << 64n) return bad(`${digits.replace(/^0+/, '').length} hex digits is more than 64 bits`);
  return { ok: true, value: v };
}

/** A whole number as typed: "24", "1_000", or "0x18". */
export function parseIntAnswer(text: string): Parsed<number> {
  const t = text.trim().replace(/[_\s,']/g, '');
  if (t === '') return bad('no answer: type a whole number such as 24');
  if (/^0x/i.test(t)) {
    const h = parseHexAnswer(t);
    return h.ok ? { ok: true, value: Number(h.value) } : h;
  }
  if (/^-\d+$/.test(t)) return bad('a count is never negative');
  if (/^\d+\.\d*$/.test(t)) return bad('a count is a whole number (no decimal point)');
  const wrong = /[^0-9]/.exec(t);
  if (wrong) return bad(`"${wrong[0]}" is not a decimal digit`);
  const v = Number(t);
  if (!Number.isSafeInteger(v)) return bad('that number is too large');
  return { ok: true, value: v };
}

/** Page-fault error-code bits, with the names people use for them. */
export const EC_BITS: readonly { bit: number; name: string; aliases: readonly string[] }[] = [
  { bit: 0, name: 'P', aliases: ['P', 'PRESENT', 'PROT', 'PROTECTION'] },
  { bit: 1, name: 'W', aliases: ['W', 'W/R', 'R/W', 'WR', 'RW', 'WRITE'] },
  { bit: 2, name: 'U', aliases: ['U', 'U/S', 'US', 'USER'] },
  { bit: 3, name: 'RSVD', aliases: ['RSVD', 'RSV', 'RES', 'RESERVED'] },
  { bit: 4, name: 'I/D', aliases: ['I/D', 'ID', 'I', 'FETCH', 'INSTR', 'INSTRUCTION'] },
  { bit: 5, name: 'PK', aliases: ['PK', 'PKEY', 'PKU', 'KEY'] },
];

/** The names of an error code's set bits, low first ("P W U"). */
export const ecNames = (ec: number): string[] => EC_BITS.filter((b) => (ec >>> b.bit) & 1).map((b) => b.name);

const NONE = ['NONE', '0', '-', 'NO BITS', 'EMPTY', 'NOTHING'];

/**
 * An error code as bit names ("P W U", "p|w|u", "W/R, U/S") or a hex code
 * ("0x7", "7": a bare number is read as hex, as error codes are written).
 */
export function parseBitsAnswer(text: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return bad('no answer: give the error code in hex (0x7) or its bits by name (P W U)');
  if (NONE.includes(t.toUpperCase())) return { ok: true, value: 0 };
  if (/^(0x)?[0-9a-f_]+$/i.test(t) && !/^[a-f]+$/i.test(t.replace(/^0x/i, ''))) {
    const h = parseHexAnswer(t);
    if (!h.ok) return h;
    if (h.value > 0xffffn) return bad(`${t} is not an error code: its bits are 0–5 (and 15 for SGX)`);
    return { ok: true, value: Number(h.value) };
  }
  if (/^0x$/i.test(t)) return bad('no digits after 0x');
  let ec = 0;
  for (const raw of t.split(/[\s,|+;&]+/).filter(Boolean)) {
    const tok = raw.toUpperCase().replace(/^\(|\)$/g, '');
    const b = EC_BITS.find((x) => x.aliases.includes(tok));
    if (!b) return bad(`"${raw}" is not an error-code bit: use P, W, U, RSVD, I/D and PK (or a hex code such as 0x7)`);
    ec |= 1 << b.bit;
  }
  return { ok: true, value: ec };
}

/** A set of ids: "#3, #5", "5 3", "{3,5}", or "none". Duplicates count once. */
export function parseSetAnswer(text: string): Parsed<string[]> {
  const t = text.trim().replace(/^[{[(]|[}\])]$/g, '').trim();
  if (text.trim() === '') return bad('no answer: list the ids (such as 3, 5), or "none"');
  if (t === '' || NONE.includes(t.toUpperCase()) || t === '∅') return { ok: true, value: [] };
  const ids: string[] = [];
  for (const raw of t.split(/[\s,;]+|\band\b/i).filter(Boolean)) {
    const m = /^#?(\d+)$/.exec(raw);
    if (!m) return bad(`"${raw}" is not an id: list ids such as #3, #5 (or "none")`);
    const id = String(Number(m[1]));
    if (!ids.includes(id)) ids.push(id);
  }
  return { ok: true, value: ids.sort((a, b) => Number(a) - Number(b)) };
}
