import { createContext, useContext } from 'react';
import type { EngineClient } from '../worker/client';

export const EngineContext = createContext<EngineClient | null>(null);

/** The engine client, for one-shot requests that do not change the store (links, exports). */
export function useEngine(): EngineClient {
  const c = useContext(EngineContext);
  if (!c) throw new Error('EngineContext is missing');
  return c;
}
