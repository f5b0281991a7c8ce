/**
 * The worker's session: the one place that holds the scenario (with its
 * memory), runs the engine and answers the UI with plain snapshots. Edits
 * never mutate a scenario in place (memory is cloned before an entry write;
 * transforms return new scenarios), so the undo stack can keep old ones.
 */
import {
  ScenarioError,
  accessToJSON,
  collectTree,
  cpuToJSON,
  decodeEntry,
  encodeFrame,
  toBig,
  disableEpt,
  enableEpt,
  eptFormat,
  eptToJSON,
  guestFormat,
  guestLocator,
  guestRoot,
  hexNum,
  parseAccess,
  parseCpu,
  parseHex64,
  parseWalkCase,
  scenarioToJSON,
  setEpt5,
  setLa57,
  tableId,
  traceWalk,
  translate,
  type Access,
  type PagingFormat,
  type Scenario,
  type ScenarioJSON,
  type Tree,
  type WalkCase,
} from '../engine';
import { resultToJSON } from '../engine/vectors';
import { DEFAULT_PRESET_ID, PRESETS, presetById } from '../presets';
import { shadowPresetInfos } from './shadowApi';
import { decodeLink, encodeLink } from '../share/codec';
import { COL_GAP, layoutTree } from './layout';
import { entryInfo } from './inspect';
import type {
  AccessJSON,
  AddressLayout,
  Edit,
  EntryInfo,
  PresetInfo,
  Problem,
  Result,
  ScenarioDoc,
  Snapshot,
  StepTarget,
  TreeLayout,
  ViewState,
} from './types';

interface Doc {
  id: string;
  title: string;
  scenario: Scenario;
  access: Access;
}

const UNDO_LIMIT = 100;
/** Tables drawn per tree at most (the rest is reported as truncated). */
export const MAX_TABLES = 5000;

const problemOf = (e: unknown, prefix = ''): Problem =>
  e instanceof ScenarioError
    ? { field: prefix + e.field, message: e.problem }
    : { field: prefix.replace(/\.$/, '') || 'scenario', message: e instanceof Error ? e.message : String(e) };

export class Session {
  private doc: Doc | null = null;
  private undoStack: Doc[] = [];
  private redoStack: Doc[] = [];
  private rev = 0;
  private trees: { guest: Tree; ept: Tree | null; gf: PagingFormat; ef: PagingFormat | null } | null = null;
  private treesFor: Scenario | null = null;
  private targets: StepTarget[] = [];
  private lastLayoutKey = '';
  private expanded = new Set<string>();
  private selected: StepTarget | null = null;

  presets(): PresetInfo[] {
    return [...PRESETS.map((p) => ({ id: p.id, title: p.title, paragraph: p.paragraph })), ...shadowPresetInfos()];
  }

  openPreset(id: string = DEFAULT_PRESET_ID): Result<Snapshot> {
    const p = presetById(id);
    if (!p) return { ok: false, problem: { field: 'preset', message: `there is no preset "${id}"` } };
    const { scenario, access } = p.build();
    return { ok: true, value: this.replace({ id: p.id, title: p.title, scenario, access }) };
  }

  /** Open a share link (fragment) or the saved one; `view.step` is validated against the walk. */
  openLink(fragment: string): Result<{ snapshot: Snapshot; view: ViewState }> {
    const r = decodeLink(fragment);
    if (!r.ok) return r;
    const snap = this.openCase(r.value.walkCase);
    const n = snap.trace.steps.length;
    if (r.value.view.step > n) {
      return { ok: false, problem: { field: 'link.view.step', message: `is ${r.value.view.step}, but the walk has ${n} references` } };
    }
    return { ok: true, value: { snapshot: snap, view: r.value.view } };
  }

