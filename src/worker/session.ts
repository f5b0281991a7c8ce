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
  type Trace,
  type WalkInput,
} from '../engine';
import { resultToJSON } from '../engine/vectors';
import { PhysMem } from '../engine/memory';
import { DEFAULT_PRESET_ID } from '../presets';
import { currentPreset, currentPresets } from '../presets/registry';
import { decodeLink, encodeLink, prefixed } from '../share/codec';
import { corners } from './corners';
import { History } from './doc/history';
import { LiveShadow } from './doc/live';
import { applyAction, baseState, type State } from './doc/materialize';
import type { Action, Doc, LessonRef, Origin, View } from './doc/types';
import { parseDoc } from './doc/validate';
import { Drawing, type EntryLocation } from './drawing';
import { eptInfo } from './eptInfo';
import { entryInfo } from './inspect';
import { compareShadow, compareWalk } from './expect';
import { readCases, type ParsedCase } from './imports';
import { parseLesson, type Lesson } from '../lessons/lesson';
import { checkPrediction, revealPrediction, type PredictAnswer, type PredictResult } from './quiz/predict';
import { QUIZ_TOPICS, type Quiz, type QuizTopic } from './quiz/types';
import type { CheckResult } from './quiz/check';
import { builtinLesson } from '../lessons/builtin';
import { DumpError, openDump, type ByteSource, type Dump } from '../engine/dump';
import { DumpSession, type DumpInfo, type MappingsPage, type ReverseAnswer } from './dumpSession';
import { walkCase, walkText } from './walkText';
import type { GuestSource } from './doc/materialize';
import { nestedResult, shadowResult, walkResult } from './result';
import { opText } from './shadowSession';
import type { AddressLayout, DocInfo, EntryInfo, FileAnswer, Intent, PresetInfo, Problem, QuizView, Result, SavedState, Snapshot } from './types';

/** The quiz generators and checker: their own chunk, loaded when a quiz starts (api.ts). */
export type QuizKit = typeof import('./quiz/kit');

