/**
 * The worker's API: one plain object of functions over a Session. The worker
 * exposes it with Comlink; tests call it directly. Every answer is plain data.
 * Every change is saved (the whole history) once the answer is out.
 */
import { MemoryPersist, type Persist } from './persist';
import { Session } from './session';
import type { EntryInfo, FileAnswer, Intent, PresetInfo, Problem, QuizView, Result, Snapshot, View } from './types';
import type { CheckResult, PredictAnswer, PredictResult, QuizTopic } from './quiz';
import type { QuizKit } from './session';
import { bytesSource, type ByteSource } from '../engine/dump';
import { fileByteSource } from './dump-source';
import { BUILTIN_LESSONS } from '../lessons/builtin';
import type { MappingsPage, ReverseAnswer } from './dumpSession';

/** The quiz generators are fetched the first time a quiz starts (a first load does not need them). */
let kit: Promise<QuizKit> | null = null;
const quizKit = (): Promise<QuizKit> => (kit ??= import('./quiz/kit'));

/** ELF magic: 0x7f 'E' 'L' 'F'. */
const isElf = (src: ByteSource): boolean => {
  const b = src.read(0, 4);
  return b.length === 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
};

/** What boot found: the snapshot to show, and what could not be opened (a damaged link keeps its text). */
export interface BootAnswer {
  snapshot: Snapshot;
  link: { problem: Problem; text: string } | null;
  saved: Problem | null;
  /** The restored history was looking at a QEMU dump whose file must be chosen again. */
  missingDump: { name: string; size: number } | null;
}

