/**
 * Plain data that crosses the worker boundary (structured clone). The main
 * thread imports these types only; it never imports the engine's code.
 */
import type { AccessJSON, BitGroup, BitRole, BitSpan, CpuJSON, DecodedBit, EntryField, EntryKind, EptJSON, Trace } from '../engine';
import type { Action, Doc, View, VirtMode } from './doc/types';
import type { ShadowView } from './shadowTypes';
import type { DumpInfo } from './dumpSession';

export type { AccessJSON, BitGroup, BitRole, BitSpan, CpuJSON, EptJSON, Trace, EntryField, EntryKind, Action, Doc, View, VirtMode };

/** One level of the linear address, for the bit split under the address bar. */
export interface AddressLevel {
  name: string;
  /** Address bits [high, low] that index this level. */
  hi: number;
  lo: number;
}

export interface AddressLayout {
  /** 32 (32-bit, PAE), 48 or 57. */
  width: number;
  /** Top level first. */
  levels: AddressLevel[];
}

/** A row of a drawn table: an entry, or a folded run of entries. */
export type TreeRow =
  | {
      kind: 'entry';
      index: number;
      value: string;
      entryKind: EntryKind;
      /** "→ PDPT 0x3000", "4 KiB → 0x5000", "not present", … */
      label: string;
      /** Short rights: "W U", "R XD", "RWX", … */
      flags: string;
    }
  | {
      kind: 'fold';
      from: number;
      to: number;
      /** Present entries hidden in this run (0: the run is all empty). */
      hidden: number;
    };

export interface TreeNode {
  id: string;
  tree: 'guest' | 'ept';
  level: number;
  name: string;
  /** Table address (guest-physical for guest tables) and where it is in host memory. */
  base: string;
  hostBase: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  rows: TreeRow[];
  /** Entries in the table (4 PAE PDPTEs, 1024 in 32-bit paging, else 512). */
  count: number;
  present: number;
  /** Present entries not listed (folded); expanding the node lists them. */
  hiddenPresent: number;
}

