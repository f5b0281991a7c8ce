/**
 * Explanations read off the engine's trace (never re-derived paging rules):
 * which address bits chose each index, the engine's own sentence for each
 * entry, the EPT walks that came before each guest reference, and the last
 * step from page base plus offset to the answer.
 */
import { EPT_NAMES, NATIVE_NAMES, sizeName, type SpaceNames, type Trace, type TraceStep } from '../../engine';

export const hx = (n: number | bigint): string => '0x' + n.toString(16);

/** The names a trace's sentences use: EPT's when it has EPT references (the quiz never makes nested traces). */
export const namesOf = (t: Trace): SpaceNames => (t.eptLevels > 0 ? EPT_NAMES : NATIVE_NAMES);

/** A decoded field's value (the engine decodes "Address" as the page or table base). */
export function fieldValue(st: TraceStep, name: string): number | null {
  const f = st.fields.find((x) => x.name === name);
  return f ? f.value : null;
}

/** Bits [hi:lo] of a 64-bit address. */
export const bitsOf = (addr: bigint, hi: number, lo: number): bigint => (addr >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);

/** The guest's leaf step of a walk that reached one, else null. */
export function guestLeaf(t: Trace): TraceStep | null {
  for (let k = t.steps.length - 1; k >= 0; k--) if (t.steps[k].kind === 'g') return t.steps[k].entryKind === 'leaf' ? t.steps[k] : null;
  return null;
}

/** The final guest-physical address (leaf page base + the linear address's offset), when the guest walk reached a leaf. */
export function finalGpa(t: Trace): bigint | null {
  const leaf = guestLeaf(t);
  const base = leaf ? fieldValue(leaf, 'Address') : null;
  if (leaf === null || base === null) return null;
  return BigInt(base) + (BigInt(t.va) & ((1n << BigInt(leaf.indexBits[1])) - 1n));
}

/**
 * The guest-physical address an EPT reference's walk translates: a guest
 * entry's own address (read off the guest reference that follows the EPT
 * walk), the final address, or — when the EPT walk failed and nothing
 * follows — the exit's guest-physical address (FORMAT.md rule 8).
 */
export function eptWalkGpa(t: Trace, k: number): bigint | null {
  const st = t.steps[k];
  if (st.kind !== 'e') return null;
  if (st.target !== 0) {
    for (let j = k + 1; j < t.steps.length; j++) {
      const g = t.steps[j];
      if (g.kind === 'g') return g.entryGpa !== null ? BigInt(g.entryGpa) : null;
    }
  } else {
    const f = finalGpa(t);
    if (f !== null) return f;
  }
  return t.outcome.gpa !== null ? BigInt(t.outcome.gpa) : null;
}

/** What reference k's index is read from: the linear address, or the guest-physical address an EPT walk translates. */
export function indexSource(t: Trace, k: number, names: SpaceNames = namesOf(t)): { space: string; addr: bigint } | null {
  const st = t.steps[k];
  if (st.kind === 'g') return { space: names.linear, addr: BigInt(t.va) };
  const g = eptWalkGpa(t, k);
  return g === null ? null : { space: names.guest, addr: g };
}

/** "bits 38:30 of linear 0x7f3a1b2c5123 are 0xe8, so PDPT[0xe8]". */
export function indexSentence(t: Trace, k: number, names: SpaceNames = namesOf(t)): string {
  const st = t.steps[k];
  const [hi, lo] = st.indexBits;
  const src = indexSource(t, k, names);
  const what = src ? `bits ${hi}:${lo} of ${src.space} ${hx(src.addr)} are ${hx(st.index)}` : `bits ${hi}:${lo} give ${hx(st.index)}`;
  return `${what}, so ${st.structure}[${hx(st.index)}]`;
}

/** The EPT walks of a trace, each with the references it made and what it translated. */
export interface EptRun {
  /** Index of its first step. */
  from: number;
  steps: TraceStep[];
  purpose: string;
  gpa: bigint | null;
}

