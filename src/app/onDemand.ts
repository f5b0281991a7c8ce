/**
 * Parts of the app that a first load does not show (the shadow workbench,
 * the dialogs, the dump views) live in chunks of their own, fetched when first
 * wanted or, sooner, once the first walk is on screen (`preloadOnDemand`), so
 * they cost the first load nothing and are usually there when asked for.
 */
import { useEffect, useState } from 'react';

const all: (() => Promise<unknown>)[] = [];

export interface OnDemand<M> {
  /** The module once loaded, else null; `want` starts the load. */
  useModule(want?: boolean): M | null;
  preload(): Promise<M>;
}

export function onDemand<M>(load: () => Promise<M>): OnDemand<M> {
  let mod: M | null = null;
  let pending: Promise<M> | null = null;
  const preload = (): Promise<M> =>
    (pending ??= load().then(
      (m) => (mod = m),
      (e: unknown) => {
        pending = null; // a failed fetch may be retried by the next ask
        throw e;
      },
    ));
  all.push(preload);
  return {
    preload,
    useModule(want = true) {
      const [, loaded] = useState(0);
      useEffect(() => {
        if (!want || mod) return;
        let live = true;
        preload().then(
          () => live && loaded((n) => n + 1),
          () => undefined,
        );
        return () => {
          live = false;
        };
      }, [want]);
      return mod;
    },
  };
}

/** Fetch every on-demand part in the background (after the first walk is drawn). */
export function preloadOnDemand(): void {
  for (const p of all) p().catch(() => undefined);
}
