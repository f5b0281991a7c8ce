/**
 * Plain data for the shadow-MMU views (issue 4), crossing the worker boundary
 * by structured clone. The main thread imports these types only.
 */

export type ShadowMode = 'shadow' | 'nested';

/** One guest table (a guest page table, or an EPT12 table for nested EPT). */
export interface GuestTableView {
  /** DOM-safe id ("gt-<gfn hex>") that shadow pages link to. */
  id: string;
  gfn: number;
  base: string;
  level: number;
  name: string;
  entryBytes: 4 | 8;
  /** Which address spaces (indexes into `spaces`) reach it. */
  spaces: number[];
  entries: { index: number; addr: string; value: string; label: string }[];
  /** Present entries not listed. */
  more: number;
  /** Shadow pages that shadow this table. */
  shadowedBy: number[];
  writeProtected: boolean;
}

export interface ShadowPageCard {
  id: number;
  level: number;
  gfn: string;
  hpa: string;
  direct: boolean;
  /** role text: "L2 4-byte q1 acc=UWX …". */
  role: string;
  quadrant: number;
  unsync: boolean;
  unsyncChildren: number;
  writeProtected: boolean;
  /** Used as a root (current or cached). */
  root: boolean;
  currentRoot: boolean;
  writeFlooding: number;
  sptes: { index: number; value: string; label: string }[];
  moreSptes: number;
  /** The guest table it shadows (GuestTableView.id), null for direct pages. */
  guestTable: string | null;
  /** A one-line summary for the list item (level, guest frame, role). */
  summary: string;
}

export interface ShadowEventView {
  seq: number;
  type: string;
  exit: boolean;
  text: string;
}

/** One step of a walk (the CPU's through the shadow tables, or KVM's through the guest's). */
export interface WalkStepView {
  level: number;
  table: string;
  index: number;
  entry: string;
  note: string;
  /** 'ok' continues; 'stop' ends the walk here (fault, exit, or wrong page). */
  state: 'ok' | 'leaf' | 'stop';
}

export interface OpRecord {
  /** What was done: "read 0x601234 at CPL 3", "guest store …". */
  title: string;
  exits: number;
  /** The CPU's walk through the shadow tables before KVM did anything. */
  hardware: WalkStepView[] | null;
  hardwareVerdict: string | null;
  /** KVM's walk of the guest's tables after the exit (null when there was none). */
  guestWalk: WalkStepView[] | null;
  guestWalkVerdict: string | null;
  /** The CPU's walk again after KVM fixed the shadow tables. */
  retry: WalkStepView[] | null;
  retryVerdict: string | null;
  outcome: string;
  /** What the guest got, as data (the Result panel and the tests read this, not the sentence). */
  result: OpResult;
}

/** The outcome of one operation. Addresses: `hpa` host-physical; nested: `l2pa` L2-physical, `l1pa` L1-physical. */
export type OpResult =
  | { outcome: 'none' }
  | { outcome: 'ok'; hpa: number; l2pa?: number; l1pa?: number | null }
  | { outcome: 'pf'; ec: number }
  | { outcome: 'gp' }
  | { outcome: 'ept_violation'; l2pa: number; qual?: number }
  | { outcome: 'ept_misconfig'; l2pa: number }
  | { outcome: 'hang'; l2pa: number; text: string }
  /** Nested: L2's own walk faulted (L2's #PF, no exit). */
  | { outcome: 'l2-fault'; text: string };

export interface NestedInfo {
  rule: string;
  hostEptLevels: number;
  ept01: number;
  ept12: number;
  ept02: number;
  eptp02: number;
  ept5Exposed: boolean;
  /** The CPU's walk of EPT02 with EPTP02's length, when it does not work (the 2020 bug). */
  hang: { steps: WalkStepView[]; verdict: string } | null;
}

export interface ShadowView {
  mode: ShadowMode;
  presetId: string | null;
  title: string;
  /** "4-level guest", "32-bit guest on a PAE root", "L2 under a 4-level EPT12". */
  guestMode: string;
  /** The current address (linear, or L2 guest-physical for nested EPT). */
  address: string;
  spaces: { name: string; cr3: string; current: boolean }[];
  guestTables: GuestTableView[];
  pages: ShadowPageCard[];
  /** Pages zapped by the last operation (drawn fading out; not in the live list). */
  zapped: ShadowPageCard[];
  /** Ids created by the last operation (drawn fading in). */
  created: number[];
  events: ShadowEventView[];
  /** Events dropped from the front of the log (it keeps the last EVENT_LIMIT). */
  eventsDropped: number;
  counters: { exits: number; spAlive: number; sptes: number; pageFaultExits: number; trackedWriteExits: number; invlpgExits: number; cr3Exits: number; eptViolationExits: number; spCreated: number; spZapped: number; unsyncs: number; syncs: number; floods: number; rootHits: number; rootMisses: number };
  last: OpRecord | null;
  nested: NestedInfo | null;
}
