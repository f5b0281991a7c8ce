/**
 * The document: everything that defines what the user sees, as a recipe —
 * where it starts (a preset by id and version, or a case that carries its
 * memory) and every change since, in order. The scenario, the shadow MMU and
 * the walk are derived from it (materialize.ts), so a link, a reload and an
 * undo all reproduce exactly what was shown. Plain JSON: it crosses the worker
 * boundary, goes into links and into IndexedDB.
 */
import type { AccessJSON, AccessOp, CpuJSON, GuestPaging, ScenarioJSON } from '../../engine';

/** A FORMAT.md shadow case (memory, host slots and guest operations), kept as JSON. */
export interface ShadowCaseJSON {
  id?: string;
  title?: string;
  tags?: string[];
  cpu: CpuJSON;
  host: { slots: [string, string, string][] };
  memory: Record<string, string>;
  ops: Record<string, unknown>[];
  expect?: unknown;
}

/** Where a document starts. */
export type Origin =
  /** A built-in preset; `v` pins the version that built it (old versions stay reachable). */
  | { kind: 'preset'; id: string; v: number }
  /**
   * A walk case (imported file, old link, vector): it carries its memory; `expect` is kept to compare.
   * `preset` names the preset it was made from (old links), for its title and paragraph.
   */
  | { kind: 'case'; case: ScenarioJSON & { expect?: unknown }; title: string; preset?: string }
  /** A shadow case from a vector file: opens in its shadow view with its operations to step through. */
  | { kind: 'shadow-case'; case: ShadowCaseJSON; title: string }
  /**
   * A QEMU dump-guest-memory file, read in place: the worker holds the file,
   * the document names it (`id` fingerprints its headers, so the same file
   * is recognised when it is chosen again after a reload).
   */
  | { kind: 'dump'; id: string; name: string; size: number };

export type VirtMode = 'none' | 'ept' | 'shadow' | 'nested';

/** A guest operation under a shadow MMU (shadow paging or nested EPT). */
export type OpJSON =
  /** A memory access at a linear address (nested EPT: an L2-linear address). */
  | { k: 'access'; va: string; op: AccessOp; cpl: 0 | 3; implicit: boolean }
  /** The guest (nested: L1) stores a qword at a guest-physical (L1-physical) address. */
  | { k: 'store'; gpa: string; value: string }
  | { k: 'invlpg'; va: string }
  /** Load CR3 with address space `space` (an index into the document's spaces). */
  | { k: 'cr3'; space: number }
  | { k: 'invept' };

export type CpuPatch = Partial<Omit<CpuJSON, 'paging'>>;
export interface EptPatch {
  ad?: boolean;
  execonly?: boolean;
  maxphyaddr?: number;
}

/** One change. Every action is one step of the history and one item of a link's recipe. */
export type Action =
  | { t: 'cpu'; cpu: CpuPatch }
  | { t: 'paging'; paging: GuestPaging }
  | { t: 'la57'; on: boolean }
  | { t: 'virt'; mode: VirtMode }
  | { t: 'ept5'; on: boolean }
  | { t: 'ept'; ept: EptPatch }
  /** Write an entry of `bytes` bytes at `addr` in the scenario's memory (host-physical under EPT). */
  | { t: 'mem'; addr: string; value: string; bytes: 4 | 8 }
  | { t: 'access'; access: Partial<AccessJSON> }
  /** Run a guest operation under the shadow MMU (it replaces any operations after the current one). */
  | { t: 'op'; op: OpJSON }
  /** Move to operation `at` of the shadow MMU's list (0 = before the first): runs or rewinds operations. */
  | { t: 'seek'; at: number }
  /** A dump's vCPU whose registers (CR0, CR3, CR4, RFLAGS) the walk uses. */
  | { t: 'vcpu'; n: number };

export type ShadowWalkKind = 'hardware' | 'guest' | 'retry' | 'hang';

/** What is shown of the document: the walk's reference, and under a shadow MMU which walk and how far. */
export interface View {
  /** References shown, 0…n; -1 = the whole walk. */
  step: number;
  walk?: ShadowWalkKind;
  /** Steps shown of that walk; -1 = all. */
  walkStep?: number;
}

/** A lesson the document is a stop of: a built-in one by id, or an instructor's own (its whole text); `base` = changes the stop itself made. */
export interface LessonRef {
  id: string;
  def?: import('../../lessons/lesson').Lesson;
  at: number;
  base: number;
}

export interface Doc {
  origin: Origin;
  actions: Action[];
  view: View;
  /** Set while the user follows a lesson (each stop opens a document with it; changes keep it). */
  lesson?: LessonRef;
}

export const WHOLE: View = { step: -1 };
