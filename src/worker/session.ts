/**
 * The worker's session: owns the one document and its one history, derives
 * everything the views draw from it, and answers with plain snapshots.
 *
 * - Every change is an action appended to the document's recipe and pushed
 *   as the next history entry; Undo/Redo move through those entries.
 * - Opens (preset, link, file, saved state) build and check the whole new
 *   document first — origin, every change, the view — and only then push it,
 *   so a problem changes nothing and names its field.
 */
import {
  ScenarioError,
  accessToJSON,
  cpuToJSON,
  decodeEntry,
  encodeFrame,
  eptToJSON,
  explain,
  hex64,
  hexNum,
  parseHex64,
  scenarioToJSON,
  toBig,
  translate,
  EPT_NAMES,
  NATIVE_NAMES,
  NESTED_NAMES,
  guestFormat,
  type PagingFormat,
  type Scenario,
  type ScenarioJSON,
} from '../engine';
import { resultToJSON } from '../engine/vectors';
import { DEFAULT_PRESET_ID } from '../presets';
import { currentPreset, currentPresets } from '../presets/registry';
import { decodeLink, encodeLink, prefixed } from '../share/codec';
import { corners } from './corners';
import { History } from './doc/history';
import { LiveShadow } from './doc/live';
import { applyAction, baseState, type State } from './doc/materialize';
import type { Action, Doc, Origin, View } from './doc/types';
import { parseDoc } from './doc/validate';
import { Drawing, type EntryLocation } from './drawing';
import { eptInfo } from './eptInfo';
import { entryInfo } from './inspect';
import { compareShadow, compareWalk } from './expect';
import { readCases, type ParsedCase } from './imports';
import { nestedResult, shadowResult, walkResult } from './result';
import { opText } from './shadowSession';
import type { AddressLayout, DocInfo, EntryInfo, FileAnswer, Intent, PresetInfo, Problem, Result, SavedState, Snapshot } from './types';

const problemOf = (e: unknown, prefix = ''): Problem =>
  e instanceof ScenarioError
    ? { field: prefix && e.field ? `${prefix}.${e.field}` : prefix || e.field, message: e.problem }
    : { field: prefix || 'scenario', message: e instanceof Error ? e.message : String(e) };

const fail = (p: Problem): { ok: false; problem: Problem } => ({ ok: false, problem: p });

export class Session {
  private history = new History();
  private live = new LiveShadow();
  private drawing = new Drawing();
  private rev = 0;
  private pendingFile: { name: string; cases: ParsedCase[] } | null = null;
  /** The state the last snapshot drew (a new one resets folds and the selection). */
  private shownDoc: Doc | null = null;

  presets(): PresetInfo[] {
    return currentPresets().map((p) => ({ id: p.id, title: p.title, paragraph: p.paragraph, group: p.group }));
  }

  // ——— Opens: build and check everything, then push ———

  /**
   * Open a preset. `at: 'start'` (the picker) shows reference 0, before the
   * walk, so a class can ask what happens next; the default shows the whole
   * walk. Under a shadow MMU a preset starts before its first operation either way.
   */
  openPreset(id: string = DEFAULT_PRESET_ID, at: 'start' | 'end' = 'end'): Result<Snapshot> {
    const p = currentPreset(id);
    if (!p) return fail({ field: 'preset', message: `there is no preset "${id}"` });
    return this.open({ origin: { kind: 'preset', id: p.id, v: p.version }, actions: [], view: { step: at === 'start' ? 0 : -1 } }, 'preset');
  }

  /** Open a share link; on any problem nothing changes. */
  openLink(fragment: string): Result<Snapshot> {
    const d = decodeLink(fragment);
    if (!d.ok) return d;
    return this.open(d.value, 'link');
  }

  /** Import a file: one case opens at once; several are listed to choose from (`openFileCase`). */
  openFile(text: string, name = 'file'): Result<FileAnswer> {
    const r = readCases(text, name);
    if ('problem' in r) return fail(r.problem);
    const ok = r.cases.filter((c) => c.origin !== null);
    if (r.cases.length === 1) {
      const c = r.cases[0];
      if (c.origin === null) return fail({ field: name, message: c.problem ?? 'cannot be opened' });
      const s = this.open({ origin: c.origin, actions: [], view: { step: -1 } }, name);
      return s.ok ? { ok: true, value: { opened: s.value } } : s;
    }
    if (ok.length === 0) return fail({ field: name, message: `none of its ${r.cases.length} cases can be opened; the first: ${r.cases[0].problem}` });
    this.pendingFile = { name, cases: r.cases };
    return { ok: true, value: { choose: { name, cases: r.cases.map(({ origin: _o, ...c }) => c) } } };
  }

  /** Open case `index` of the file last imported. */
  openFileCase(index: number): Result<Snapshot> {
    const f = this.pendingFile;
    const c = f?.cases[index];
    if (!f || !c) return fail({ field: 'file', message: 'that case is not in the file (import it again)' });
    if (c.origin === null) return fail({ field: `${f.name} ${c.id}`, message: c.problem ?? 'cannot be opened' });
    return this.open({ origin: c.origin, actions: [], view: { step: -1 } }, f.name);
  }

