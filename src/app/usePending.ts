import { useState } from 'react';

/**
 * Show a control's new value at once while the worker applies it (a radio or
 * checkbox must not flick back while the answer is on its way).
 */
export function usePending<T>(value: T): [T, (next: T, apply: () => Promise<unknown>) => void] {
  const [pending, setPending] = useState<{ v: T } | null>(null);
  const run = (next: T, apply: () => Promise<unknown>) => {
    setPending({ v: next });
    void apply().finally(() => setPending(null));
  };
  return [pending ? pending.v : value, run];
}
