/**
 * Plain data that crosses the worker boundary (structured clone). The main
 * thread imports these types only; it never imports the engine's code.
 */
import type { AccessJSON, BitGroup, BitRole, BitSpan, CpuJSON, EntryField, EntryKind, EptJSON, Trace } from '../engine';

export type { AccessJSON, BitGroup, BitRole, BitSpan, CpuJSON, EptJSON, Trace, EntryField, EntryKind };

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

export interface ScenarioDoc {
  id: string;
  title: string;
  cpu: CpuJSON;
  ept: EptJSON | null;
  access: AccessJSON;
}

export interface Snapshot {
  rev: number;
  doc: ScenarioDoc;
  address: AddressLayout;
  trace: Trace;
  targets: StepTarget[];
  /** Null when the drawing did not change since the last snapshot. */
  layout: TreeLayout | null;
  canUndo: boolean;
  canRedo: boolean;
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
}

/** Edits that change the scenario (each one can be undone). */
export type Edit =
  | { kind: 'cpu'; patch: Partial<CpuJSON> }
  | { kind: 'paging'; paging: CpuJSON['paging'] }
  | { kind: 'la57'; on: boolean }
  | { kind: 'virtualization'; mode: 'none' | 'ept' }
  | { kind: 'ept5'; on: boolean }
  | { kind: 'ept'; patch: Partial<Pick<EptJSON, 'ad' | 'execonly' | 'maxphyaddr'>> }
  | { kind: 'entry'; tableId: string; index: number; value: string }
  /** Set one decoded field of an entry (a flag, MT, PK, or Address) to `value` (hex). */
  | { kind: 'field'; tableId: string; index: number; field: string; value: string };

/** The link/storage payload's view part. */
export interface ViewState {
  step: number;
  /** Virtualization by a shadow MMU (absent: none or EPT, which the scenario itself says). */
  virt?: 'shadow' | 'nested';
}
