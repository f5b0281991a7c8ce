/**
 * Checking a quiz answer as a person typed it. The comparison is with the
 * answer the engine computed when the question was made; a wrong answer gets
 * what is wrong with it (a known trap's reason, the bits that differ, the ids
 * missing or extra) before the question's own explanation. An answer that
 * cannot be read is not wrong: `readable` is false and `message` says why, so
 * the UI can let the student type again without revealing anything.
 */
import { bitRanges } from '../../engine';
import { EC_BITS, parseBitsAnswer, parseHexAnswer, parseIntAnswer, parseSetAnswer } from './parse';
import { hx } from './explain';
import type { Question } from './types';

export interface CheckResult {
  right: boolean;
  /** False when the answer could not be read (then `message` says why). */
  readable: boolean;
  expected: string;
  explain: string;
  /** What is wrong with the answer, in words. */
  message?: string;
}

/** The bits where two values differ, as "bit 12" / "bits 21:20, 12". */
function bitDiff(a: bigint, b: bigint): number[] {
  const out: number[] = [];
  for (let x = a ^ b, i = 0; x > 0n; x >>= 1n, i++) if (x & 1n) out.push(i);
  return out;
}

/** "bit 6 is" / "bits 7:6 are". */
const bitWords = (bits: number[]): string => (bits.length === 1 ? `bit ${bits[0]} is` : `bits ${bitRanges(bits)} are`);

const trapFor = (q: Question, canonical: string): string | undefined => q.traps.find((t) => t.answer === canonical)?.why;

export function checkQuizAnswer(q: Question, given: string): CheckResult {
  const base = { expected: q.answerText, explain: q.explain };
  const unreadable = (message: string): CheckResult => ({ right: false, readable: false, ...base, message });
  switch (q.answerKind) {
    case 'hex': {
      const p = parseHexAnswer(given);
      if (!p.ok) return unreadable(p.message);
      const want = BigInt(q.answer);
      if (p.value === want) return { right: true, readable: true, ...base };
      const diff = bitDiff(p.value, want);
      const message = trapFor(q, hx(p.value)) ?? `${hx(p.value)} differs from the answer in ${bitWords(diff).replace(/ (is|are)$/, '')}.`;
      return { right: false, readable: true, ...base, message };
    }
    case 'int': {
      const p = parseIntAnswer(given);
      if (!p.ok) return unreadable(p.message);
      const want = Number(q.answer);
      if (p.value === want) return { right: true, readable: true, ...base };
      const message = trapFor(q, String(p.value)) ?? `${p.value} is ${p.value < want ? 'too few' : 'too many'}.`;
      return { right: false, readable: true, ...base, message };
    }
    case 'bits': {
      const p = parseBitsAnswer(given);
      if (!p.ok) return unreadable(p.message);
      const want = Number(q.answer);
      if (p.value === want) return { right: true, readable: true, ...base };
      const named = (mask: number) => EC_BITS.filter((b) => (mask >>> b.bit) & 1).map((b) => `${b.name} (bit ${b.bit})`);
      const missing = named(want & ~p.value);
      const extra = named(p.value & ~want);
      const unknown = p.value & ~0x3f;
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `${extra.join(', ')} should be clear` : '', unknown ? `${bitWords(bitDiff(BigInt(unknown), 0n))} not a page-fault error-code bit here` : ''];
      return { right: false, readable: true, ...base, message: `${hx(p.value)}: ${parts.filter(Boolean).join('; ')}.` };
    }
    case 'set': {
      const p = parseSetAnswer(given);
      if (!p.ok) return unreadable(p.message);
      const ids = q.choices?.map((c) => c.id) ?? [];
      const strangers = p.value.filter((id) => !ids.includes(id));
      if (strangers.length) return unreadable(`${strangers.map((x) => `#${x}`).join(', ')} ${strangers.length > 1 ? 'are' : 'is'} not among the choices (${ids.map((x) => `#${x}`).join(', ')})`);
      const want = q.answer === 'none' ? [] : q.answer.split(', ');
      const missing = want.filter((id) => !p.value.includes(id));
      const extra = p.value.filter((id) => !want.includes(id));
      if (missing.length === 0 && extra.length === 0) return { right: true, readable: true, ...base };
      const parts = [missing.length ? `${missing.map((x) => `#${x}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} zapped too` : '', extra.length ? `${extra.map((x) => `#${x}`).join(', ')} ${extra.length > 1 ? 'are' : 'is'} not zapped` : ''];
      return { right: false, readable: true, ...base, message: `${parts.filter(Boolean).join('; ')}.` };
    }
  }
}
