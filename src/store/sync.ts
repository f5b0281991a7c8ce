/**
 * All syncing in one place (zustand's guide): store → URL fragment, store →
 * playback timer, store → document theme and markers, and URL → store when
 * someone pastes a new link. The saved state itself is the worker's (it
 * writes the history to IndexedDB after every change). Nothing here draws or
 * walks.
 */
import type { EngineClient } from '../worker/client';
import type { AppStore } from './index';

/** Where the previous version kept the last link (read once, for a reload after an upgrade). */
export const LEGACY_KEY = 'pagoda.last';
export const THEME_KEY = 'pagoda.theme';
export const TEXT_SCALE_KEY = 'pagoda.textScale';
/** Links longer than this are not written to the address bar (browsers cap URLs near 2 MB). */
export const MAX_URL_FRAGMENT = 1_800_000;

export interface SyncEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState'>;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  addEventListener: (type: 'hashchange', fn: () => void) => void;
  root: HTMLElement | null;
  /** An embed (`?embed`): its theme and text size come from the address, not this browser's preferences. */
  embed?: { theme: 'light' | 'dark' | null; text: number | null } | null;
}

/** A quiz link: `#quiz.<topic>.<seed>.<count>` gives everyone the same questions. */
const QUIZ_LINK = /^#quiz\.([a-z0-9]+)\.(\d{1,15})\.(\d{1,2})$/;

/** The embed settings in a page address (`?embed&theme=dark&text=1.3`), or null for the full app. */
export function embedParams(search: string): { theme: 'light' | 'dark' | null; text: number | null } | null {
  const p = new URLSearchParams(search);
  if (!p.has('embed')) return null;
  const t = p.get('theme');
  const n = Number(p.get('text'));
  return { theme: t === 'light' || t === 'dark' ? t : null, text: p.has('text') && Number.isFinite(n) && n > 0 ? n : null };
}

