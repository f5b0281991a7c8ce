/**
 * The linear address split by level, live as you type: sign extension, each
 * level's index in hex, the offset. Colours match the tree. A non-canonical
 * address is marked and explained (the engine raises the #GP; this only shows
 * which bits disagree).
 */
import { parseHex64 } from '../engine/bits';
import { sizeName } from '../engine/trace';
import type { AppState } from '../store';
import { useAppShallow } from './context';
import type { AddressLayout } from '../worker/types';

interface Segment {
  key: string;
  name: string;
  hi: number;
  lo: number;
  value: bigint;
  level: number | null;
}

function bitsOf(v: bigint, hi: number, lo: number): bigint {
  return (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
}

/**
 * The address as the walk splits it. `leafLevel` is the level of the large
 * page the walk has reached (2 = a 2 or 4 MiB PDE, 3 = a 1 GiB PDPTE): the
 * levels below it are never read, so their bits join the offset.
 */
export function segments(va: bigint, a: AddressLayout, leafLevel = 1): Segment[] {
  const out: Segment[] = [];
  if (a.width > 32) out.push({ key: 'sign', name: 'Sign', hi: 63, lo: a.width, value: bitsOf(va, 63, a.width), level: null });
  const used = a.levels.slice(0, a.levels.length - Math.max(0, leafLevel - 1));
  used.forEach((l, i) => out.push({ key: `l${i}`, name: l.name, hi: l.hi, lo: l.lo, value: bitsOf(va, l.hi, l.lo), level: a.levels.length - i }));
  const low = used[used.length - 1].lo;
  out.push({ key: 'off', name: 'Offset', hi: low - 1, lo: 0, value: bitsOf(va, low - 1, 0), level: null });
  return out;
}

/** The guest leaf the shown steps have read, if it maps a large page (its level), else 1. */
export function reachedLeafLevel(s: AppState): number {
  if (s.ops !== null || !s.trace) return 1;
  const leaf = s.trace.steps.findIndex((st) => st.kind === 'g' && st.entryKind === 'leaf');
  return leaf >= 0 && leaf < s.step ? s.trace.steps[leaf].level : 1;
}

/** Is the address canonical for this width? (bits 63:width-1 all equal) */
export function canonical(va: bigint, width: number): boolean {
  if (width <= 32) return true;
  const top = va >> BigInt(width - 1);
  return top === 0n || top === (1n << BigInt(65 - width)) - 1n;
}

const hexDigits = (bits: number) => Math.ceil(bits / 4);

/**
 * Predict mode asks which entry each reference reads, so the split keeps a
 * level's index to itself until the walk has read that level (or the student
 * has answered for it): ",4,3," lists the hidden guest levels.
 */
export function hiddenLevels(s: AppState): string {
  if (!s.predict.on || s.ops !== null || !s.trace || s.predict.outcome) return '';
  const shown = new Set<number>();
  s.trace.steps.forEach((st, i) => {
    if (st.kind === 'g' && (i < s.step || s.predict.done[i])) shown.add(st.level);
  });
  const hidden = s.trace.steps.filter((st) => st.kind === 'g' && !shown.has(st.level)).map((st) => st.level);
  return hidden.length ? `,${[...new Set(hidden)].join(',')},` : '';
}

export function BitSplit() {
  const { draft, committed, address, current, hidden, leafLevel } = useAppShallow((s) => {
    const st = s.step > 0 ? s.trace?.steps[s.step - 1] : undefined;
    return {
      draft: s.draftVa,
      committed: s.doc?.access.va ?? '0x0',
      address: s.address,
      current: st && st.kind === 'g' ? st.level : null,
      hidden: hiddenLevels(s),
      leafLevel: reachedLeafLevel(s),
    };
  });
  if (!address) return null;
  const parsed = parseHex64(draft, true) ?? parseHex64(committed);
  if (!parsed) return null;
  const va = (BigInt(parsed.hi) << 32n) | BigInt(parsed.lo);
  const typing = draft.trim().toLowerCase().replace(/_/g, '') !== committed && parseHex64(draft, true) !== null;
  // The walk's page size belongs to the walked address, not to one being typed.
  const segs = segments(va, address, typing ? 1 : leafLevel);
  const offset = segs[segs.length - 1];
  const ok = canonical(va, address.width);
  const top = address.width - 1;
  return (
    <div className="bit-split-wrap">
      <ol className="bit-split" aria-label="Address bits by level">
        {segs.map((s) => (
          <li
            key={s.key}
            className={`seg ${s.level ? `lv${s.level}` : s.key}${s.key === 'sign' && !ok ? ' bad' : ''}${s.level !== null && s.level === current ? ' current' : ''}`}
            style={{ flexGrow: s.key === 'sign' ? 10 : s.hi - s.lo + 1 }}
          >
            <span className="seg-name">{s.name}</span>
            <span className="seg-bits">
              {s.hi}:{s.lo}
            </span>
            {s.level !== null && hidden.includes(`,${s.level},`) ? (
              <span className="seg-value mono hidden-index" title="Hidden while you predict: work it out from the address">
                <span aria-hidden="true">?</span>
                <span className="visually-hidden">hidden until you predict it</span>
              </span>
            ) : (
              <span className="seg-value mono">0x{s.value.toString(16).padStart(hexDigits(s.hi - s.lo + 1), '0')}</span>
            )}
          </li>
        ))}
      </ol>
      <p className={`canonical-note${ok ? '' : ' bad'}`}>
        {ok
          ? address.width > 32
            ? `Canonical: bits 63:${top} all equal bit ${top}.`
            : 'A 32-bit linear address: no canonical check.'
          : `Not canonical: bits 63:${top} must all equal bit ${top} (a copy of the top address bit). The access raises #GP(0) before any table is read.`}
        {!typing && leafLevel > 1 && ` The walk ended at a ${sizeName(2 ** (offset.hi + 1))} page: bits ${offset.hi}:0 are the offset into it.`}
        {typing && ' Press Translate (or Enter) to walk this address.'}
      </p>
    </div>
  );
}