  /** Put back a saved history (the last state of a reload). Invalid saved data changes nothing. */
  restore(saved: unknown): Result<Snapshot> {
    try {
      if (typeof saved !== 'object' || saved === null || (saved as SavedState).v !== 1 || !Array.isArray((saved as SavedState).docs)) {
        throw new ScenarioError('saved', 'is not a saved Pagoda history');
      }
      const sv = saved as SavedState;
      const docs = sv.docs.map((d, i) => parseDoc(d, `saved.docs[${i}]`));
      if (docs.length === 0) throw new ScenarioError('saved.docs', 'is empty');
      const at = Math.max(0, Math.min(Number.isInteger(sv.at) ? sv.at : docs.length - 1, docs.length - 1));
      const state = this.materialize(docs[at], 'saved');
      const built = this.check(docs[at], state);
      if (!built.ok) return built;
      this.history.restore(docs, at);
      this.history.current!.state = state;
      return { ok: true, value: this.finish(built.value) };
    } catch (e) {
      return fail(problemOf(e));
    }
  }

  private open(doc: Doc, source: string): Result<Snapshot> {
    let state: State;
    try {
      state = this.materialize(doc, source);
    } catch (e) {
      return fail(problemOf(e));
    }
    const built = this.check(doc, state, source);
    if (!built.ok) return built;
    this.history.push(doc, state);
    return { ok: true, value: this.finish(built.value) };
  }

  /** Build the snapshot of a candidate document before it becomes current (opens and changes are checked whole). */
  private check(doc: Doc, state: State, source = 'document'): Result<Snapshot> {
    try {
      const snap = this.build(doc, state);
      const n = snap.trace.steps.length;
      if (state.shadow === null && doc.view.step > n) throw new ScenarioError(`${source}.view.step`, `is ${doc.view.step}, but the walk has ${n} references`);
      return { ok: true, value: snap };
    } catch (e) {
      return fail(problemOf(e));
    }
  }

  /** The state a document stands for: its origin, then each change in order. Errors name the field. */
  private materialize(doc: Doc, source: string): State {
    let s = prefixed(`${source}.${doc.origin.kind === 'preset' ? 'preset' : 'case'}`, () => baseState(doc.origin));
    doc.actions.forEach((a, i) => {
      s = prefixed(`${source}.changes[${i}]`, () => applyAction(s, a, this.live));
    });
    return s;
  }

  // ——— Changes ———

  /** Apply one change: the next history entry. A refused change changes nothing. */
  act(intent: Intent): Result<Snapshot> {
    const cur = this.history.current;
    if (!cur) return fail({ field: 'document', message: 'nothing is open' });
    const prev = this.stateOf(cur);
    let action: Action;
    let next: State;
    try {
      action = this.toAction(intent, prev);
      next = applyAction(prev, action, this.live);
    } catch (e) {
      return fail(problemOf(e));
    }
    if (next === prev) return { ok: true, value: this.snapshot() };
    const doc: Doc = { origin: cur.doc.origin, actions: [...cur.doc.actions, action], view: { step: -1 } };
    const built = this.check(doc, next);
    if (!built.ok) return built;
    this.history.push(doc, next);
    return { ok: true, value: this.finish(built.value) };
  }

  undo(): Snapshot {
    this.history.undo();
    return this.snapshot();
  }

  redo(): Snapshot {
    this.history.redo();
    return this.snapshot();
  }

  /** What is shown of the current document (the step): kept with it for links, reloads and undo. */
  setView(view: View): void {
    this.history.setView(view);
  }

  private toAction(i: Intent, s: State): Action {
    if (i.t === 'entry' || i.t === 'field') {
      const scenario = this.scenarioOf(s);
      const loc = this.drawing.locate(scenario, i.tableId, i.index);
      if (loc === null) throw new ScenarioError('entry', `table ${i.tableId} is not in the drawing`);
      const value = i.t === 'entry' ? checkedValue(i.value, loc) : withField(scenario, loc, i.field, i.value);
      return { t: 'mem', addr: hexNum(loc.addr), value, bytes: loc.bytes };
    }
    return i;
  }

  // ——— Views ———

  setExpanded(id: string, on: boolean): Snapshot {
    if (on) this.drawing.expanded.add(id);
    else this.drawing.expanded.delete(id);
    return this.snapshot();
  }

  inspect(id: string, index: number): EntryInfo | null {
    const cur = this.history.current;
    if (!cur) return null;
    const s = this.scenarioOf(this.stateOf(cur));
    const loc = this.drawing.locate(s, id, index);
    if (loc === null) return null;
    this.drawing.selected = { tableId: id, index };
    return entryInfo(s, { ...loc, tableId: id, index });
  }

  /** The export: a FORMAT.md walk case of the guest as it is now, with `expect` computed by the engine. */
  exportCase(): string {
    const cur = this.need();
    const st = this.stateOf(cur);
    const s = this.scenarioOf(st);
    const id = st.presetId ?? (cur.doc.origin.kind !== 'preset' ? cur.doc.origin.title : '') ?? '';
    const json: ScenarioJSON & { expect?: unknown } = { id: id || 'pagoda-scenario', ...scenarioToJSON(s, st.access) };
    json.expect = resultToJSON(translate(s, st.access));
    return JSON.stringify(json, null, 1) + '\n';
  }