export function startSync(store: AppStore, client: EngineClient, env: SyncEnv): (() => void) & { boot(): Promise<void> } {
  const stops: (() => void)[] = [];
  // An embed leaves this browser's preferences alone (the embedding page's visitor has their own).
  const storage = env.embed ? null : env.storage;
  let written = '';
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** A rejected link stays in the address bar until the next change (nothing changes on a failed open). */
  let holdRev = -1;
  /** The "too large for a link" notice, while it is shown. */
  let tooLarge: string | null = null;

  /** Marker for tests: does the address bar hold the state shown ("current"), or is a write pending? */
  const mark = (v: 'current' | 'pending' | 'held') => {
    if (env.root) env.root.dataset.link = v;
  };

  const writeLink = async () => {
    const { ready, rev } = store.getState();
    if (!ready) return;
    if (rev === holdRev) return mark('held');
    const f = await client.latest('fragment', () => client.fragment());
    if (f === null) return;
    const frag = f.link;
    if (!f.urlable) {
      // A dump's document cannot travel in a link: leave none in the address bar, so a reload restores the saved history.
      written = '';
      try {
        env.history.replaceState(null, '', env.location.pathname + env.location.search);
      } catch {
        /* ignore */
      }
      return mark('current');
    }
    if (frag.length <= MAX_URL_FRAGMENT) {
      written = '#' + frag;
      try {
        env.history.replaceState(null, '', written);
      } catch {
        /* a URL the browser refuses: Copy link still reports it */
      }
      // The "too large" notice no longer holds; any other notice (Link copied…) is not this one's to clear.
      if (store.getState().notice === tooLarge) store.getState().setNotice(null);
      tooLarge = null;
      mark('current');
    } else {
      // No link can hold it: leave none in the address bar (an older one would reopen older work on reload).
      written = '';
      try {
        env.history.replaceState(null, '', env.location.pathname + env.location.search);
      } catch {
        /* ignore */
      }
      mark('current');
      tooLarge = `This scenario is too large for a link (${Math.round(frag.length / 1024)} K characters). It is saved in this browser, so a reload restores it; use Export to share it.`;
      store.getState().setNotice(tooLarge);
    }
  };

  stops.push(
    store.subscribe(
      (s) => [s.rev, s.step, s.shadowWalk, s.shadowStep] as const,
      () => {
        if (timer) clearTimeout(timer);
        mark('pending');
        timer = setTimeout(() => void writeLink(), 120);
      },
      { equalityFn: (a, b) => a.every((x, i) => x === b[i]) },
    ),
  );

  // The inspector follows the walk: each step selects the entry it reads.
  stops.push(
    store.subscribe(
      (s) => s.step,
      (step) => {
        const t = store.getState().targets[step - 1];
        const sel = store.getState().selection;
        if (t && (!sel || sel.tableId !== t.tableId || sel.index !== t.index)) void store.getState().select(t);
      },
    ),
  );

  let player: ReturnType<typeof setInterval> | null = null;
  const stopPlayer = () => {
    if (player) clearInterval(player);
    player = null;
  };
  stops.push(
    store.subscribe(
      (s) => [s.playing, s.speed] as const,
      ([playing, speed]) => {
        stopPlayer();
        if (playing) player = setInterval(() => store.getState().nextStep(), 1000 / speed);
      },
      { equalityFn: (a, b) => a[0] === b[0] && a[1] === b[1] },
    ),
  );
  stops.push(stopPlayer);

  // Markers tests wait on: the revision shown, and whether it is saved (a reload restores it).
  stops.push(
    store.subscribe(
      (s) => [s.rev, s.saved] as const,
      ([rev, saved]) => {
        if (!env.root) return;
        env.root.dataset.rev = String(rev);
        env.root.dataset.saved = saved ? 'yes' : 'no';
      },
      { equalityFn: (a, b) => a[0] === b[0] && a[1] === b[1] },
    ),
  );

  const applyTheme = (t: string | null) => {
    if (!env.root) return;
    if (t) env.root.dataset.theme = t;
    else delete env.root.dataset.theme;
  };
  stops.push(
    store.subscribe(
      (s) => s.theme,
      (t) => {
        applyTheme(t);
        try {
          storage?.setItem(THEME_KEY, t ?? '');
        } catch {
          /* ignore */
        }
      },
    ),
  );
  const savedTheme = env.embed ? env.embed.theme : storage?.getItem(THEME_KEY);
  if (savedTheme === 'light' || savedTheme === 'dark') store.getState().setTheme(savedTheme);

  // Text size: a CSS variable every font size is multiplied by, remembered in this browser.
  const applyTextScale = (n: number) => env.root?.style.setProperty('--text-scale', String(n));
  stops.push(
    store.subscribe(
      (s) => s.textScale,
      (n) => {
        applyTextScale(n);
        try {
          storage?.setItem(TEXT_SCALE_KEY, String(n));
        } catch {
          /* ignore */
        }
      },
    ),
  );
  let savedScale: string | null = null;
  try {
    savedScale = storage?.getItem(TEXT_SCALE_KEY) ?? null;
  } catch {
    savedScale = null;
  }
  if (env.embed) savedScale = env.embed.text === null ? null : String(env.embed.text);
  if (savedScale) store.getState().setTextScale(Number(savedScale));
  applyTextScale(store.getState().textScale);

  // Presentation mode restyles the whole page: html[data-present].
  stops.push(
    store.subscribe(
      (s) => s.presenting,
      (on) => {
        if (!env.root) return;
        if (on) env.root.dataset.present = 'yes';
        else delete env.root.dataset.present;
      },
    ),
  );

  env.addEventListener('hashchange', () => {
    const h = env.location.hash;
    if (h === written || h.length <= 1) return;
    const quiz = QUIZ_LINK.exec(h);
    if (quiz) {
      holdRev = store.getState().rev;
      mark('held');
      void store.getState().startQuiz(quiz[1] as never, Number(quiz[2]), Number(quiz[3]), true);
      return;
    }
    void store.getState().openLink(h).then((ok) => {
      if (!ok) holdRev = store.getState().rev;
    });
  });

  /** Boot: the saved history, the link in the URL on top; a rejected link is left in the address bar. */
  const bootNow = async () => {
    let legacy: string | null = null;
    try {
      legacy = storage?.getItem(LEGACY_KEY) ?? null;
    } catch {
      legacy = null;
    }
    // A quiz link (#quiz.<topic>.<seed>.<count>) gives everyone the same quiz over whatever they were doing.
    const quiz = QUIZ_LINK.exec(env.location.hash);
    const b = await store.getState().boot(quiz ? '' : env.location.hash, legacy);
    if (quiz) {
      holdRev = store.getState().rev;
      mark('held');
      await store.getState().startQuiz(quiz[1] as never, Number(quiz[2]), Number(quiz[3]), true);
    } else if (b?.link) {
      holdRev = store.getState().rev;
      mark('held');
    } else void writeLink();
  };

  return Object.assign(
    () => {
      if (timer) clearTimeout(timer);
      stops.forEach((f) => f());
    },
    { boot: bootNow },
  );
}

/** Start syncing and boot; resolves when the first document is shown. */
export async function bootApp(store: AppStore, client: EngineClient, env: SyncEnv): Promise<() => void> {
  const stop = startSync(store, client, env);
  await stop.boot();
  return stop;
}
