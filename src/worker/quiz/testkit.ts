/**
 * Test support for the quiz modules (not shipped code): recompute a
 * question's answer from its document alone, check that a generated case is
 * valid (FORMAT.md rule 10, no impossible state), and open it in the app.
 */
import { expect } from 'vitest';
import { parseWalkCase, translate, traceWalk, type Access, type Scenario, type Trace } from '../../engine';
import { parseShadowCase } from '../../engine/shadow';
import { decodeLink, encodeLink } from '../../share/codec';
import { corners } from '../corners';
import type { headless } from '../testkit';
import type { Question } from './types';
import { run } from './zap-world';

/** The walk a 'pa'/'ec'/'refs2d' question's document holds, parsed as the app parses it. */
export function walkOf(q: Question): { s: Scenario; a: Access; t: Trace } {
  const o = q.doc.origin;
  if (o.kind !== 'case') throw new Error(`${q.id}: not a walk case`);
  const c = parseWalkCase(o.case);
  if (c.access === null) throw new Error(`${q.id}: no access`);
  return { s: c.scenario, a: c.access, t: traceWalk(c.scenario, c.access) };
}

/** The answer recomputed from the document by the engine alone. */
export function engineAnswer(q: Question): string {
  if (q.topic === 'zap') {
    const o = q.doc.origin;
    if (o.kind !== 'shadow-case') throw new Error(`${q.id}: not a shadow case`);
    const ids = run(o.case, o.title).after.zapped.map((p) => p.id).sort((a, b) => a - b);
    return ids.length ? ids.join(', ') : 'none';
  }
  const { t } = walkOf(q);
  if (q.topic === 'pa') return t.outcome.pa ?? `(${t.outcome.outcome})`;
  if (q.topic === 'ec') return t.outcome.ec ?? `(${t.outcome.outcome})`;
  return String(t.steps.length);
}

/** What the app shows for the question's document, opened from its link. */
export function appAnswer(h: ReturnType<typeof headless>, q: Question): string {
  const s = h.link(encodeLink(q.doc));
  if (q.topic === 'zap') {
    const ids = s.shadow!.zapped.map((p) => p.id).sort((a, b) => a - b);
    return ids.length ? ids.join(', ') : 'none';
  }
  expect(s.result.kind, `${q.id}: the app shows a state hardware can be in`).not.toBe('corner');
  if (q.topic === 'pa') return s.trace.outcome.pa ?? `(${s.trace.outcome.outcome})`;
  if (q.topic === 'ec') return s.trace.outcome.ec ?? `(${s.trace.outcome.outcome})`;
  return String(s.trace.steps.length);
}

/** A generated case is one FORMAT.md allows, unambiguous, and its link decodes. */
export function expectValid(q: Question): void {
  const link = decodeLink(encodeLink(q.doc));
  expect(link.ok, `${q.id}: ${link.ok ? '' : link.problem.message}`).toBe(true);
  expect(q.prompt).not.toMatch(/\b(address|CR3) 0x/); // every address names its space
  if (q.topic === 'zap') {
    const o = q.doc.origin;
    if (o.kind !== 'shadow-case') throw new Error('not a shadow case');
    const c = parseShadowCase(o.case);
    expect(q.doc.actions).toEqual([{ t: 'seek', at: c.ops.length }]);
    expect(c.ops.at(-1)!.op).toBe('store');
    for (const op of c.ops) if (op.op === 'store') expect(op.gpa).toBeLessThan(2 ** 40);
    expect(q.choices!.length).toBeGreaterThan(0);
    return;
  }
  const o = q.doc.origin;
  expect(o.kind === 'case' && o.case.access !== undefined && !('expect' in o.case)).toBe(true);
  const { s, a } = walkOf(q);
  const r = translate(s, a);
  if (s.cpu.paging === '32' || s.cpu.paging === 'pae') expect(a.va.hi).toBe(0);
  expect(a.implicit && a.op === 'fetch').toBe(false);
  if (s.ept?.levels === 4) for (const x of r.refs) if (x.kind === 'e') expect(x.gpa).toBeLessThan(2 ** 48);
  expect(corners(s, r)).toEqual([]);
}
