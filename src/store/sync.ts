/**
 * All syncing in one place (zustand's guide): store → URL fragment and local
 * storage, store → playback timer, store → document theme, and URL → store
 * when someone pastes a new link. Nothing here draws or walks.
 */
import type { EngineClient } from '../worker/client';
import type { AppStore } from './index';

export const STORAGE_KEY = 'pagoda.last';
export const THEME_KEY = 'pagoda.theme';
/** Links longer than this are not written to the address bar (browsers cap URLs near 2 MB). */
export const MAX_URL_FRAGMENT = 1_800_000;

export interface SyncEnv {
  location: Pick<Location, 'hash'>;
  history: Pick<History, 'replaceState'>;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  addEventListener: (type: 'hashchange', fn: () => void) => void;
  root: HTMLElement | null;
}

export function startSync(store: AppStore, client: EngineClient, env: SyncEnv): () => void {
  const stops: (() => void)[] = [];
  let written = '';
  let timer: ReturnType<typeof setTimeout> | null = null;

  const writeLink = async () => {
    const { trace, step, ready, shadow } = store.getState();
    if (!ready || !trace) return;
    const view = { step: step === trace.steps.length ? -1 : step, ...(shadow ? { virt: shadow.mode } : {}) };
    const frag = await client.latest('fragment', () => client.fragment(view));
    if (frag === null) return;
    written = '#' + frag;
    if (frag.length <= MAX_URL_FRAGMENT) {
      try {
        env.history.replaceState(null, '', written);
      } catch {
        /* a URL the browser refuses: the link button still reports it */
      }
      store.getState().setNotice(null);
    } else store.getState().setNotice('This scenario is too large for a link; use Export instead.');
    try {
      env.storage?.setItem(STORAGE_KEY, frag);
    } catch {
      /* storage full or disabled: nothing to keep */
    }
  };

  stops.push(
    store.subscribe(
      (s) => [s.rev, s.step, s.shadow?.mode ?? ''] as const,
      () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void writeLink(), 120);
      },
      { equalityFn: (a, b) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] },
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
          env.storage?.setItem(THEME_KEY, t ?? '');
        } catch {
          /* ignore */
        }
      },
    ),
  );
  const savedTheme = env.storage?.getItem(THEME_KEY);
  if (savedTheme === 'light' || savedTheme === 'dark') store.getState().setTheme(savedTheme);

  env.addEventListener('hashchange', () => {
    if (env.location.hash !== written && env.location.hash.length > 1) void store.getState().openLink(env.location.hash);
  });

  return () => {
    if (timer) clearTimeout(timer);
    stops.forEach((f) => f());
  };
}

/** Boot: the link in the URL, else the last scenario, else the default preset. */
export function boot(store: AppStore, env: SyncEnv): Promise<void> {
  let saved: string | null = null;
  try {
    saved = env.storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    saved = null;
  }
  return store.getState().boot(env.location.hash, saved);
}
