/**
 * Predict mode: the student steps through a walk with the outcome hidden and
 * says, before each reference, which entry it reads (its index), and at the
 * end what the walk gives. `checkPrediction` checks against the engine's
 * trace and explains from it: the address bits that chose the index (the
 * linear address for guest references, the guest-physical address an EPT
 * walk translates for EPT references), or which check ended the walk and
 * which bits of an error code or exit qualification differ.
 */
import { bitRanges, qualBits, type SpaceNames, type Trace } from '../../engine';
import { bitsOf, bitsSentence, cap, finalGpa, fieldValue, guestLeaf, hx, indexSentence, indexSource, namesOf, offsetSentence } from './explain';
import { EC_BITS, parseBitsAnswer, parseHexAnswer } from './parse';

export type PredictAnswer =
  /** The entry index reference k reads; a string is read in `radix` (16 by default, as the app writes indexes) unless it starts with 0x. */
  | { kind: 'index'; index: string | number; radix?: 10 | 16 }
  | { kind: 'ok'; pa: string }
  | { kind: 'pf'; ec: string }
  | { kind: 'gp' }
  | { kind: 'ept_violation'; qual: string }
  | { kind: 'ept_misconfig' };

export interface PredictResult {
  right: boolean;
  /** False when the answer could not be read (`message` says why); nothing is revealed to count against. */
  readable: boolean;
  expected: string;
  explain: string;
  message?: string;
}

const OUTCOME_WORDS: Record<string, string> = { ok: 'a translation', pf: 'a page fault', gp: 'a #GP', ept_violation: 'an EPT violation', ept_misconfig: 'an EPT misconfiguration' };

/** Read an index as typed, in the radix the UI asked for. */
function readIndex(v: string | number, radix: 10 | 16): { ok: true; value: number } | { ok: false; message: string } {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? { ok: true, value: v } : { ok: false, message: 'an index is a whole number from 0' };
  const t = v.trim();
  if (t === '') return { ok: false, message: 'no answer: type the entry index' };
  if (radix === 16 || /^0x/i.test(t)) {
    const p = parseHexAnswer(t);
    return p.ok ? { ok: true, value: Number(p.value) } : p;
  }
  if (!/^\d+$/.test(t)) return { ok: false, message: `"${t}" is not a decimal index (digits 0–9 only; start with 0x for hex)` };
  return { ok: true, value: Number(t) };
}

/** What Reveal shows at reference `at` (or the outcome): the answer and why, with nothing to check. */
export function revealPrediction(trace: Trace, at: number | 'outcome', names: SpaceNames = namesOf(trace)): { expected: string; explain: string } {
  const r = checkPrediction(trace, at, at === 'outcome' ? { kind: 'gp' } : { kind: 'index', index: 0 }, names);
  return { expected: r.expected, explain: r.explain };
}

export function checkPrediction(trace: Trace, at: number | 'outcome', given: PredictAnswer, names: SpaceNames = namesOf(trace)): PredictResult {
  return at === 'outcome' ? checkOutcome(trace, given, names) : checkReference(trace, at, given, names);
}

function checkReference(t: Trace, k: number, given: PredictAnswer, names: SpaceNames): PredictResult {
  const st = t.steps[k];
  if (!Number.isInteger(k) || st === undefined) throw new RangeError(`the walk has references 0 to ${t.steps.length - 1}, not ${k}`);
  const expected = `${st.structure}[${hx(st.index)}] (index ${st.index} in decimal)`;
  const explain = `${cap(indexSentence(t, k, names))}. ${st.text}`;
  if (given.kind !== 'index') return { right: false, readable: false, expected, explain, message: 'before each reference the answer is the index of the entry it reads' };
  const radix = given.radix ?? 16;
  const p = readIndex(given.index, radix);
  if (!p.ok) return { right: false, readable: false, expected, explain, message: p.message };
  const [hi, lo] = st.indexBits;
  const width = hi - lo + 1;
  if (p.value >= 2 ** width) return { right: false, readable: false, expected, explain, message: `${st.structure} indexes run from 0 to ${hx(2 ** width - 1)} (${width} bits)` };
  if (p.value === st.index) return { right: true, readable: true, expected, explain };
  return { right: false, readable: true, expected, explain, message: indexHint(t, k, p.value, given, radix, names) };
}

/** Why an index may be wrong: read in the other radix, or bits of another level, or not these bits at all. */
function indexHint(t: Trace, k: number, v: number, given: PredictAnswer & { kind: 'index' }, radix: 10 | 16, names: SpaceNames): string {
  const st = t.steps[k];
  if (typeof given.index === 'string' && /^\d+$/.test(given.index.trim())) {
    const other = Number.parseInt(given.index.trim(), radix === 16 ? 10 : 16);
    if (other === st.index) return `${given.index.trim()} read as ${radix === 16 ? 'decimal' : 'hex'} would be right: indexes here are ${radix === 16 ? 'hex' : 'decimal'}.`;
  }
  const src = indexSource(t, k, names);
  if (src !== null) {
    for (const o of t.steps) {
      if (o.kind !== st.kind || o.indexBits[1] === st.indexBits[1]) continue;
      if (bitsOf(src.addr, o.indexBits[0], o.indexBits[1]) === BigInt(v)) return `${hx(v)} is bits ${o.indexBits[0]}:${o.indexBits[1]} of ${src.space} ${hx(src.addr)}, the ${o.structure} index; the ${st.structure} uses bits ${st.indexBits[0]}:${st.indexBits[1]}.`;
    }
  }
  return `${hx(v)} is not ${st.structure}[${hx(st.index)}]: ${indexSentence(t, k, names)}.`;
}

