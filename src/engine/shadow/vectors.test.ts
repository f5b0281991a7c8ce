/** Every public shadow vector, through the same entry point the CLI uses. */
import { vectorPath } from '../../../test/shared';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runVectorLine } from '../vectors';
import { runShadowCase } from './vectors';

const FILE = vectorPath('shadow-public.jsonl');
const lines = readFileSync(FILE, 'utf8').split('\n').filter((l) => l.trim() !== '');

/** check.py's comparison: hex strings by value; {"any": [...]} matches one alternative. */
const norm = (v: unknown): unknown =>
  typeof v === 'string' && v.startsWith('0x') ? BigInt(v) : Array.isArray(v) ? v.map(norm) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)])) : v;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(norm(a), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(norm(b), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

describe('shadow-public.jsonl', () => {
  it('has the 64 public cases', () => expect(lines.length).toBe(64));
  for (const line of lines) {
    const c = JSON.parse(line) as { id: string; expect: unknown[] };
    it(c.id, () => {
      const out = runVectorLine(line, runShadowCase);
      expect('results' in out, JSON.stringify(out)).toBe(true);
      const res = (out as { results: unknown[] }).results;
      expect(res.length).toBe(c.expect.length);
      c.expect.forEach((e, i) => {
        if (e !== null && typeof e === 'object' && 'any' in e) {
          expect((e as { any: unknown[] }).any.some((alt) => same(alt, res[i])), `op ${i}: ${JSON.stringify(res[i])}`).toBe(true);
        } else {
          expect(same(e, res[i]), `op ${i}: ${JSON.stringify(res[i])} vs ${JSON.stringify(e)}`).toBe(true);
        }
      });
    });
  }
});

describe('shadow case validation', () => {
  const base = JSON.parse(lines[0]) as Record<string, unknown>;
  const err = (mut: (c: Record<string, any>) => void): string => {
    const c = structuredClone(base) as Record<string, any>;
    mut(c);
    const out = runVectorLine(JSON.stringify(c), runShadowCase) as { error?: string };
    return out.error ?? '';
  };
  it('names unknown keys, bad ops and bad slots', () => {
    expect(err((c) => (c.extra = 1))).toBe('extra: unknown key');
    expect(err((c) => (c.ops[0].kind = 'peek'))).toMatch(/^ops\[0\]\.kind: /);
    expect(err((c) => (c.ops[1].colour = 'red'))).toBe('ops[1].colour: unknown key');
    expect(err((c) => (c.ops[0].op = 'jump'))).toMatch(/^ops\[0\]\.op: /);
    expect(err((c) => (c.host.slots = [['0x0', '0x1000']]))).toMatch(/^host\.slots\[0\]: /);
    expect(err((c) => delete c.host)).toBe('host: missing');
    expect(err((c) => (c.cpu.paging = '6'))).toMatch(/^cpu\.paging: /);
    expect(err((c) => (c.ops[1].gpa = '0x4009'))).toMatch(/^ops\[1\]\.gpa: /);
    expect(err((c) => (c.expect = []))).toMatch(/^expect: /);
  });
});
