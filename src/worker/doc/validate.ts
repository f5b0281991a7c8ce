/**
 * Validate a document from outside (a link, the saved state): every field is
 * checked for shape here, and the whole recipe is then materialized before
 * anything is replaced, so a problem is reported with the field that holds it
 * and nothing changes. Trusts nothing; decoded text is only ever data.
 */
import { ScenarioError, hexField } from '../../engine';
import { parseLesson } from '../../lessons/lesson';
import type { Action, Doc, LessonRef, OpJSON, Origin, ShadowCaseJSON, View } from './types';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, field: string, allowed: readonly string[], required: readonly string[] = allowed): Obj {
  if (!isObj(v)) throw new ScenarioError(field, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new ScenarioError(`${field}.${k}`, 'unknown key');
  for (const k of required) if (!(k in v)) throw new ScenarioError(`${field}.${k}`, 'missing');
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new ScenarioError(field, 'must be true or false');
  return v;
}

function int(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ScenarioError(field, `must be a whole number from ${lo} to ${hi}`);
  return v;
}

function oneOf<T extends string | number>(v: unknown, field: string, values: readonly T[]): T {
  if (!values.includes(v as T)) throw new ScenarioError(field, `must be ${values.map((x) => JSON.stringify(x)).join(', ').replace(/, ([^,]*)$/, ' or $1')}`);
  return v as T;
}

function str(v: unknown, field: string, max = 200): string {
  if (typeof v !== 'string') throw new ScenarioError(field, 'must be a string');
  if (v.length > max) throw new ScenarioError(field, `is longer than ${max} characters`);
  return v;
}

/** A "0x" hex string (checked now, so the field is named even before materializing). */
function hex(v: unknown, field: string, bits = 64): string {
  hexField(v, field, bits);
  return typeof v === 'number' ? '0x' + v.toString(16) : (v as string);
}

export function parseOrigin(v: unknown, field: string): Origin {
  const kind = isObj(v) ? v.kind : undefined;
  switch (kind) {
    case 'preset': {
      const o = obj(v, field, ['kind', 'id', 'v']);
      return { kind: 'preset', id: str(o.id, `${field}.id`, 80), v: int(o.v, `${field}.v`, 1, 10_000) };
    }
    case 'case': {
      const o = obj(v, field, ['kind', 'case', 'title', 'preset'], ['kind', 'case', 'title']);
      if (!isObj(o.case)) throw new ScenarioError(`${field}.case`, 'must be a walk case object');
      const out: Origin = { kind: 'case', case: o.case as never, title: str(o.title, `${field}.title`) };
      if (o.preset !== undefined) out.preset = str(o.preset, `${field}.preset`, 80);
      return out;
    }
    case 'shadow-case': {
      const o = obj(v, field, ['kind', 'case', 'title']);
      if (!isObj(o.case)) throw new ScenarioError(`${field}.case`, 'must be a shadow case object');
      return { kind: 'shadow-case', case: o.case as unknown as ShadowCaseJSON, title: str(o.title, `${field}.title`) };
    }
    case 'dump': {
      const o = obj(v, field, ['kind', 'id', 'name', 'size']);
      return { kind: 'dump', id: str(o.id, `${field}.id`, 80), name: str(o.name, `${field}.name`, 400), size: int(o.size, `${field}.size`, 0, Number.MAX_SAFE_INTEGER) };
    }
    default:
      if (!isObj(v)) throw new ScenarioError(field, 'must be an object');
      throw new ScenarioError(`${field}.kind`, 'must be "preset", "case", "shadow-case" or "dump"');
  }
}

const CPU_PATCH = ['cr3', 'wp', 'pse', 'nxe', 'smep', 'smap', 'ac', 'pke', 'pkru', 'maxphyaddr', 'gbpages'] as const;
const OPS = ['read', 'write', 'fetch'] as const;

function parseOp(v: unknown, field: string): OpJSON {
  const k = isObj(v) ? v.k : undefined;
  switch (k) {
    case 'access': {
      const o = obj(v, field, ['k', 'va', 'op', 'cpl', 'implicit']);
      return { k, va: hex(o.va, `${field}.va`), op: oneOf(o.op, `${field}.op`, OPS), cpl: oneOf(o.cpl, `${field}.cpl`, [0, 3] as const), implicit: bool(o.implicit, `${field}.implicit`) };
    }
    case 'store': {
      const o = obj(v, field, ['k', 'gpa', 'value']);
      return { k, gpa: hex(o.gpa, `${field}.gpa`, 52), value: hex(o.value, `${field}.value`) };
    }
    case 'invlpg': {
      const o = obj(v, field, ['k', 'va']);
      return { k, va: hex(o.va, `${field}.va`) };
    }
    case 'cr3': {
      const o = obj(v, field, ['k', 'space']);
      return { k, space: int(o.space, `${field}.space`, 0, 64) };
    }
    case 'invept':
      obj(v, field, ['k']);
      return { k };
    default:
      if (!isObj(v)) throw new ScenarioError(field, 'must be an object');
      throw new ScenarioError(`${field}.k`, 'must be "access", "store", "invlpg", "cr3" or "invept"');
  }
}

export function parseAction(v: unknown, field: string): Action {
  const t = isObj(v) ? v.t : undefined;
  switch (t) {
    case 'cpu': {
      const o = obj(v, field, ['t', 'cpu']);
      const p = obj(o.cpu, `${field}.cpu`, CPU_PATCH, []);
      return { t, cpu: p as never };
    }
    case 'paging': {
      const o = obj(v, field, ['t', 'paging']);
      return { t, paging: oneOf(o.paging, `${field}.paging`, ['32', 'pae', '4', '5'] as const) };
    }
    case 'la57':
    case 'ept5': {
      const o = obj(v, field, ['t', 'on']);
      return { t, on: bool(o.on, `${field}.on`) };
    }
    case 'virt': {
      const o = obj(v, field, ['t', 'mode']);
      return { t, mode: oneOf(o.mode, `${field}.mode`, ['none', 'ept', 'shadow', 'nested'] as const) };
    }
    case 'ept': {
      const o = obj(v, field, ['t', 'ept']);
      const p = obj(o.ept, `${field}.ept`, ['ad', 'execonly', 'maxphyaddr'], []);
      const out: { ad?: boolean; execonly?: boolean; maxphyaddr?: number } = {};
      if ('ad' in p) out.ad = bool(p.ad, `${field}.ept.ad`);
      if ('execonly' in p) out.execonly = bool(p.execonly, `${field}.ept.execonly`);
      if ('maxphyaddr' in p) out.maxphyaddr = int(p.maxphyaddr, `${field}.ept.maxphyaddr`, 32, 52);
      return { t, ept: out };
    }
    case 'mem': {
      const o = obj(v, field, ['t', 'addr', 'value', 'bytes']);
      const bytes = oneOf(o.bytes, `${field}.bytes`, [4, 8] as const);
      return { t, addr: hex(o.addr, `${field}.addr`, 52), value: hex(o.value, `${field}.value`, bytes * 8), bytes };
    }
    case 'access': {
      const o = obj(v, field, ['t', 'access']);
      const a = obj(o.access, `${field}.access`, ['va', 'op', 'cpl', 'implicit'], []);
      return { t, access: a as never };
    }
    case 'op': {
      const o = obj(v, field, ['t', 'op']);
      return { t, op: parseOp(o.op, `${field}.op`) };
    }
    case 'seek': {
      const o = obj(v, field, ['t', 'at']);
      return { t, at: int(o.at, `${field}.at`, 0, 100_000) };
    }
    case 'vcpu': {
      const o = obj(v, field, ['t', 'n']);
      return { t, n: int(o.n, `${field}.n`, 0, 4096) };
    }
    default:
      if (!isObj(v)) throw new ScenarioError(field, 'must be an object');
      throw new ScenarioError(`${field}.t`, 'is not a known change (cpu, paging, la57, virt, ept5, ept, mem, access, op, seek, vcpu)');
  }
}

export function parseView(v: unknown, field: string): View {
  if (v === undefined) return { step: -1 };
  const o = obj(v, field, ['step', 'walk', 'walkStep'], ['step']);
  const view: View = { step: int(o.step, `${field}.step`, -1, 100_000) };
  if (o.walk !== undefined) view.walk = oneOf(o.walk, `${field}.walk`, ['hardware', 'guest', 'retry', 'hang'] as const);
  if (o.walkStep !== undefined) view.walkStep = int(o.walkStep, `${field}.walkStep`, -1, 1000);
  return view;
}

/** Actions a document may hold (a link with more is refused, not truncated). */
export const MAX_ACTIONS = 5000;

export function parseLessonRef(v: unknown, field: string): LessonRef {
  const o = obj(v, field, ['id', 'def', 'at', 'base'], ['id', 'at']);
  const ref: LessonRef = { id: str(o.id, `${field}.id`, 80), at: int(o.at, `${field}.at`, 0, 10_000), base: o.base === undefined ? 0 : int(o.base, `${field}.base`, 0, MAX_ACTIONS) };
  if (o.def !== undefined) ref.def = parseLesson(o.def, `${field}.def`);
  return ref;
}

export function parseDoc(v: unknown, field: string): Doc {
  const o = obj(v, field, ['origin', 'actions', 'view', 'lesson'], ['origin']);
  const origin = parseOrigin(o.origin, `${field}.origin`);
  const raw = o.actions ?? [];
  if (!Array.isArray(raw)) throw new ScenarioError(`${field}.actions`, 'must be a list');
  if (raw.length > MAX_ACTIONS) throw new ScenarioError(`${field}.actions`, `has ${raw.length} changes; at most ${MAX_ACTIONS}`);
  const actions = raw.map((a, i) => parseAction(a, `${field}.actions[${i}]`));
  const doc: Doc = { origin, actions, view: parseView(o.view, `${field}.view`) };
  if (o.lesson !== undefined) doc.lesson = parseLessonRef(o.lesson, `${field}.lesson`);
  return doc;
}
