/** Store access for the shadow views (the app store; the shadow MMU's state is part of the document). */
import type { AppState, AppStore } from '../../store';
import { useAppShallow, useAppStore } from '../context';

/** Select several values (shallow-compared). */
export function useShadow<T>(selector: (s: AppState) => T): T {
  return useAppShallow(selector);
}

/** The store, for event handlers. */
export function useShadowStore(): AppStore {
  return useAppStore();
}