function checkOutcome(t: Trace, given: PredictAnswer, names: SpaceNames): PredictResult {
  const o = t.outcome;
  const expected = o.title;
  const lines = [o.text];
  if (o.outcome === 'ok') lines.push(offsetSentence(t, names) ?? '');
  if (o.outcome === 'pf' || o.outcome === 'ept_violation') lines.push(`${o.outcome === 'pf' ? 'Error code' : 'Exit qualification'} ${bitsSentence(t)}`);
  const explain = lines.filter(Boolean).join('\n');
  const wrong = (message: string): PredictResult => ({ right: false, readable: true, expected, explain, message });
  const unreadable = (message: string): PredictResult => ({ right: false, readable: false, expected, explain, message });
  if (given.kind === 'index') return unreadable('at the end the answer is the outcome: a physical address, a fault with its error code, #GP, or an EPT exit');
  if (given.kind !== o.outcome) return wrong(`The walk ends with ${OUTCOME_WORDS[o.outcome]}, not ${OUTCOME_WORDS[given.kind]}: ${stopWords(t)}`);
  switch (given.kind) {
    case 'ok': {
      const p = parseHexAnswer(given.pa);
      if (!p.ok) return unreadable(p.message);
      const want = BigInt(o.pa!);
      if (p.value === want) return { right: true, readable: true, expected, explain };
      return wrong(paHint(t, p.value, want, names));
    }
    case 'pf': {
      const p = parseBitsAnswer(given.ec);
      if (!p.ok) return unreadable(p.message);
      const want = Number(o.ec);
      if (p.value === want) return { right: true, readable: true, expected, explain };
      const diffs = o.bits.filter((b) => ((p.value ^ want) >>> b.bit) & 1).map((b) => `${EC_BITS[b.bit]?.name ?? b.name} (bit ${b.bit}) should be ${b.set ? 'set' : 'clear'}: ${b.meaning}`);
      return wrong(`${hx(p.value)} ≠ ${o.ec}: ${diffs.join('; ') || `bits ${bitRanges(bitList(p.value & ~0x3f))} are not error-code bits here`}.`);
    }
    case 'ept_violation': {
      const p = parseHexAnswer(given.qual);
      if (!p.ok) return unreadable(p.message);
      const want = Number(o.qual);
      const got = Number(p.value & 0xffffn);
      if (p.value === BigInt(want)) return { right: true, readable: true, expected, explain };
      const mine = qualBits(got);
      const diffs = o.bits.filter((b, i) => b.set !== mine[i].set).map((b) => `bit ${b.bit} (${b.name}) should be ${b.set ? 'set' : 'clear'}: ${b.meaning}`);
      return wrong(`${hx(p.value)} ≠ ${o.qual}: ${diffs.join('; ') || 'bits above 8 are not part of this qualification'}.`);
    }
    default:
      // #GP and an EPT misconfiguration carry no code: the kind is the whole answer.
      return { right: true, readable: true, expected, explain };
  }
}

const bitList = (m: number): number[] => Array.from({ length: 32 }, (_, i) => i).filter((i) => (m >>> i) & 1);

/** Where and why the walk stopped, in the engine's words (the last reference's sentence, or the rights check). */
function stopWords(t: Trace): string {
  const stop = t.steps.find((s) => s.stop);
  return stop ? stop.text : t.outcome.text;
}

function paHint(t: Trace, v: bigint, want: bigint, names: SpaceNames): string {
  const gpa = finalGpa(t);
  if (t.eptLevels > 0 && gpa !== null && v === gpa) return `${hx(v)} is the ${names.guest} address; EPT maps it to ${names.host} ${hx(want)}.`;
  if (v === BigInt(t.va)) return `${hx(v)} is the ${names.linear} address itself.`;
  const leaf = guestLeaf(t);
  const base = leaf ? fieldValue(leaf, 'Address') : null;
  if (leaf && base !== null && (v === BigInt(base) || v === want - (BigInt(t.va) & ((1n << BigInt(leaf.indexBits[1])) - 1n)))) return `${hx(v)} is the page's base: add the offset, bits ${leaf.indexBits[1] - 1}:0 of ${names.linear} ${t.va}.`;
  const diff: number[] = [];
  for (let x = v ^ want, i = 0; x > 0n; x >>= 1n, i++) if (x & 1n) diff.push(i);
  return `${hx(v)} differs from the answer in bit${diff.length > 1 ? 's' : ''} ${bitRanges(diff)}.`;
}