export function createApi(session = new Session(), persist: Persist = new MemoryPersist()) {
  /** Where the history is saved: replaced by an in-memory one for an embedded page (see boot). */
  let store: Persist = persist;
  /** Changes made, and how many of them are saved. */
  let made = 0;
  let saved = 0;
  let writing: Promise<void> = Promise.resolve();

  /** Save after a change (one write takes every change before it; a failure loses only the saving). */
  const changed = <T>(r: T, rev: number | null): T => {
    if (rev === null) return r;
    made++;
    writing = writing.then(async () => {
      if (saved >= made) return;
      const upTo = made;
      try {
        await store.save(session.saved());
      } catch {
        /* storage unavailable: the session goes on */
      }
      saved = upTo;
    });
    return r;
  };
  const revOf = (r: Result<Snapshot>): number | null => (r.ok ? r.value.rev : null);

  /** A chosen file: a QEMU dump (ELF) read in place, anything else read as text. */
  const openSource = (src: ByteSource, text: () => string, name: string): Result<FileAnswer> => {
    if (isElf(src)) {
      const r = session.openDump(src, name);
      return changed(r.ok ? { ok: true, value: { opened: r.value } } : r, revOf(r));
    }
    const r = session.openFile(text(), name);
    return changed(r, r.ok && 'opened' in r.value ? r.value.opened.rev : null);
  };

  return {
    presets: (): PresetInfo[] => session.presets(),

    /**
     * Open what the page was loaded with: the saved history, then the link in
     * the URL on top of it; else an old saved v1 link (`legacy`, from local
     * storage); else the default preset. A damaged link is reported with its
     * text and changes nothing: the saved state stays as it was.
     * `ephemeral` (an embed in a course page): nothing saved is read or
     * written, so the embed shows exactly its link and leaves the visitor's
     * own Pagoda work alone.
     */
    async boot(hash: string, legacy: string | null, opts: { ephemeral?: boolean } = {}): Promise<BootAnswer> {
      if (opts.ephemeral) {
        store = new MemoryPersist();
        legacy = null;
      }
      let link: BootAnswer['link'] = null;
      let savedProblem: Problem | null = null;
      let restored = false;
      let stored: unknown = null;
      try {
        stored = await store.load();
      } catch {
        stored = null;
      }
      if (stored !== null && stored !== undefined) {
        const r = session.restore(stored);
        if (r.ok) restored = true;
        else savedProblem = r.problem;
      }
      // A link opens on top of the saved history (one Undo returns to the earlier work).
      const frag = hash.replace(/^#/, '');
      // The address bar's link is the saved current document (a reload): nothing to open on top.
      if (restored && frag !== '' && frag === session.fragment().link) return { snapshot: session.snapshot(), link: null, saved: null, missingDump: session.missingDump };
      if (frag !== '') {
        const r = session.openLink(frag);
        if (r.ok) return { snapshot: changed(r, r.value.rev).value, link: null, saved: savedProblem, missingDump: session.missingDump };
        link = { problem: r.problem, text: frag };
      }
      if (restored) return { snapshot: session.snapshot(), link, saved: null, missingDump: session.missingDump };
      if (legacy) {
        const r = session.openLink(legacy);
        if (r.ok) return { snapshot: r.value, link, saved: savedProblem, missingDump: session.missingDump };
      }
      const r = session.openPreset();
      if (!r.ok) throw new Error(r.problem.message);
      return { snapshot: r.value, link, saved: savedProblem, missingDump: session.missingDump };
    },

    openPreset: (id?: string, at: 'start' | 'end' = 'end'): Result<Snapshot> => {
      const r = session.openPreset(id, at);
      return changed(r, revOf(r));
    },
    openLink: (fragment: string): Result<Snapshot> => {
      const r = session.openLink(fragment);
      return changed(r, revOf(r));
    },
    openFile: (text: string, name?: string): Result<FileAnswer> => {
      const r = session.openFile(text, name);
      return changed(r, r.ok && 'opened' in r.value ? r.value.opened.rev : null);
    },
    openFileCase: (index: number): Result<Snapshot> => {
      const r = session.openFileCase(index);
      return changed(r, revOf(r));
    },
    act: (i: Intent): Result<Snapshot> => {
      const r = session.act(i);
      return changed(r, revOf(r));
    },
    undo: (): Result<Snapshot> => {
      const r = session.undo();
      return changed(r, revOf(r));
    },
    redo: (): Result<Snapshot> => {
      const r = session.redo();
      return changed(r, revOf(r));
    },
    /**
     * Import a file as the user chose it: a QEMU dump (ELF) is read in place,
     * page by page as walks need it; anything else is read as text (a case,
     * an array of cases, JSON Lines). Worker only (FileReaderSync).
     */
    openBlob: (file: Blob, name: string): Result<FileAnswer> => openSource(fileByteSource(file), () => new FileReaderSync().readAsText(file), name),
    /** The same, from bytes (tests; Node has no FileReaderSync). */
    openBytes: (bytes: Uint8Array, name: string): Result<FileAnswer> => openSource(bytesSource(bytes), () => new TextDecoder().decode(bytes), name),
    startQuiz: async (topic: QuizTopic, seed: number, count = 5): Promise<Result<QuizView>> => session.startQuiz(await quizKit(), topic, seed, count),
    checkQuiz: async (n: number, given: string): Promise<Result<CheckResult>> => session.checkQuiz(await quizKit(), n, given),
    openQuizQuestion: (n: number): Result<Snapshot> => {
      const r = session.openQuizQuestion(n);
      return changed(r, revOf(r));
    },
    predict: (at: number | 'outcome', given: PredictAnswer): Result<PredictResult> => session.predict(at, given),
    reveal: (at: number | 'outcome'): Result<{ expected: string; explain: string }> => session.reveal(at),
    openLesson: (id: string, at = 0): Result<Snapshot> => {
      const r = session.openLesson({ id }, at);
      return changed(r, revOf(r));
    },
    lessonStop: (at: number): Result<Snapshot> => {
      const r = session.lessonStop(at);
      return changed(r, revOf(r));
    },
    leaveLesson: (): Result<Snapshot> => {
      const r = session.leaveLesson();
      return changed(r, revOf(r));
    },
    exportLesson: (): Result<string> => session.exportLesson(),
    lessons: () => BUILTIN_LESSONS.map((l) => ({ id: l.id, title: l.title, stops: l.stops.length })),
    mappings: (filter: 'all' | 'user' | 'kernel', offset = 0, limit = 500): Result<MappingsPage> => session.mappings(filter, offset, limit),
    reverse: (pa: string): Result<ReverseAnswer> => session.reverse(pa),
    walkText: (): string => session.walkText(),
    /** The step shown (kept with the document for links, reload and undo). */
    setView: (v: View): void => {
      session.setView(v);
      changed(null, 0);
    },
    /** The current document as it is shown (no change). */
    snapshot: (): Snapshot => session.snapshot(),
    setExpanded: (id: string, on: boolean): Snapshot => session.setExpanded(id, on),
    inspect: (id: string, index: number): EntryInfo | null => session.inspect(id, index),
    exportCase: (): string => session.exportCase(),
    fragment: (): { link: string; urlable: boolean; note: string | null } => session.fragment(),
    /** Resolves once every change made so far is saved (tests and the page's saved marker wait for it). */
    whenSaved: async (): Promise<boolean> => {
      await writing;
      return saved >= made;
    },
  };
}

export type PagodaApi = ReturnType<typeof createApi>;
