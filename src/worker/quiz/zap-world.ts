/**
 * The guest of a 'zap' question and its operations as FORMAT.md shadow-case
 * JSON, each with a sentence that names its address's space: a small process
 * (a few user pages in one page table, two more under the same page directory
 * in another, and a kernel page elsewhere), the tables each address walks
 * through (from the engine's own walk), and `run`, which replays the case
 * exactly as the app does (materialize's shadow-case origin, then a
 * ShadowSession) and reports the last operation: pages before, pages zapped,
 * its events.
 */
import { GiB1, KiB4, MiB2, translate, type GuestPaging, type RefRecord, type Scenario } from '../../engine';
import { cpuToJSON } from '../../engine';
import { baseState } from '../doc/materialize';
import type { ShadowCaseJSON } from '../doc/types';
import { ShadowSession } from '../shadowSession';
import type { OpRecord, ShadowEventView, ShadowView } from '../shadowTypes';
import { hx } from './explain';
import type { Rng } from './rng';
import { accessOf, newSpace, randomCpu, randomFrame, tryMap, type Space } from './space';

export interface ZapOp {
  json: Record<string, unknown>;
  text: string;
}

export interface ZapWorld {
  s: Scenario;
  /** Pages of region A (one page table), region B (another table under the same PD), and a kernel page. */
  a: bigint[];
  b: bigint[];
  k: bigint;
  /** Guest-physical host offset of the memory slot. */
  hostOffset: number;
}

const STRUCT: Record<number, string> = { 1: 'PT', 2: 'PD', 3: 'PDPT', 4: 'PML4', 5: 'PML5' };

/** Build the guest: tables from a random place, user pages in two page tables under one PD, a kernel page. */
export function zapWorld(rng: Rng, paging: GuestPaging): ZapWorld {
  const sp: Space = newSpace(rng, randomCpu(rng, paging, { wp: true, nxe: true, maxphyaddr: paging === 'pae' ? 40 : rng.pick([40, 46]) }));
  const user = paging === 'pae' ? BigInt(rng.pick([0x0040_0000, 0x0800_0000, 0x4000_0000, 0x8000_0000])) : rng.pick([0x40_0000n, 0x5555_5540_0000n, 0x7f00_0000_0000n]);
  // Region A's 2 MiB block and region B's a few blocks later, inside the same 1 GiB (one PD).
  const blockA = user + BigInt(rng.int(0, 200)) * BigInt(MiB2);
  const blockB = blockA + BigInt(rng.int(1, 8)) * BigInt(MiB2);
  const firstA = rng.int(0, 400);
  const a = Array.from({ length: rng.int(3, 4) }, (_, i) => blockA + BigInt((firstA + i) * KiB4));
  const b = Array.from({ length: 2 }, (_, i) => blockB + BigInt((rng.int(0, 500) + i) * KiB4));
  const rw = { w: true, u: true, nx: paging !== '5' && paging !== '4' ? false : true };
  for (const va of [...a, ...b]) tryMap(sp, { va, pa: randomFrame(rng, sp, KiB4, 40), size: KiB4, flags: rw });
  const kSize = rng.chance(0.5) ? MiB2 : KiB4;
  const kBase = paging === 'pae' ? 0xc000_0000n + BigInt(rng.int(0, 200)) * BigInt(MiB2) : 0xffff_8880_0000_0000n + BigInt(rng.int(0, 500)) * BigInt(GiB1);
  tryMap(sp, { va: kBase, pa: randomFrame(rng, sp, kSize, 40), size: kSize, flags: { w: true } });
  return { s: sp.b.scenario(), a, b, k: kBase + BigInt(rng.bits(12)), hostOffset: GiB1 * rng.int(4, 32) };
}

/** The guest entry at `level` that `va` walks through (engine's walk). */
export function entryOf(w: ZapWorld, va: bigint, level: number): RefRecord {
  const r = translate(w.s, accessOf(va, 'read', 0)).refs.find((x) => x.kind === 'g' && x.level === level);
  if (!r) throw new Error(`no level-${level} entry for ${hx(va)}`);
  return r;
}

/** "entry 0x64 of its PD at guest-physical 0x103000". */
export function entryWords(r: RefRecord, paging: GuestPaging): string {
  const name = paging === 'pae' && r.level === 3 ? 'PDPT' : STRUCT[r.level];
  return `entry ${hx(r.index)} of its ${name} at guest-physical ${hx(r.tableBase)}`;
}

export function accessOp(va: bigint, kind: 'read' | 'write', cpl: 0 | 3): ZapOp {
  return { json: { op: 'access', va: hx(va), kind, cpl }, text: `a ${kind} of linear ${hx(va)} at CPL ${cpl}` };
}

export function storeOp(gpa: number, value: bigint, what: string): ZapOp {
  return { json: { op: 'store', gpa: hx(gpa), value: hx(value) }, text: `a store of ${hx(value)} to guest-physical ${hx(gpa)} (${what})` };
}

export function caseOf(w: ZapWorld, ops: ZapOp[]): ShadowCaseJSON {
  return {
    cpu: cpuToJSON(w.s.cpu),
    host: { slots: [['0x0', hx(w.hostOffset), hx(2 ** 40)]] },
    memory: w.s.memory.toJSON(),
    ops: ops.map((o) => o.json),
  };
}

export interface ZapRun {
  /** The shadow MMU before the last operation, and after it. */
  before: ShadowView;
  after: ShadowView;
  /** Events of the last operation. */
  events: ShadowEventView[];
  record: OpRecord;
}

/** Replay the case as the app opens it, stopping before the last operation to look, then run it. */
export function run(c: ShadowCaseJSON, title: string): ZapRun {
  const st = baseState({ kind: 'shadow-case', case: c, title });
  const sh = st.shadow!;
  const session = new ShadowSession();
  session.openSetup(sh.setup, null, title);
  for (const op of sh.ops.slice(0, -1)) session.runOp(op);
  const before = session.view();
  const last = before.events.length ? before.events[before.events.length - 1].seq : -1;
  const record = session.runOp(sh.ops[sh.ops.length - 1]);
  const after = session.view();
  return { before, after, events: after.events.filter((e) => e.seq > last), record };
}