  /** The share fragment (without '#') of the current document and view. */
  fragment(): string {
    return encodeLink(this.need().doc);
  }

  /** The whole history, for the saved state. */
  saved(): SavedState {
    const h = this.history.save();
    return { v: 1, docs: h.docs, at: h.at };
  }

  // ——— Snapshots ———

  private need() {
    if (!this.history.current) {
      const r = this.openPreset();
      if (!r.ok) throw new Error(r.problem.message);
    }
    return this.history.current!;
  }

  private stateOf(e: { doc: Doc; state: State | null }): State {
    if (e.state === null) e.state = this.materialize(e.doc, 'document');
    return e.state;
  }

  /** The scenario the walk and the drawing use: the guest as it is now (after any shadow operations). */
  private scenarioOf(s: State): Scenario {
    return s.shadow ? this.live.guestNow(s) : s.scenario;
  }

  snapshot(): Snapshot {
    const cur = this.need();
    return this.finish(this.build(cur.doc, this.stateOf(cur)));
  }

  /** Make a built snapshot the shown one: a new revision, the history position, and the drawing (when it changed). */
  private finish(snap: Snapshot): Snapshot {
    const cur = this.history.current!;
    if (this.shownDoc === null || this.shownDoc.origin !== cur.doc.origin) this.drawing.reset();
    this.shownDoc = cur.doc;
    const rev = ++this.rev;
    const scenario = this.scenarioOf(this.stateOf(cur));
    return {
      ...snap,
      rev,
      view: cur.doc.view,
      layout: this.drawing.layout(scenario, snap.targets, rev),
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
      history: { at: this.history.index + 1, size: this.history.size },
    };
  }

  private build(doc: Doc, st: State): Snapshot {
    const scenario = this.scenarioOf(st);
    const names = st.virt === 'nested' ? NESTED_NAMES : st.virt === 'ept' ? EPT_NAMES : NATIVE_NAMES;
    const r = translate(scenario, st.access);
    const trace = explain(scenario, st.access, r, names);
    const cs = corners(scenario, r);
    const result = st.virt === 'shadow' ? shadowResult(st, this.live) : st.virt === 'nested' ? nestedResult(st, this.live) : walkResult(trace, cs[0] ?? null);
    const targets = this.drawing.targets(scenario, trace.steps);
    const shadow = st.shadow ? this.live.get(st).view() : null;
    const ops = st.shadow ? { items: st.shadow.ops.map((o) => ({ text: opText({ ...o, note: '' }, st.spaces), note: o.note })), at: st.shadow.at } : null;
    const gf = guestFormat(scenario.cpu);
    return {
      rev: this.rev,
      doc: this.docInfo(doc, st, scenario, cs, names),
      address: addressLayout(gf),
      trace,
      targets,
      layout: null,
      result,
      shadow,
      ops,
      view: doc.view,
      canUndo: false,
      canRedo: false,
      history: { at: 0, size: 0 },
    };
  }

  private docInfo(doc: Doc, st: State, scenario: Scenario, cs: DocInfo['corners'], names: DocInfo['spaces']): DocInfo {
    const o: Origin = doc.origin;
    let expect: DocInfo['expect'] = null;
    // The case's expectation holds for the case as imported: a walk case with no change, a shadow case stepped through its own operations.
    const asImported = o.kind === 'shadow-case' ? doc.actions.every((a) => a.t === 'seek') : doc.actions.length === 0;
    if (st.expect !== undefined && asImported) {
      expect = o.kind === 'shadow-case' ? compareShadow(o.case) : compareWalk(st.expect, st.scenario, st.access);
    }
    return {
      title: st.title,
      presetId: st.presetId,
      paragraph: st.paragraph,
      origin: o.kind,
      virt: st.virt,
      cpu: cpuToJSON(scenario.cpu),
      ept: eptToJSON(scenario.ept),
      eptInfo: eptInfo(scenario, this.drawing.eptTree(scenario)),
      access: accessToJSON(st.access),
      vaCut: st.vaCut ? hex64(st.vaCut.lo, st.vaCut.hi) : null,
      spaces: names,
      corners: cs,
      expect,
      changes: doc.actions.filter((a) => a.t !== 'seek' && a.t !== 'access').length,
    };
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

/** A whole-entry value typed by the user, checked against the entry's width. */
function checkedValue(value: string, loc: EntryLocation): string {
  const v = parseHex64(value, true);
  if (v === null) throw new ScenarioError('entry.value', `"${value.slice(0, 24)}" is not a hex number of at most 64 bits`);
  if (loc.bytes === 4 && v.hi !== 0) throw new ScenarioError('entry.value', '32-bit paging entries are 32 bits wide (at most 8 hex digits)');
  return hex64(v.lo, v.hi);
}

/** The entry's value with one decoded field replaced (Address goes through the format's frame encoding). */
function withField(s: Scenario, loc: EntryLocation, name: string, value: string): string {
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