export function eptRuns(t: Trace): EptRun[] {
  const runs: EptRun[] = [];
  t.steps.forEach((st, k) => {
    if (st.kind !== 'e') return;
    const prev = runs[runs.length - 1];
    // A new EPT walk starts at the EPT root, or after a guest reference.
    if (prev && prev.from + prev.steps.length === k && st.level !== t.eptLevels) prev.steps.push(st);
    else runs.push({ from: k, steps: [st], purpose: st.purpose ?? '', gpa: eptWalkGpa(t, k) });
  });
  return runs;
}

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/** One line per guest reference (with the EPT walk before it, under EPT), in the engine's own sentences. */
export function walkStory(t: Trace, names: SpaceNames = namesOf(t)): string[] {
  const lines: string[] = [];
  const runs = eptRuns(t);
  const runAt = new Map(runs.map((r) => [r.from, r]));
  t.steps.forEach((st, k) => {
    const run = runAt.get(k);
    if (run) {
      const last = run.steps[run.steps.length - 1];
      const leafBase = last.entryKind === 'leaf' ? fieldValue(last, 'Address') : null;
      const gpa = run.gpa !== null ? `${names.guest} ${hx(run.gpa)}` : names.guest;
      const ends = leafBase !== null ? `: ${last.structure}[${hx(last.index)}] maps it into the ${sizeName(2 ** last.indexBits[1])} ${names.host} page ${hx(leafBase)}` : `: ${last.text}`;
      lines.push(`EPT walk for ${run.purpose} (${gpa}), ${plural(run.steps.length, 'reference')}${ends}`);
    }
    if (st.kind === 'g') lines.push(`${cap(indexSentence(t, k, names))}: ${st.text}`);
  });
  return lines;
}

/** The last step of a successful walk: page base + offset (then EPT's page + offset under EPT). */
export function offsetSentence(t: Trace, names: SpaceNames = namesOf(t)): string | null {
  const leaf = guestLeaf(t);
  const base = leaf ? fieldValue(leaf, 'Address') : null;
  if (leaf === null || base === null || t.outcome.pa === null) return null;
  const shift = leaf.indexBits[1];
  const off = BigInt(t.va) & ((1n << BigInt(shift)) - 1n);
  const gpa = BigInt(base) + off;
  const first = `The offset is bits ${shift - 1}:0 of ${names.linear} ${t.va} = ${hx(off)}; ${leaf.structure}[${hx(leaf.index)}] maps the ${names.guest} page ${hx(base)}, so ${hx(base)} + ${hx(off)} = ${names.guest} ${hx(gpa)}`;
  if (t.eptLevels === 0) return first + '.';
  const run = eptRuns(t).find((r) => r.steps[0].target === 0);
  const last = run?.steps[run.steps.length - 1];
  const hbase = last ? fieldValue(last, 'Address') : null;
  if (!last || hbase === null) return first + '.';
  const hoff = gpa & ((1n << BigInt(last.indexBits[1])) - 1n);
  return `${first}. EPT translates that last: ${last.structure}[${hx(last.index)}] maps the ${sizeName(2 ** last.indexBits[1])} ${names.host} page ${hx(hbase)}, and ${hx(hbase)} + ${hx(hoff)} = ${names.host} ${t.outcome.pa}.`;
}

export const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The error code's bits in words, from the trace's own decoding: "0x7 = P (protection violation…) + W/R (write access) + …". */
export function bitsSentence(t: Trace): string {
  const set = t.outcome.bits.filter((b) => b.set);
  const clear = t.outcome.bits.filter((b) => !b.set);
  const code = t.outcome.ec ?? t.outcome.qual ?? '0x0';
  const on = set.length ? set.map((b) => `${b.name} (bit ${b.bit}: ${b.meaning})`).join(' + ') : 'no bit set';
  return `${code} = ${on}; clear: ${clear.map((b) => `${b.name} (${b.meaning})`).join(', ')}.`;
}