  /** Open an imported file: one walk case as JSON, or JSON Lines (the first case). */
  openFile(text: string, name = 'file'): Result<Snapshot> {
    const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
    if (line === undefined) return { ok: false, problem: { field: name, message: 'the file is empty' } };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      try {
        json = JSON.parse(line); // JSON Lines: the first case
      } catch {
        return { ok: false, problem: { field: name, message: 'the file is not JSON (a walk case object, or JSON Lines of them)' } };
      }
    }
    let c: WalkCase;
    try {
      c = parseWalkCase(json);
    } catch (e) {
      return { ok: false, problem: problemOf(e) };
    }
    if (c.access === null) {
      c.access = { va: { lo: 0, hi: 0 }, op: 'read', cpl: 0, implicit: false };
    }
    return { ok: true, value: this.openCase(c) };
  }

  private openCase(c: WalkCase): Snapshot {
    const preset = presetById(c.id);
    const title = c.id ? (preset ? preset.title : c.id) : 'Scenario';
    return this.replace({ id: c.id, title, scenario: c.scenario, access: c.access! });
  }

  private replace(doc: Doc): Snapshot {
    if (this.doc) this.pushUndo();
    this.doc = doc;
    this.expanded.clear();
    this.selected = null;
    return this.snapshot();
  }

  private pushUndo(): void {
    this.undoStack.push(this.doc!);
    if (this.undoStack.length > UNDO_LIMIT) this.undoStack.shift();
    this.redoStack = [];
  }

  /** The open document (for the shadow MMU, which runs this guest). */
  current(): Doc {
    return this.need();
  }

  /** Take the guest as the shadow MMU now has it (A/D bits, stores); not an undoable edit. */
  adopt(doc: Doc): Snapshot {
    if (this.doc?.id !== doc.id) {
      this.expanded.clear();
      this.selected = null;
    }
    this.doc = doc;
    return this.snapshot();
  }

  /** Change the access (address, kind, mode); not an undoable edit. */
  setAccess(a: AccessJSON): Result<Snapshot> {
    const d = this.need();
    try {
      const access = parseAccess(a, d.scenario.cpu.paging);
      this.doc = { ...d, access };
      return { ok: true, value: this.snapshot() };
    } catch (e) {
      return { ok: false, problem: problemOf(e) };
    }
  }

  edit(e: Edit): Result<Snapshot> {
    const d = this.need();
    let s: Scenario;
    let access = d.access;
    try {
      s = this.applyEdit(d.scenario, e);
      if (s.cpu.paging === '32' || s.cpu.paging === 'pae') {
        if (access.va.hi !== 0) access = { ...access, va: { lo: access.va.lo, hi: 0 } };
      }
      if (s.cpu.paging === '32' && access.op === 'fetch' && access.implicit) access = { ...access, implicit: false };
    } catch (err) {
      return { ok: false, problem: problemOf(err) };
    }
    if (s === d.scenario) return { ok: true, value: this.snapshot() };
    this.pushUndo();
    this.doc = { ...d, scenario: s, access };
    return { ok: true, value: this.snapshot() };
  }

  private applyEdit(s: Scenario, e: Edit): Scenario {
    switch (e.kind) {
      case 'cpu': {
        const cpu = parseCpu({ ...cpuToJSON(s.cpu), ...e.patch });
        return { ...s, cpu };
      }
      case 'paging': {
        if ((e.paging === '5') !== (s.cpu.paging === '5') && (e.paging === '4' || e.paging === '5') && (s.cpu.paging === '4' || s.cpu.paging === '5')) {
          return setLa57(s, e.paging === '5');
        }
        return { ...s, cpu: parseCpu({ ...cpuToJSON(s.cpu), paging: e.paging }) };
      }
      case 'la57':
        return setLa57(s, e.on);
      case 'virtualization':
        return e.mode === 'ept' ? enableEpt(s) : disableEpt(s);
      case 'ept5':
        return setEpt5(s, e.on);
      case 'ept': {
        if (s.ept === null) throw new ScenarioError('ept', 'EPT is off');
        const next = { ...eptToJSON(s.ept)!, ...e.patch };
        if (!Number.isInteger(next.maxphyaddr) || next.maxphyaddr < 32 || next.maxphyaddr > 52) {
          throw new ScenarioError('ept.maxphyaddr', 'must be an integer from 32 to 52');
        }
        return { ...s, ept: { ...s.ept, ad: next.ad, execonly: next.execonly, maxphyaddr: next.maxphyaddr } };
      }
      case 'entry':
        return this.writeEntry(s, e.tableId, e.index, e.value);
      case 'field':
        return this.writeEntry(s, e.tableId, e.index, this.withField(s, e.tableId, e.index, e.field, e.value));
    }
  }

  private writeEntry(s: Scenario, id: string, index: number, value: string): Scenario {
    const loc = this.locateEntry(id, index);
    if (loc === null) throw new ScenarioError('entry', `table ${id} is not in the drawing`);
    const v = parseHex64(value, true);
    if (v === null) throw new ScenarioError('entry.value', `"${value.slice(0, 24)}" is not a hex number of at most 64 bits`);
    if (loc.bytes === 4 && v.hi !== 0) throw new ScenarioError('entry.value', '32-bit paging entries are 32 bits wide');
    const memory = s.memory.clone();
    memory.write32(loc.addr, v.lo);
    if (loc.bytes === 8) memory.write32(loc.addr + 4, v.hi);
    return { ...s, memory };
  }

  /** The entry's value with one decoded field replaced (Address goes through the format's frame encoding). */
  private withField(s: Scenario, id: string, index: number, name: string, value: string): string {
    const loc = this.locateEntry(id, index);
    if (loc === null) throw new ScenarioError('entry', `table ${id} is not in the drawing`);
    const lo = s.memory.read32(loc.addr);
    const hi = loc.bytes === 8 ? s.memory.read32(loc.addr + 4) : 0;
    const d = decodeEntry(loc.format, loc.level, lo, hi);
    const field = d.fields.find((f) => f.name === name);
    if (!field) throw new ScenarioError(`entry.${name}`, 'this entry has no such field');
    const v = parseHex64(value, true);
    if (v === null) throw new ScenarioError(`entry.${name}`, `"${value.slice(0, 24)}" is not a hex number`);
    const [high, low] = field.bits;
    const num = v.hi * 4294967296 + v.lo;
    let cur = toBig({ lo, hi });
    const width = BigInt(high - low + 1);
    const mask = ((1n << width) - 1n) << BigInt(low);
    if (name === 'Address') {
      const align = 2 ** low;
      if (num % align !== 0) throw new ScenarioError('entry.Address', `must be aligned to ${hexNum(align)}`);
      if (num >= 2 ** (high + 1) && loc.bytes === 8) throw new ScenarioError('entry.Address', `must be below 2^${high + 1}`);
      const fr = encodeFrame(loc.format, loc.level, num, d.leaf);
      // 32-bit 4 MiB PDEs keep PA bits 39:32 in bits 20:13, so take their mask from the encoder.
      const frameMask = loc.bytes === 4 ? toBig(encodeFrame(loc.format, loc.level, d.leaf && loc.level === 2 ? 0xff_ffc0_0000 : 0xffff_f000, d.leaf)) : mask;
      cur = (cur & ~frameMask) | toBig(fr);
    } else {
      if (BigInt(num) >> width !== 0n) throw new ScenarioError(`entry.${name}`, `does not fit in ${high - low + 1} bit${high === low ? '' : 's'}`);
      cur = (cur & ~mask) | (BigInt(num) << BigInt(low));
    }
    return '0x' + cur.toString(16);
  }

  undo(): Snapshot {
    const prev = this.undoStack.pop();
    if (prev) {
      this.redoStack.push(this.need());
      this.doc = prev;
    }
    return this.snapshot();
  }

  redo(): Snapshot {
    const next = this.redoStack.pop();
    if (next) {
      this.undoStack.push(this.need());
      this.doc = next;
    }
    return this.snapshot();
  }

  /** Expand or collapse a table's folded entries; returns a snapshot with the new drawing. */
  setExpanded(id: string, on: boolean): Snapshot {
    if (on) this.expanded.add(id);
    else this.expanded.delete(id);
    return this.snapshot();
  }

  /** Select an entry for the inspector (kept listed in the drawing). */
  inspect(id: string, index: number): EntryInfo | null {
    const loc = this.locateEntry(id, index);
    if (loc === null) return null;
    this.selected = { tableId: id, index };
    return entryInfo(this.need().scenario, { ...loc, tableId: id, index });
  }

  /** The export: a FORMAT.md walk case, with `expect` computed by the engine. */
  exportCase(): string {
    const d = this.need();
    const json: ScenarioJSON & { expect?: unknown } = { id: d.id || 'pagoda-scenario', ...scenarioToJSON(d.scenario, d.access) };
    json.expect = expectOf(d.scenario, d.access);
    return JSON.stringify(json, null, 1) + '\n';
  }

  /** The share fragment (without '#') for the current scenario and view. */
  fragment(view: ViewState): string {
    const d = this.need();
    const c: ScenarioJSON = { id: d.id, ...scenarioToJSON(d.scenario, d.access) };
    return encodeLink({ case: c, view });
  }

  private need(): Doc {
    if (this.doc === null) {
      const r = this.openPreset();
      if (!r.ok) throw new Error(r.problem.message);
    }
    return this.doc!;
  }

  private formats(s: Scenario): { gf: PagingFormat; ef: PagingFormat | null } {
    return { gf: guestFormat(s.cpu), ef: s.ept ? eptFormat(s.ept) : null };
  }

  private ensureTrees(): NonNullable<Session['trees']> {
    const s = this.need().scenario;
    if (this.trees && this.treesFor === s) return this.trees;
    const { gf, ef } = this.formats(s);
    const guest = collectTree(gf, s.memory, guestRoot(s.cpu), { maxTables: MAX_TABLES, locate: guestLocator(s) });
    const ept = s.ept && ef ? collectTree(ef, s.memory, s.ept.root - (s.ept.root % 4096), { maxTables: MAX_TABLES }) : null;
    this.trees = { guest, ept, gf, ef };
    this.treesFor = s;
    this.treesGen++;
    return this.trees;
  }

  private locateEntry(id: string, index: number): { addr: number; gpa: number; bytes: 4 | 8; format: PagingFormat; level: number; tree: 'guest' | 'ept' } | null {
    const t = this.ensureTrees();
    for (const [tree, fmt, kind] of [
      [t.guest, t.gf, 'guest'],
      [t.ept, t.ef, 'ept'],
    ] as const) {
      if (!tree || !fmt) continue;
      const table = tree.tables.find((x) => x.id === id);
      if (!table || table.hostBase === null) continue;
      if (!Number.isInteger(index) || index < 0 || index >= table.entryCount) return null;
      return { addr: table.hostBase + index * fmt.entryBytes, gpa: table.base + index * fmt.entryBytes, bytes: fmt.entryBytes, format: fmt, level: table.level, tree: kind };
    }
    return null;
  }

  private snapshot(): Snapshot {
    const d = this.need();
    const s = d.scenario;
    const trace = traceWalk(s, d.access);
    const { gf, ef } = this.formats(s);
    const targets: StepTarget[] = trace.steps.map((st) => ({
      tableId: tableId(st.kind === 'g' ? gf : ef!, st.level, Number(st.tableBase)),
      index: st.index,
    }));
    this.targets = targets;
    const layout = this.layout();
    this.rev++;
    return {
      rev: this.rev,
      doc: this.docJSON(d),
      address: addressLayout(gf),
      trace,
      targets,
      layout,
      canUndo: this.undoStack.length > 0,
      canRedo: this.redoStack.length > 0,
    };
  }

  private docJSON(d: Doc): ScenarioDoc {
    return { id: d.id, title: d.title, cpu: cpuToJSON(d.scenario.cpu), ept: eptToJSON(d.scenario.ept), access: accessToJSON(d.access) };
  }

  /** Lay out the guest tree and (under EPT) the EPT tree beside it; null when unchanged. */
  private layout(): TreeLayout | null {
    const trees = this.ensureTrees();
    const s = this.need().scenario;
    const pinned = new Map<string, Set<number>>();
    const pin = (t: StepTarget) => {
      let set = pinned.get(t.tableId);
      if (!set) pinned.set(t.tableId, (set = new Set()));
      set.add(t.index);
    };
    this.targets.forEach(pin);
    if (this.selected) pin(this.selected);
    const pinKey = [...pinned].map(([k, v]) => `${k}=${[...v].join(',')}`).join(';');
    const key = `${this.treesForId()}|${pinKey}|${[...this.expanded].join(',')}`;
    if (key === this.lastLayoutKey) return null;
    this.lastLayoutKey = key;
    const g = layoutTree(
      { tree: trees.guest, format: trees.gf, kind: 'guest', rootLabel: 'CR3', rootValue: hexNum(s.cpu.cr3), pinned, expanded: this.expanded },
      0,
      0,
    );
    const nodes = [...g.nodes];
    const edges = [...g.edges];
    const roots = [g.root];
    let width = g.width;
    let height = g.height;
    let eptTables = 0;
    if (trees.ept && trees.ef && s.ept) {
      const x0 = g.width + COL_GAP * 2;
      const e = layoutTree(
        { tree: trees.ept, format: trees.ef, kind: 'ept', rootLabel: 'EPTP', rootValue: hexNum(s.ept.root), pinned, expanded: this.expanded },
        x0,
        0,
      );
      nodes.push(...e.nodes);
      edges.push(...e.edges);
      roots.push(e.root);
      width = x0 + e.width;
      height = Math.max(height, e.height);
      eptTables = trees.ept.tables.length;
    }
    let pages = 0;
    for (const t of trees.guest.tables) for (const en of t.entries) if (en.kind === 'leaf') pages++;
    return {
      key: `${this.rev + 1}`,
      nodes,
      edges,
      roots,
      width,
      height,
      truncated: trees.guest.truncated || (trees.ept?.truncated ?? false),
      stats: { tables: trees.guest.tables.length, pages, eptTables },
    };
  }

  private treesGen = 0;
  private treesForId(): number {
    this.ensureTrees();
    return this.treesGen;
  }
}

function addressLayout(f: PagingFormat): AddressLayout {
  const levels = [];
  for (let l = f.rootLevel; l >= 1; l--) {
    const L = f.levels[l];
    levels.push({ name: L.name, hi: L.shift + L.bits - 1, lo: L.shift });
  }
  return { width: f.addressBits, levels };
}

/** FORMAT.md `expect` for an export, from the engine's result. */
function expectOf(s: Scenario, a: Access): Record<string, unknown> {
  return { ...resultToJSON(translate(s, a)) };
}
