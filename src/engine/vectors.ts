/**
 * The conformance-vector contract: run one JSON line (a walk case, or a shadow
 * case once the shadow MMU handles it) and answer in FORMAT.md's result shape.
 */
import { hex64, hexNum } from './bits';
import { ScenarioError, parseWalkCase } from './scenario';
import { translate, type WalkResult } from './translate';

export interface VectorResultJSON {
  outcome: string;
  pa?: string;
  size?: number;
  ec?: string;
  gpa?: string;
  qual?: string;
  refs: [string, number, string, string][];
  writes: Record<string, string>;
}

/** A walk result with exactly the keys FORMAT.md defines for its outcome. */
export function resultToJSON(r: WalkResult): VectorResultJSON {
  const out: VectorResultJSON = { outcome: r.outcome, refs: [], writes: {} };
  if (r.pa !== undefined) out.pa = hexNum(r.pa);
  if (r.size !== undefined) out.size = r.size;
  if (r.ec !== undefined) out.ec = hexNum(r.ec);
  if (r.gpa !== undefined) out.gpa = hexNum(r.gpa);
  if (r.qual !== undefined) out.qual = hexNum(r.qual);
  out.refs = r.refs.map((x) => [x.kind, x.level, hexNum(x.pa), hex64(x.lo, x.hi)]);
  for (const w of r.writes) out.writes[hexNum(w.pa)] = hex64(w.lo, w.hi);
  return out;
}

export type VectorLine = { id: unknown; result: VectorResultJSON } | { id: unknown; results: unknown[] } | { id: unknown; error: string };

/** Run one line of a vector file. Never throws: a bad case becomes `{id, error}`. */
export function runVectorLine(line: string, runShadow?: (c: unknown) => unknown[]): VectorLine {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `not JSON: ${(e as Error).message}` };
  }
  const id = typeof raw === 'object' && raw !== null && 'id' in raw ? (raw as { id: unknown }).id : null;
  try {
    if (typeof raw === 'object' && raw !== null && 'ops' in raw) {
      if (!runShadow) return { id, error: 'ops: shadow cases are not supported by this build' };
      return { id, results: runShadow(raw) };
    }
    const c = parseWalkCase(raw);
    if (c.access === null) throw new ScenarioError('access', 'missing');
    return { id, result: resultToJSON(translate(c.scenario, c.access)) };
  } catch (e) {
    if (e instanceof ScenarioError) return { id, error: e.message };
    return { id, error: `internal error: ${(e as Error).message}` };
  }
}
