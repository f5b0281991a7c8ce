/**
 * The worker's API: one plain object of functions over a Session. The worker
 * exposes it with Comlink; tests call it directly. Every answer is plain data.
 * Every change is saved (the whole history) once the answer is out.
 */
import { MemoryPersist, type Persist } from './persist';
import { Session } from './session';
import type { EntryInfo, FileAnswer, Intent, PresetInfo, Problem, Result, Snapshot, View } from './types';

/** What boot found: the snapshot to show, and what could not be opened (a damaged link keeps its text). */
export interface BootAnswer {
  snapshot: Snapshot;
  link: { problem: Problem; text: string } | null;
  saved: Problem | null;
}

export function createApi(session = new Session(), persist: Persist = new MemoryPersist()) {
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
        await persist.save(session.saved());
      } catch {
        /* storage unavailable: the session goes on */
      }
      saved = upTo;
    });
    return r;
  };
  const revOf = (r: Result<Snapshot>): number | null => (r.ok ? r.value.rev : null);

  return {
    presets: (): PresetInfo[] => session.presets(),

    /**
     * Open what the page was loaded with: the saved history, then the link in
     * the URL on top of it; else an old saved v1 link (`legacy`, from local
     * storage); else the default preset. A damaged link is reported with its
     * text and changes nothing: the saved state stays as it was.
     */
    async boot(hash: string, legacy: string | null): Promise<BootAnswer> {
      let link: BootAnswer['link'] = null;
      let savedProblem: Problem | null = null;
      let restored = false;
      let stored: unknown = null;
      try {
        stored = await persist.load();
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
      if (restored && frag !== '' && frag === session.fragment()) return { snapshot: session.snapshot(), link: null, saved: null };
      if (frag !== '') {
        const r = session.openLink(frag);
        if (r.ok) return { snapshot: changed(r, r.value.rev).value, link: null, saved: savedProblem };
        link = { problem: r.problem, text: frag };
      }
      if (restored) return { snapshot: session.snapshot(), link, saved: null };
      if (legacy) {
        const r = session.openLink(legacy);
        if (r.ok) return { snapshot: r.value, link, saved: savedProblem };
      }
      const r = session.openPreset();
      if (!r.ok) throw new Error(r.problem.message);
      return { snapshot: r.value, link, saved: savedProblem };
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
    undo: (): Snapshot => {
      const s = session.undo();
      return changed(s, s.rev);
    },
    redo: (): Snapshot => {
      const s = session.redo();
      return changed(s, s.rev);
    },
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
    fragment: (): string => session.fragment(),
    /** Resolves once every change made so far is saved (tests and the page's saved marker wait for it). */
    whenSaved: async (): Promise<boolean> => {
      await writing;
      return saved >= made;
    },
  };
}

export type PagodaApi = ReturnType<typeof createApi>;