/** A dump's fingerprint: its size and its first 64 KiB (ELF header, program headers, the vCPU notes). */
function fingerprint(src: ByteSource): string {
  const head = src.read(0, Math.min(src.size, 65536));
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ src.size;
  for (let i = 0; i < head.length; i++) {
    h1 = Math.imul(h1 ^ head[i], 0x01000193);
    h2 = Math.imul(h2 ^ head[head.length - 1 - i], 0x5bd1e995);
  }
  return `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}-${src.size.toString(16)}`;
}

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
  /** QEMU dumps opened here, by fingerprint (the document names them; the worker holds the files). */
  private dumps = new Map<string, { dump: Dump; name: string; size: number }>();
  /** The dump views (leaves, folds, reverse map) for the dump and options last asked about. */
  private dumpViews: { key: string; views: DumpSession } | null = null;
  /** A dump the restored history was looking at whose file is not here yet. */
  missingDump: { id: string; name: string; size: number } | null = null;
  private src: GuestSource = {
    guestNow: (st) => this.live.guestNow(st),
    dump: (id) => this.dumps.get(id)?.dump ?? null,
  };

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
    // A lesson file (an instructor's own): every stop checked, then the first opened.
    if (/^\s*\{[^]*"pagodaLesson"/.test(text.slice(0, 4096))) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        return fail({ field: name, message: `the lesson file is not JSON (${(e as Error).message})` });
      }
      const r = this.importLesson(json, name);
      return r.ok ? { ok: true, value: { opened: r.value } } : r;
    }
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
      let at = Math.max(0, Math.min(Number.isInteger(sv.at) ? sv.at : docs.length - 1, docs.length - 1));
      // A dump's file does not survive a reload: show the newest document that needs no file, and remember the dump.
      const needsFile = (d: Doc) => d.origin.kind === 'dump' && !this.dumps.has(d.origin.id);
      if (needsFile(docs[at])) {
        const o = docs[at].origin as Extract<Doc['origin'], { kind: 'dump' }>;
        this.missingDump = { id: o.id, name: o.name, size: o.size };
        while (at >= 0 && needsFile(docs[at])) at--;
        if (at < 0) {
          this.history.restore(docs, docs.length - 1);
          return this.openPreset();
        }
      }
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
    let s = prefixed(`${source}.${doc.origin.kind === 'preset' ? 'preset' : doc.origin.kind === 'dump' ? 'dump' : 'case'}`, () => baseState(doc.origin, this.src));
    doc.actions.forEach((a, i) => {
      s = prefixed(`${source}.changes[${i}]`, () => applyAction(s, a, this.src));
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
      next = applyAction(prev, action, this.src);
    } catch (e) {
      return fail(problemOf(e));
    }
    if (next === prev) return { ok: true, value: this.snapshot() };
    const doc: Doc = { origin: cur.doc.origin, actions: [...cur.doc.actions, action], view: { step: -1 }, ...(cur.doc.lesson ? { lesson: cur.doc.lesson } : {}) };
    const built = this.check(doc, next);
    if (!built.ok) return built;
    this.history.push(doc, next);
    return { ok: true, value: this.finish(built.value) };
  }

  undo(): Result<Snapshot> {
    return this.move(() => this.history.undo(), () => this.history.redo());
  }

  redo(): Result<Snapshot> {
    return this.move(() => this.history.redo(), () => this.history.undo());
  }

  /** Move through the history; an entry that cannot be shown (a dump whose file is not here) is not entered. */
  private move(go: () => unknown, back: () => unknown): Result<Snapshot> {
    if (go() === null) return { ok: true, value: this.snapshot() };
    try {
      return { ok: true, value: this.snapshot() };
    } catch (e) {
      back();
      return fail(problemOf(e));
    }
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

  /**
   * The export: a FORMAT.md walk case of the guest as it is now, with
   * `expect` computed by the engine. A dump exports the entries this walk
   * read (not the whole file).
   */
  exportCase(): string {
    const cur = this.need();
    const st = this.stateOf(cur);
    const s = this.scenarioOf(st);
    const o = cur.doc.origin;
    const id = st.presetId ?? (o.kind === 'preset' ? '' : o.kind === 'dump' ? o.name : o.title);
    const json: ScenarioJSON & { expect?: unknown } = { id: id || 'pagoda-scenario', ...(s.memory instanceof PhysMem ? scenarioToJSON(s as Scenario, st.access) : walkCase(s, st.access)) };
    json.expect = resultToJSON(translate(s, st.access));
    return JSON.stringify(json, null, 1) + '\n';
  }

  /**
   * The share link of the current document and view (without '#'). A dump
   * cannot travel in a link: its link is a small scenario of the entries the
   * walk read, said so in `note`, and it does not go into the address bar.
   */
  fragment(): { link: string; urlable: boolean; note: string | null } {
    const cur = this.need();
    const o = cur.doc.origin;
    if (o.kind !== 'dump') return { link: encodeLink(cur.doc), urlable: true, note: null };
    const st = this.stateOf(cur);
    const c = walkCase(this.scenarioOf(st), st.access);
    const n = Object.keys(c.memory).length;
    const title = `${o.name}: ${c.access!.va}`;
    return {
      link: encodeLink({ origin: { kind: 'case', case: { id: title, ...c }, title }, actions: [], view: cur.doc.view }),
      urlable: false,
      note: `This link holds the ${n} entr${n === 1 ? 'y' : 'ies'} this walk read from ${o.name} (with vCPU ${st.dump!.options.cpu ?? 0}'s registers), not the whole dump: it reopens this walk, but other addresses will not translate as in the dump.`,
    };
  }

  /** The current walk as plain text (one line per reference, then the outcome), for a mailing-list message. */
  walkText(): string {
    const snap = this.snapshot();
    return walkText(snap);
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

  /** What the walk and the drawing read: the guest as it is now (after any shadow operations; a dump's file in place). */
  private scenarioOf(s: State): WalkInput {
    return s.input ?? (s.shadow ? this.live.guestNow(s) : s.scenario);
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

  // ——— Quizzes and predict mode ———

  /** The quiz being taken: its answers stay here until a student's answer is checked. */
  private quiz: Quiz | null = null;

  /** Make a quiz (the same topic, seed and count give every student the same one); questions without their answers. */
  startQuiz(kit: QuizKit, topic: QuizTopic, seed: number, count: number): Result<QuizView> {
    if (!QUIZ_TOPICS.includes(topic)) return fail({ field: 'quiz.topic', message: `must be one of ${QUIZ_TOPICS.join(', ')}` });
    if (!Number.isSafeInteger(seed) || seed < 0) return fail({ field: 'quiz.seed', message: 'must be a whole number from 0' });
    if (!Number.isInteger(count) || count < 1 || count > 20) return fail({ field: 'quiz.count', message: 'must be a whole number from 1 to 20' });
    this.quiz = kit.makeQuiz(topic, seed, count);
    const q = this.quiz;
    return { ok: true, value: { topic: q.topic, seed: q.seed, title: q.title, questions: q.questions.map((x) => ({ id: x.id, prompt: x.prompt, answerKind: x.answerKind, choices: x.choices ?? null })) } };
  }

  /** Check an answer to question `n`: right or not, the expected answer, why (from the engine). */
  checkQuiz(kit: QuizKit, n: number, given: string): Result<CheckResult> {
    const q = this.quiz?.questions[n];
    if (!q) return fail({ field: 'quiz', message: 'that question is not in the quiz (start it again)' });
    return { ok: true, value: kit.checkQuizAnswer(q, given) };
  }

  /** Open question `n`'s scenario (one history entry), to see its walk. */
  openQuizQuestion(n: number): Result<Snapshot> {
    const q = this.quiz?.questions[n];
    if (!q) return fail({ field: 'quiz', message: 'that question is not in the quiz (start it again)' });
    return this.open(q.doc, 'quiz');
  }

  /** The current walk's trace, with this mode's names for each space. */
  private currentTrace(): Trace {
    const st = this.stateOf(this.need());
    const sc = this.scenarioOf(st);
    return explain(sc, st.access, translate(sc, st.access), st.virt === 'nested' ? NESTED_NAMES : st.virt === 'ept' ? EPT_NAMES : NATIVE_NAMES);
  }

  /** Predict mode: check what a student says reference `at` reads (0-based), or the outcome. */
  predict(at: number | 'outcome', given: PredictAnswer): Result<PredictResult> {
    const t = this.currentTrace();
    if (at !== 'outcome' && (!Number.isInteger(at) || at < 0 || at >= t.steps.length)) return fail({ field: 'predict.at', message: `the walk has references 1 to ${t.steps.length}` });
    return { ok: true, value: checkPrediction(t, at, given) };
  }

  /** Predict mode: the answer, for Reveal. */
  reveal(at: number | 'outcome'): Result<{ expected: string; explain: string }> {
    const t = this.currentTrace();
    if (at !== 'outcome' && (!Number.isInteger(at) || at < 0 || at >= t.steps.length)) return fail({ field: 'predict.at', message: `the walk has references 1 to ${t.steps.length}` });
    return { ok: true, value: revealPrediction(t, at) };
  }

  // ——— Lessons ———

  /** The document a lesson's stop opens (checked whole: preset or link, changes, step). */
  private stopDoc(lesson: Lesson, at: number, ref: LessonRef): Doc {
    const stop = lesson.stops[at];
    const field = `lesson.stops[${at}]`;
    if (!stop) throw new ScenarioError('lesson', `has no stop ${at + 1} (it has ${lesson.stops.length})`);
    let base: Doc;
    if (stop.preset !== undefined) {
      const p = currentPreset(stop.preset);
      if (!p) throw new ScenarioError(`${field}.preset`, `there is no preset "${stop.preset}"`);
      base = { origin: { kind: 'preset', id: p.id, v: p.version }, actions: [], view: { step: -1 } };
    } else {
      const d = decodeLink(stop.link!);
      if (!d.ok) throw new ScenarioError(`${field}.${d.problem.field}`, d.problem.message);
      base = d.value;
    }
    const actions = [...base.actions, ...(stop.changes ?? [])];
    const draft: Doc = { origin: base.origin, actions, view: base.view };
    const st = this.materialize(draft, field);
    const step = stop.step ?? -1;
    // Under a shadow MMU a stop's step is the operation to stop after.
    if (st.shadow && step > 0) actions.push({ t: 'seek', at: step });
    const view = st.shadow ? { step: -1 } : { step };
    return { origin: base.origin, actions, view, lesson: { ...ref, at, base: actions.length } };
  }

  /** Open stop `at` of a lesson (a built-in one by id, or an instructor's own). */
  openLesson(ref: { id: string; def?: Lesson }, at = 0): Result<Snapshot> {
    const lesson = ref.def ?? builtinLesson(ref.id);
    if (!lesson) return fail({ field: 'lesson', message: `there is no lesson "${ref.id}"` });
    let doc: Doc;
    try {
      doc = this.stopDoc(lesson, at, { id: lesson.id, ...(ref.def ? { def: ref.def } : {}), at, base: 0 });
    } catch (e) {
      return fail(problemOf(e));
    }
    return this.open(doc, 'lesson');
  }

  /** Move to another stop of the current lesson. */
  lessonStop(at: number): Result<Snapshot> {
    const l = this.history.current?.doc.lesson;
    if (!l) return fail({ field: 'lesson', message: 'no lesson is open' });
    return this.openLesson({ id: l.id, def: l.def }, at);
  }

  /** Keep exploring without the lesson. */
  leaveLesson(): Result<Snapshot> {
    const cur = this.history.current;
    if (!cur?.doc.lesson) return { ok: true, value: this.snapshot() };
    const { lesson: _gone, ...doc } = cur.doc;
    return this.open({ ...doc, view: cur.doc.view }, 'document');
  }

  /** Import a lesson file: every stop is opened and checked before the first is shown. */
  importLesson(json: unknown, name: string): Result<Snapshot> {
    let lesson: Lesson;
    try {
      lesson = parseLesson(json, name);
      lesson.stops.forEach((_s, i) => {
        const d = this.stopDoc(lesson, i, { id: lesson.id, def: lesson, at: i, base: 0 });
        const c = this.check(d, this.materialize(d, `${name}.stops[${i}]`), `${name}.stops[${i}]`);
        if (!c.ok) throw new ScenarioError(c.problem.field, c.problem.message);
      });
    } catch (e) {
      return fail(problemOf(e));
    }
    return this.openLesson({ id: lesson.id, def: lesson }, 0);
  }

  /** The current lesson as a JSON file (a built-in one too: a template to start from). */
  exportLesson(): Result<string> {
    const l = this.history.current?.doc.lesson;
    const lesson = l ? (l.def ?? builtinLesson(l.id)) : undefined;
    if (!lesson) return fail({ field: 'lesson', message: 'no lesson is open' });
    return { ok: true, value: JSON.stringify(lesson, null, 1) + '\n' };
  }

  private lessonInfo(doc: Doc): DocInfo['lesson'] {
    const l = doc.lesson;
    const lesson = l ? (l.def ?? builtinLesson(l.id)) : undefined;
    if (!l || !lesson) return null;
    const stop = lesson.stops[l.at];
    return { id: lesson.id, title: lesson.title, at: l.at, count: lesson.stops.length, titles: lesson.stops.map((x) => x.title), stop: { title: stop.title, narration: stop.narration }, changed: doc.actions.length > l.base, builtin: !l.def };
  }

  // ——— Dumps ———

  /**
   * Open a QEMU dump from its bytes (the worker's File, a file in Node). The
   * same file chosen again after a reload goes back to where the history was.
   */
  openDump(src: ByteSource, name: string): Result<Snapshot> {
    let dump: Dump;
    try {
      dump = openDump(src);
    } catch (e) {
      if (e instanceof DumpError) return fail({ field: name, message: e.message });
      throw e;
    }
    const id = fingerprint(src);
    this.dumps.set(id, { dump, name, size: src.size });
    if (this.missingDump?.id === id) {
      const at = this.history.lastIndexWhere((d) => d.origin.kind === 'dump' && d.origin.id === id);
      this.missingDump = null;
      if (at >= 0) {
        this.history.jump(at);
        return { ok: true, value: this.snapshot() };
      }
    }
    return this.open({ origin: { kind: 'dump', id, name, size: src.size }, actions: [], view: { step: -1 } }, name);
  }

  /** The dump views for a dump state (built once per dump, vCPU and assumptions). */
  private views(st: State): DumpSession {
    const d = st.dump!;
    const key = `${d.id}|${JSON.stringify(d.options)}`;
    if (this.dumpViews?.key !== key) {
      const views = new DumpSession();
      const r = views.attach(this.dumps.get(d.id)!.dump, d.options);
      if (!r.ok) throw new ScenarioError(r.problem.field, r.problem.message);
      this.dumpViews = { key, views };
    }
    return this.dumpViews.views;
  }

  private dumpInfo(st: State): DumpInfo & { name: string; size: number } {
    return { ...this.views(st).info(), name: st.dump!.name, size: st.dump!.size };
  }

  private currentDump(): State | null {
    const cur = this.history.current;
    const st = cur ? this.stateOf(cur) : null;
    return st && st.dump ? st : null;
  }

  /** A page of the folded address space of the current dump. */
  mappings(filter: 'all' | 'user' | 'kernel', offset: number, limit: number): Result<MappingsPage> {
    const st = this.currentDump();
    if (!st) return fail({ field: 'mappings', message: 'the address-space view is for QEMU dumps' });
    return { ok: true, value: this.views(st).mappings(filter, offset, limit) };
  }

  /** Every linear address that maps physical `pa` in the current dump. */
  reverse(pa: string): Result<ReverseAnswer> {
    const st = this.currentDump();
    if (!st) return fail({ field: 'reverse', message: 'the reverse map is for QEMU dumps' });
    return this.views(st).reverse(pa);
  }

  private docInfo(doc: Doc, st: State, scenario: WalkInput, cs: DocInfo['corners'], names: DocInfo['spaces']): DocInfo {
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
      dump: st.dump ? this.dumpInfo(st) : null,
      lesson: this.lessonInfo(doc),
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
function withField(s: WalkInput, loc: EntryLocation, name: string, value: string): string {
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
