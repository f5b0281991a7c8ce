/**
 * Focus goes back to the picture once a choice is made (a preset, or a radio
 * clicked with the pointer), so the room's keys (→, Page Down, Space) step
 * the walk instead of changing the choice again.
 */
import type { SyntheticEvent } from 'react';

export function focusPicture(after: Promise<unknown> = Promise.resolve()): void {
  const chooser = document.activeElement;
  // Once the change is shown and React has drawn it (the picture may be a different element by then);
  // not if the user has moved on to another control meanwhile.
  // A mode's picture may still be on its way (its views are fetched on demand): look again for a while.
  const attempt = (left: number) => {
    const now = document.activeElement;
    if (now !== chooser && now !== document.body && now !== null) return;
    const picture = document.querySelector<HTMLElement>('[data-picture]');
    if (picture) picture.focus({ preventScroll: true });
    else if (left > 0) requestAnimationFrame(() => attempt(left - 1));
  };
  void after.finally(() => requestAnimationFrame(() => attempt(180)));
}

/** A radio's change: chosen with the pointer (a click with a click count), not with the keyboard (arrows keep moving in the group). */
export function byPointer(e: SyntheticEvent): boolean {
  const n = e.nativeEvent as Event & { detail?: number };
  return typeof n.detail === 'number' && n.detail > 0;
}