export interface TreeEdge {
  from: string;
  index: number;
  to: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A labelled root pointer (CR3, EPTP) drawn left of a tree. */
export interface TreeRoot {
  label: string;
  value: string;
  x: number;
  y: number;
  to: string;
}

export interface TreeLayout {
  /** Changes whenever the drawing changes. */
  key: string;
  nodes: TreeNode[];
  edges: TreeEdge[];
  roots: TreeRoot[];
  width: number;
  height: number;
  truncated: boolean;
  stats: { tables: number; pages: number; eptTables: number };
}

/** Where a trace step's entry is drawn. */
export interface StepTarget {
  tableId: string;
  index: number;
}

/** The document as the views need it: where it came from, the mode, and the inputs of the walk. */
export interface DocInfo {
  title: string;
  /** The preset it started from (the picker shows it), or null. */
  presetId: string | null;
  paragraph: string | null;
  origin: 'preset' | 'case' | 'shadow-case' | 'dump';
  /** The lesson this is a stop of: where in it, the stop's narration, and whether the user changed anything since the stop opened. */
  lesson: { id: string; title: string; at: number; count: number; titles: string[]; stop: { title: string; narration: string }; changed: boolean; builtin: boolean } | null;
  /** A QEMU dump's facts: file, vCPUs and registers, what was assumed, where QEMU departs from the SDM, the address space's size. */
  dump: (DumpInfo & { name: string; size: number }) | null;
  virt: VirtMode;
  /** The guest's CPU state (L2's under nested EPT). */
  cpu: CpuJSON;
  /** The EPT the walk runs under (EPT12 under nested EPT); null natively and under shadow paging. */
  ept: EptJSON | null;
  eptInfo: EptInfo | null;
  access: AccessJSON;
  /** The 64-bit address a switch to 32-bit paging cut to its low half (restored on the way back). */
  vaCut: string | null;
  /** What each address space is called in this mode (linear, guest, host). */
  spaces: { linear: string; guest: string; host: string };
  /** States hardware can never be in, named. */
  corners: { field: string; title: string; text: string }[];
  /** An imported case's expectation beside what Pagoda computes. */
  expect: ExpectView | null;
  /** Changes to the scenario since the origin (not counting steps through operations or access changes). */
  changes: number;
}

export interface EptInfo {
  /** The EPTP value: root | (walk length − 1) << 3 | A/D << 6 | memory type. */
  eptp: string;
  fields: { bits: string; value: string; meaning: string }[];
  /** What the EPT's leaves build, read off the EPT itself. */
  layout: string | null;
}

export interface ExpectRow {
  key: string;
  expected: string;
  computed: string;
  same: boolean;
}

export interface ExpectView {
  rows: ExpectRow[];
  agrees: boolean;
}

/** The Translation result: what the CPU gets for the current access in the current mode. */
export interface ResultView {
  kind: 'ok' | 'fault' | 'stale' | 'hang' | 'corner';
  /** On success, its first hex number is the physical address the CPU uses. */
  title: string;
  text: string;
  bits: DecodedBit[];
  bitsLabel: 'Error code bits' | 'Exit qualification bits' | null;
  pa: string | null;
  notes: string[];
}

/** The shadow MMU's operation list and where it is. */
export interface OpsView {
  items: { text: string; note: string }[];
  /** Operations applied (0 … items.length). */
  at: number;
}

export interface Snapshot {
  rev: number;
  doc: DocInfo;
  address: AddressLayout;
  /** The guest's walk (natively and under EPT the walk the CPU makes; under a shadow MMU the guest's own). */
  trace: Trace;
  targets: StepTarget[];
  /** The drawing; null when it did not change since the last snapshot. */
  layout: TreeLayout | null;
  result: ResultView;
  shadow: ShadowView | null;
  ops: OpsView | null;
  view: View;
  canUndo: boolean;
  canRedo: boolean;
  /** Position in the history (1-based) and its length. */
  history: { at: number; size: number };
}

/** A failure the UI shows as an alert: `field` names what is wrong. */
export interface Problem {
  field: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export interface EntryInfo {
  tableId: string;
  index: number;
  tree: 'guest' | 'ept';
  structure: string;
  level: number;
  entryBytes: 4 | 8;
  /** Where the entry is (host-physical) and, under EPT for guest entries, its guest-physical address. */
  addr: string;
  gpa: string | null;
  value: string;
  kind: EntryKind;
  /** The walk maps a page here (never for a reserved or not-present entry). */
  leaf: boolean;
  /** The fields the walk reads at this level in this mode (engine decodeEntry). */
  fields: EntryField[];
  /** Page or next-table base; null when the walk stops at this entry. */
  target: string | null;
  rsvdMask: string;
  rsvdSet: number[];
  misconfig: string | null;
  /** Every bit's role (index = bit): field, reserved (with the reason) or ignored (with why). */
  roles: BitRole[];
  /** The roles as runs of bits, high bits first. */
  spans: BitSpan[];
  /** Reserved bits grouped by reason (empty when the entry is not present: nothing is checked). */
  reserved: BitGroup[];
  /** The reserved bits that are set, grouped by reason: the walk's violations. */
  reservedSet: BitGroup[];
  /** Ignored bits grouped by reason. */
  ignored: BitGroup[];
}

export interface PresetInfo {
  id: string;
  title: string;
  paragraph: string;
  group: string;
}

/** A change the UI asks for: an action, or an entry edit named by where it is drawn (the worker turns it into a memory write). */
export type Intent =
  | Action
  | { t: 'entry'; tableId: string; index: number; value: string }
  /** Set one decoded field of an entry (a flag, MT, PK, or Address) to `value` (hex). */
  | { t: 'field'; tableId: string; index: number; field: string; value: string };

/** One case of an imported file, to choose from. */
export interface FileCase {
  index: number;
  id: string;
  kind: 'walk' | 'shadow';
  /** Why it cannot be opened, or null. */
  problem: string | null;
  summary: string;
}

/** An import: opened at once (one case), or a list to choose from. */
export type FileAnswer = { opened: Snapshot } | { choose: { name: string; cases: FileCase[] } };

/** The saved state (IndexedDB): the whole history. */
export interface SavedState {
  v: 1;
  docs: Doc[];
  at: number;
}

/** A quiz as students see it: the questions without their answers (the worker checks them). */
export interface QuizView {
  topic: string;
  seed: number;
  title: string;
  questions: { id: string; prompt: string; answerKind: 'hex' | 'int' | 'bits' | 'set'; choices: { id: string; label: string }[] | null }[];
}
