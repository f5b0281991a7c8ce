/**
 * Scenarios and walk cases in the FORMAT.md shape, parsed into engine values
 * with validation that names the bad field. A scenario is a walk case without
 * `expect`: CPU state, EPT state (or null) and physical memory.
 */
import { parseHex64, hex64, hexNum, type U64 } from './bits';
import type { GuestPaging } from './formats';
import { PhysMem, type Memory } from './memory';

export interface CpuState {
  paging: GuestPaging;
  /** CR3 (below 2^52); the walk uses the base bits its mode defines. */
  cr3: number;
  wp: boolean;
  pse: boolean;
  nxe: boolean;
  smep: boolean;
  smap: boolean;
  ac: boolean;
  pke: boolean;
  pkru: number;
  maxphyaddr: number;
  gbpages: boolean;
}

export interface EptState {
  levels: 4 | 5;
  root: number;
  ad: boolean;
  execonly: boolean;
  maxphyaddr: number;
}

export type AccessOp = 'read' | 'write' | 'fetch';

export interface Access {
  va: U64;
  op: AccessOp;
  cpl: 0 | 3;
  implicit: boolean;
}

/**
 * What a walk reads: CPU state, EPT state and physical memory of either
 * backing (a scenario's PhysMem, or a dump's FileMemory).
 */
export interface WalkInput {
  cpu: CpuState;
  ept: EptState | null;
  memory: Memory;
}

/** A scenario: a WalkInput whose memory can be edited. */
export interface Scenario extends WalkInput {
  memory: PhysMem;
}

/** The JSON shape (FORMAT.md walk case without `expect`): addresses as "0x" hex strings. */
export type CpuJSON = Omit<CpuState, 'cr3' | 'pkru'> & { cr3: string; pkru: string };
export interface EptJSON {
  levels: 4 | 5;
  root: string;
  ad: boolean;
  execonly: boolean;
  maxphyaddr: number;
}
export interface AccessJSON {
  va: string;
  op: AccessOp;
  cpl: 0 | 3;
  implicit: boolean;
}
export interface ScenarioJSON {
  id?: string;
  title?: string;
  tags?: string[];
  cpu: CpuJSON;
  ept: EptJSON | null;
  memory: Record<string, string>;
  access?: AccessJSON;
}

/** A validation failure: `field` is a dotted path such as "cpu.maxphyaddr". */
export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, field: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) throw new ScenarioError(field, 'must be an object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new ScenarioError(field ? `${field}.${k}` : k, 'unknown key');
  }
  return v;
}

const path = (field: string, k: string): string => (field ? `${field}.${k}` : k);

function req(o: Obj, k: string, field: string): unknown {
  if (!(k in o)) throw new ScenarioError(path(field, k), 'missing');
  return o[k];
}

function bool(o: Obj, k: string, field: string): boolean {
  const v = req(o, k, field);
  if (typeof v !== 'boolean') throw new ScenarioError(`${field}.${k}`, 'must be true or false');
  return v;
}

function intIn(o: Obj, k: string, field: string, lo: number, hi: number): number {
  const v = req(o, k, field);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ScenarioError(`${field}.${k}`, `must be an integer from ${lo} to ${hi}`);
  }
  return v;
}

/** A "0x" hex string of at most `bits` bits. */
export function hexField(v: unknown, field: string, bits = 64): U64 {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) v = hexNum(v);
  if (typeof v !== 'string') throw new ScenarioError(field, 'must be a "0x" hex string');
  const u = parseHex64(v);
  if (u === null) throw new ScenarioError(field, `"${clip(v)}" is not a "0x" hex number of at most 64 bits`);
  if (bits < 64 && (bits <= 32 ? u.hi !== 0 || (bits < 32 && u.lo >= 2 ** bits) : u.hi >= 2 ** (bits - 32))) {
    throw new ScenarioError(field, `${v} does not fit in ${bits} bits`);
  }
  return u;
}

const clip = (s: string): string => (s.length > 24 ? s.slice(0, 21) + '...' : s);
const toNum = (u: U64): number => u.hi * 4294967296 + u.lo;

const PAGINGS: readonly GuestPaging[] = ['32', 'pae', '4', '5'];
const CPU_KEYS = ['paging', 'cr3', 'wp', 'pse', 'nxe', 'smep', 'smap', 'ac', 'pke', 'pkru', 'maxphyaddr', 'gbpages'] as const;
const EPT_KEYS = ['levels', 'root', 'ad', 'execonly', 'maxphyaddr'] as const;
const ACCESS_KEYS = ['va', 'op', 'cpl', 'implicit'] as const;
const OPS: readonly AccessOp[] = ['read', 'write', 'fetch'];

export function parseCpu(v: unknown, field = 'cpu'): CpuState {
  const o = obj(v, field, CPU_KEYS);
  const paging = req(o, 'paging', field);
  if (!PAGINGS.includes(paging as GuestPaging)) {
    throw new ScenarioError(`${field}.paging`, 'must be "32", "pae", "4" or "5"');
  }
  return {
    paging: paging as GuestPaging,
    cr3: toNum(hexField(req(o, 'cr3', field), `${field}.cr3`, 52)),
    wp: bool(o, 'wp', field),
    pse: bool(o, 'pse', field),
    nxe: bool(o, 'nxe', field),
    smep: bool(o, 'smep', field),
    smap: bool(o, 'smap', field),
    ac: bool(o, 'ac', field),
    pke: bool(o, 'pke', field),
    pkru: hexField(req(o, 'pkru', field), `${field}.pkru`, 32).lo,
    maxphyaddr: intIn(o, 'maxphyaddr', field, 32, 52),
    gbpages: bool(o, 'gbpages', field),
  };
}

