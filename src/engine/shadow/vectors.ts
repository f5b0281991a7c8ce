/**
 * Shadow cases of the conformance vectors (FORMAT.md "Shadow case"): parse a
 * case with field-naming validation, run its ops on a ShadowMachine and
 * answer one result per op (null for non-access ops).
 */
import { hexNum } from '../bits';
import { ScenarioError, hexField, parseCpu, parseMemory, type CpuState } from '../scenario';
import { FETCH, GP, OK, READ, WRITE, type OpCode } from '../walk';
import type { MemSlot } from './host';
import { ShadowMachine } from './machine';

export type ShadowOp =
  | { op: 'access'; va: { lo: number; hi: number }; kind: OpCode; cpl: 0 | 3; implicit: boolean }
  | { op: 'store'; gpa: number; lo: number; hi: number }
  | { op: 'invlpg'; va: { lo: number; hi: number } }
  | { op: 'cr3'; value: number };

export interface ShadowCase {
  id: string;
  tags: string[];
  cpu: CpuState;
  slots: MemSlot[];
  memory: import('../memory').PhysMem;
  ops: ShadowOp[];
  expect: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function keys(v: unknown, field: string, allowed: readonly string[], required: readonly string[]): Obj {
  if (!isObj(v)) throw new ScenarioError(field, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new ScenarioError(field ? `${field}.${k}` : k, 'unknown key');
  for (const k of required) if (!(k in v)) throw new ScenarioError(field ? `${field}.${k}` : k, 'missing');
  return v;
}

const num = (u: { lo: number; hi: number }): number => u.hi * 4294967296 + u.lo;
const KINDS: Record<string, OpCode> = { read: READ, write: WRITE, fetch: FETCH };

function parseSlots(v: unknown): MemSlot[] {
  const h = keys(v, 'host', ['slots'], ['slots']);
  if (!Array.isArray(h.slots) || h.slots.length === 0) throw new ScenarioError('host.slots', 'must be a non-empty list of [gpa, hpa, size]');
  return h.slots.map((s, i) => {
    const f = `host.slots[${i}]`;
    if (!Array.isArray(s) || s.length !== 3) throw new ScenarioError(f, 'must be [gpa, hpa, size]');
    const gpa = num(hexField(s[0], `${f}[0]`, 52));
    const hpa = num(hexField(s[1], `${f}[1]`, 52));
    const size = num(hexField(s[2], `${f}[2]`, 52));
    if (gpa % 4096 || hpa % 4096 || size % 4096 || size === 0) throw new ScenarioError(f, 'gpa, hpa and size must be non-zero multiples of 4096');
    return { gpa, hpa, size };
  });
}

function parseVa(v: unknown, field: string, cpu: CpuState): { lo: number; hi: number } {
  const va = hexField(v, field);
  if ((cpu.paging === '32' || cpu.paging === 'pae') && va.hi !== 0) throw new ScenarioError(field, '32-bit and PAE paging translate 32-bit linear addresses');
  return va;
}

function parseOp(v: unknown, i: number, cpu: CpuState): ShadowOp {
  const f = `ops[${i}]`;
  if (!isObj(v)) throw new ScenarioError(f, 'must be an object');
  switch (v.op) {
    case 'access': {
      const o = keys(v, f, ['op', 'va', 'kind', 'cpl', 'implicit'], ['va', 'kind', 'cpl']);
      const kind = KINDS[o.kind as string];
      if (kind === undefined || typeof o.kind !== 'string') throw new ScenarioError(`${f}.kind`, 'must be "read", "write" or "fetch"');
      if (o.cpl !== 0 && o.cpl !== 3) throw new ScenarioError(`${f}.cpl`, 'must be 0 or 3');
      const implicit = o.implicit === undefined ? false : o.implicit;
      if (typeof implicit !== 'boolean') throw new ScenarioError(`${f}.implicit`, 'must be true or false');
      if (implicit && kind === FETCH) throw new ScenarioError(`${f}.implicit`, 'an implicit supervisor access is never a fetch');
      return { op: 'access', va: parseVa(o.va, `${f}.va`, cpu), kind, cpl: o.cpl, implicit };
    }
    case 'store': {
      const o = keys(v, f, ['op', 'gpa', 'value'], ['gpa', 'value']);
      const gpa = num(hexField(o.gpa, `${f}.gpa`, 52));
      if (gpa % 4 !== 0 || gpa % 4096 > 4088) throw new ScenarioError(`${f}.gpa`, 'must be 4-byte aligned with the qword inside one page');
      const q = hexField(o.value, `${f}.value`);
      return { op: 'store', gpa, lo: q.lo, hi: q.hi };
    }
    case 'invlpg': {
      const o = keys(v, f, ['op', 'va'], ['va']);
      return { op: 'invlpg', va: parseVa(o.va, `${f}.va`, cpu) };
    }
    case 'cr3': {
      const o = keys(v, f, ['op', 'value'], ['value']);
      return { op: 'cr3', value: num(hexField(o.value, `${f}.value`, 52)) };
    }
    default:
      throw new ScenarioError(`${f}.op`, 'must be "access", "store", "invlpg" or "cr3"');
  }
}

const CASE_KEYS = ['id', 'title', 'tags', 'cpu', 'host', 'memory', 'ops', 'expect'] as const;

/** Parse a shadow case; a bad field throws a ScenarioError naming it. */
export function parseShadowCase(raw: unknown): ShadowCase {
  const o = keys(raw, '', CASE_KEYS, ['cpu', 'host', 'memory', 'ops']);
  const id = o.id ?? '';
  if (typeof id !== 'string') throw new ScenarioError('id', 'must be a string');
  const tags = o.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new ScenarioError('tags', 'must be a list of strings');
  if (o.title !== undefined && typeof o.title !== 'string') throw new ScenarioError('title', 'must be a string');
  const cpu = parseCpu(o.cpu, 'cpu');
  const slots = parseSlots(o.host);
  const memory = parseMemory(o.memory, 'memory');
  if (!Array.isArray(o.ops)) throw new ScenarioError('ops', 'must be a list');
  const ops = o.ops.map((v, i) => parseOp(v, i, cpu));
  if (o.expect !== undefined && (!Array.isArray(o.expect) || o.expect.length !== ops.length)) {
    throw new ScenarioError('expect', 'must be a list with one item per op');
  }
  return { id, tags: tags as string[], cpu, slots, memory, ops, expect: o.expect };
}

export type ShadowResultJSON = { outcome: 'ok'; pa: string } | { outcome: 'pf'; ec: string } | { outcome: 'gp' } | null;

/** Run parsed ops on a machine, one result per op. */
export function runShadowOps(m: ShadowMachine, ops: ShadowOp[]): ShadowResultJSON[] {
  return ops.map((op): ShadowResultJSON => {
    switch (op.op) {
      case 'access': {
        const code = m.access(op.va.lo, op.va.hi, op.kind, op.cpl === 3, op.implicit);
        if (code === OK) return { outcome: 'ok', pa: hexNum(m.pa) };
        if (code === GP) return { outcome: 'gp' };
        return { outcome: 'pf', ec: hexNum(m.ec) };
      }
      case 'store':
        m.store64(op.gpa, op.lo, op.hi);
        return null;
      case 'invlpg':
        m.invlpg(op.va.lo, op.va.hi);
        return null;
      case 'cr3':
        m.loadCr3(op.value);
        return null;
    }
  });
}

/** The CLI hook: run one raw shadow case (throws ScenarioError on a bad field). */
export function runShadowCase(raw: unknown): unknown[] {
  const c = parseShadowCase(raw);
  const m = new ShadowMachine({ cpu: c.cpu, slots: c.slots, memory: c.memory, collectEvents: false });
  return runShadowOps(m, c.ops);
}
