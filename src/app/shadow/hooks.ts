/** Store access for the shadow views. */
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { StoreApi } from 'zustand/vanilla';
import type { ShadowHost } from '../../store/shadowSlice';
import { useAppStore } from '../context';

/** Select several values of the shadow slice (shallow-compared). */
export function useShadow<T>(selector: (s: ShadowHost) => T): T {
  // The app store includes the shadow slice (store/index.ts); this view of it needs only that part.
  return useStore(useAppStore() as unknown as StoreApi<ShadowHost>, useShallow(selector));
}

/** The store's shadow part, for event handlers. */
export function useShadowStore(): StoreApi<ShadowHost> {
  return useAppStore() as unknown as StoreApi<ShadowHost>;
}
