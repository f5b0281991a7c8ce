/**
 * An imported case's `expect` beside what Pagoda computes, key by key, so a
 * case the engine contradicts is shown, not silently ignored. Walk cases
 * compare the FORMAT.md result keys; shadow cases compare each access's
 * outcome (allowing either answer where the case gives `any`).
 */
import { translate, type Access, type Scenario } from '../engine';
import { resultToJSON } from '../engine/vectors';
import { ShadowMachine, parseShadowCase, runShadowOps } from '../engine/shadow';
import type { ExpectRow, ExpectView } from './types';

const show = (v: unknown): string => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Compare a walk case's expect with the engine's result for the case as imported. */
export function compareWalk(expect: unknown, s: Scenario, a: Access): ExpectView | null {
  if (expect === undefined || expect === null || typeof expect !== 'object') return null;
  const got = resultToJSON(translate(s, a)) as unknown as Record<string, unknown>;
  const want = expect as Record<string, unknown>;
  const keys = ['outcome', 'pa', 'size', 'ec', 'gpa', 'qual', 'refs', 'writes'].filter((k) => k in want || k in got);
  const rows: ExpectRow[] = keys.map((k) => ({ key: k, expected: show(want[k]), computed: show(got[k]), same: same(want[k], got[k]) }));
  return { rows, agrees: rows.every((r) => r.same) };
}

/** Compare a shadow case's expect (one item per op) with a run of its operations. */
export function compareShadow(raw: unknown): ExpectView | null {
  const c = parseShadowCase(raw);
  if (!Array.isArray(c.expect)) return null;
  const m = new ShadowMachine({ cpu: c.cpu, slots: c.slots, memory: c.memory.clone(), collectEvents: false });
  const got = runShadowOps(m, c.ops);
  const rows: ExpectRow[] = [];
  c.expect.forEach((want, i) => {
    if (want === null) return;
    const any = (want as { any?: unknown[] }).any;
    const ok = Array.isArray(any) ? any.some((x) => same(x, got[i])) : same(want, got[i]);
    rows.push({ key: `operation ${i + 1}`, expected: Array.isArray(any) ? any.map(show).join(' or ') : show(want), computed: show(got[i]), same: ok });
  });
  return { rows, agrees: rows.every((r) => r.same) };
}
