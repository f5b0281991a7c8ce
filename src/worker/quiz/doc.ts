/**
 * The document recipe that opens a question's scenario in the app: a walk
 * case (FORMAT.md, with its access and no expectation) shown whole, or a
 * shadow case stepped to just after the question's store.
 */
import { scenarioToJSON, type Access, type Scenario } from '../../engine';
import type { Doc, ShadowCaseJSON } from '../doc/types';

export function caseDoc(s: Scenario, a: Access, title: string): Doc {
  return { origin: { kind: 'case', case: scenarioToJSON(s, a), title }, actions: [], view: { step: -1 } };
}

export function shadowDoc(c: ShadowCaseJSON, title: string, at: number): Doc {
  return { origin: { kind: 'shadow-case', case: c, title }, actions: [{ t: 'seek', at }], view: { step: -1 } };
}

/** The same document under another title (generate.ts names each question's scenario). */
export function retitled(d: Doc, title: string): Doc {
  const o = d.origin;
  if (o.kind !== 'case' && o.kind !== 'shadow-case') return d;
  return { ...d, origin: { ...o, title } };
}