export function parseEpt(v: unknown, field = 'ept'): EptState | null {
  if (v === null) return null;
  const o = obj(v, field, EPT_KEYS);
  const levels = req(o, 'levels', field);
  if (levels !== 4 && levels !== 5) throw new ScenarioError(`${field}.levels`, 'must be 4 or 5');
  return {
    levels,
    root: toNum(hexField(req(o, 'root', field), `${field}.root`, 52)),
    ad: bool(o, 'ad', field),
    execonly: bool(o, 'execonly', field),
    maxphyaddr: intIn(o, 'maxphyaddr', field, 32, 52),
  };
}

/** Memory: 8-byte-aligned addresses below 2^52 → 64-bit values. */
export function parseMemory(v: unknown, field = 'memory'): PhysMem {
  if (!isObj(v)) throw new ScenarioError(field, 'must be an object of "0xaddress": "0xvalue"');
  const mem = new PhysMem();
  for (const [k, val] of Object.entries(v)) {
    const a = hexField(k, `${field}["${clip(k)}"] address`, 52);
    const pa = toNum(a);
    if (pa % 8 !== 0) throw new ScenarioError(`${field}["${k}"]`, 'address must be 8-byte aligned');
    const q = hexField(val, `${field}["${k}"]`);
    mem.write64(pa, q.lo, q.hi);
  }
  return mem;
}

export function parseAccess(v: unknown, paging: GuestPaging | null, field = 'access'): Access {
  const o = obj(v, field, ACCESS_KEYS);
  const va = hexField(req(o, 'va', field), `${field}.va`);
  if ((paging === '32' || paging === 'pae') && va.hi !== 0) {
    throw new ScenarioError(`${field}.va`, `${paging === '32' ? '32-bit' : 'PAE'} paging translates 32-bit linear addresses`);
  }
  const op = req(o, 'op', field);
  if (!OPS.includes(op as AccessOp)) throw new ScenarioError(`${field}.op`, 'must be "read", "write" or "fetch"');
  const cpl = req(o, 'cpl', field);
  if (cpl !== 0 && cpl !== 3) throw new ScenarioError(`${field}.cpl`, 'must be 0 or 3');
  const implicit = bool(o, 'implicit', field);
  if (implicit && op === 'fetch') throw new ScenarioError(`${field}.implicit`, 'an implicit supervisor access is never a fetch');
  return { va, op: op as AccessOp, cpl, implicit };
}

export interface WalkCase {
  id: string;
  tags: string[];
  scenario: Scenario;
  access: Access | null;
  expect: unknown;
}

const CASE_KEYS = ['id', 'title', 'tags', 'cpu', 'ept', 'memory', 'access', 'expect'] as const;

/** Parse a walk case (or a scenario: `access` and `expect` optional). */
export function parseWalkCase(v: unknown): WalkCase {
  const o = obj(v, '', CASE_KEYS);
  const id = o.id === undefined ? '' : o.id;
  if (typeof id !== 'string') throw new ScenarioError('id', 'must be a string');
  const tags = o.tags === undefined ? [] : o.tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) {
    throw new ScenarioError('tags', 'must be a list of strings');
  }
  if (o.title !== undefined && typeof o.title !== 'string') throw new ScenarioError('title', 'must be a string');
  const cpu = parseCpu(req(o, 'cpu', ''), 'cpu');
  const ept = parseEpt(o.ept === undefined ? null : o.ept, 'ept');
  const memory = parseMemory(req(o, 'memory', ''), 'memory');
  const access = o.access === undefined ? null : parseAccess(o.access, cpu.paging);
  return { id, tags: tags as string[], scenario: { cpu, ept, memory }, access, expect: o.expect };
}

export function cpuToJSON(c: CpuState): CpuJSON {
  return {
    paging: c.paging,
    cr3: hexNum(c.cr3),
    wp: c.wp,
    pse: c.pse,
    nxe: c.nxe,
    smep: c.smep,
    smap: c.smap,
    ac: c.ac,
    pke: c.pke,
    pkru: hexNum(c.pkru >>> 0),
    maxphyaddr: c.maxphyaddr,
    gbpages: c.gbpages,
  };
}

export function eptToJSON(e: EptState | null): EptJSON | null {
  return e === null ? null : { levels: e.levels, root: hexNum(e.root), ad: e.ad, execonly: e.execonly, maxphyaddr: e.maxphyaddr };
}

export function accessToJSON(a: Access): AccessJSON {
  return { va: hex64(a.va.lo, a.va.hi), op: a.op, cpl: a.cpl, implicit: a.implicit };
}

export function scenarioToJSON(s: Scenario, access?: Access): ScenarioJSON {
  const out: ScenarioJSON = { cpu: cpuToJSON(s.cpu), ept: eptToJSON(s.ept), memory: s.memory.toJSON() };
  if (access) out.access = accessToJSON(access);
  return out;
}

export function cloneScenario(s: Scenario): Scenario {
  return { cpu: { ...s.cpu }, ept: s.ept && { ...s.ept }, memory: s.memory.clone() };
}
