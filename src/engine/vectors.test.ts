/**
 * The conformance contract: every public walk vector through runVectorLine
 * (compared the way check.py compares: hex by value, refs in order, writes
 * exactly, no extra keys), and the error lines for malformed input.
 */
import { vectorPath } from '../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runVectorLine } from './vectors';

const FILE = vectorPath('walk-public.jsonl');

/** Hex strings as BigInt (by value), recursively; other values as they are. */
function norm(v: unknown): unknown {
  if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v.trim())) return BigInt(v.trim().toLowerCase());
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const nk = /^0x/i.test(k) ? BigInt(k.toLowerCase()).toString() : k;
      out[nk] = norm(x);
    }
    return out;
  }
  return v;
}

const lines = readFileSync(FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');

describe('public walk vectors', () => {
  it('the file is there and not trivial', () => {
    expect(lines.length).toBeGreaterThanOrEqual(400);
  });

  it('every case matches its expect through runVectorLine', () => {
    const failures: string[] = [];
    for (const line of lines) {
      const c = JSON.parse(line) as { id: string; expect: Record<string, unknown> };
      const out = runVectorLine(line);
      if (!('result' in out)) {
        failures.push(`${c.id}: ${'error' in out ? out.error : 'no result'}`);
        continue;
      }
      expect(out.id).toBe(c.id);
      const got = norm(JSON.parse(JSON.stringify(out.result))) as Record<string, unknown>;
      const want = norm(c.expect) as Record<string, unknown>;
      for (const k of new Set([...Object.keys(got), ...Object.keys(want)])) {
        const g = got[k] ?? null;
        const w = want[k] ?? null;
        try {
          expect(g).toEqual(w);
        } catch {
          failures.push(`${c.id}: ${k} expected ${JSON.stringify(c.expect[k])} got ${JSON.stringify((out.result as unknown as Record<string, unknown>)[k])}`);
          break;
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('result keys are exactly the ones FORMAT.md defines for the outcome', () => {
    const keys: Record<string, string[]> = {
      ok: ['outcome', 'pa', 'size', 'refs', 'writes'],
      gp: ['outcome', 'refs', 'writes'],
      pf: ['outcome', 'ec', 'refs', 'writes'],
      ept_violation: ['outcome', 'gpa', 'qual', 'refs', 'writes'],
      ept_misconfig: ['outcome', 'gpa', 'refs', 'writes'],
    };
    const seen = new Set<string>();
    for (const line of lines) {
      const out = runVectorLine(line);
      if (!('result' in out)) continue;
      seen.add(out.result.outcome);
      expect(Object.keys(out.result).sort()).toEqual([...keys[out.result.outcome]].sort());
    }
    expect([...seen].sort()).toEqual(Object.keys(keys).sort());
  });
});

describe('runVectorLine errors', () => {
  const good = JSON.parse(lines[0]) as Record<string, unknown>;
  const withCpu = (over: Record<string, unknown>) => JSON.stringify({ ...good, cpu: { ...(good.cpu as object), ...over } });

  it('a malformed JSON line gives {id: null, error}', () => {
    const out = runVectorLine('{"id": "x", "cpu": ');
    expect(out).toMatchObject({ id: null });
    expect('error' in out && out.error).toMatch(/JSON/);
  });

  it('a bad field is named, with the case id', () => {
    const cases: [string, string][] = [
      [withCpu({ maxphyaddr: 60 }), 'cpu.maxphyaddr'],
      [withCpu({ paging: '3' }), 'cpu.paging'],
      [withCpu({ cr3: 'zz' }), 'cpu.cr3'],
      [withCpu({ bogus: true }), 'cpu.bogus'],
      [JSON.stringify({ ...good, access: { ...(good.access as object), op: 'exec' } }), 'access.op'],
      [JSON.stringify({ ...good, memory: { '0x1004': '0x1' } }), 'memory'],
      [JSON.stringify({ ...good, ept: { levels: 3, root: '0x0', ad: false, execonly: false, maxphyaddr: 46 } }), 'ept.levels'],
    ];
    for (const [line, field] of cases) {
      const out = runVectorLine(line);
      expect(out.id).toBe(good.id);
      expect('error' in out ? out.error : '', field).toContain(field);
    }
  });

  it('a missing access is an error, not a crash', () => {
    const { access: _a, ...rest } = good;
    void _a;
    const out = runVectorLine(JSON.stringify(rest));
    expect('error' in out && out.error).toContain('access');
  });
});
