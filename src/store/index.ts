/**
 * The app store: one zustand store built from slices, with
 * subscribeWithSelector at the root so sync code outside React can watch it.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { subscribeWithSelector } from 'zustand/middleware';
import { createClassSlice } from './classSlice';
import { createDocSlice } from './docSlice';
import { createUiSlice } from './uiSlice';
import { createViewSlice } from './viewSlice';
import type { AppState, Deps } from './types';

export type { AppState } from './types';
export type AppStore = StoreApi<AppState> & {
  subscribe: {
    (listener: (s: AppState, p: AppState) => void): () => void;
    <U>(selector: (s: AppState) => U, listener: (u: U, prev: U) => void, opts?: { equalityFn?: (a: U, b: U) => boolean; fireImmediately?: boolean }): () => void;
  };
};

export function createAppStore(deps: Deps): AppStore {
  return createStore<AppState>()(
    subscribeWithSelector((...a) => ({
      ...createDocSlice(deps)(...a),
      ...createViewSlice(deps)(...a),
      ...createUiSlice(...a),
      ...createClassSlice(deps)(...a),
    })),
  ) as AppStore;
}
