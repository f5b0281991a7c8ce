/**
 * The UI slice: the alert (bad link, bad file, refused change), short
 * notices, presentation mode and the text size (a preference kept in this
 * browser, see sync.ts).
 */
import type { StateCreator } from 'zustand';
import type { Problem } from '../worker/types';
import type { AppState } from './types';

export interface Alert extends Problem {
  source: string | null;
  /** Text the user may want back (a damaged link): the alert offers to copy it. */
  copyText: string | null;
}

/** Text sizes `Larger text` and `Smaller text` step through (1 = as designed). */
export const TEXT_SCALES = [0.85, 1, 1.15, 1.3, 1.5, 1.75, 2] as const;

export interface UiSlice {
  alert: Alert | null;
  notice: string | null;
  /** Presentation mode: the picture and the step take the screen. */
  presenting: boolean;
  /** Multiplies every text size (and the tree's legible zoom). */
  textScale: number;
  /** The Export picture dialog is open. */
  exportOpen: boolean;
  /** Shown in another page's iframe (`?embed`): the picture, step controls and sentence only; nothing saved. */
  embedded: boolean;
  showAlert(p: Problem, source: string | null, copyText?: string | null): void;
  dismissAlert(): void;
  setNotice(text: string | null): void;
  setPresenting(on: boolean): void;
  setExportOpen(on: boolean): void;
  setEmbedded(on: boolean): void;
  setTextScale(n: number): void;
  /** One size up or down (−1, +1); false at the end of the range. */
  stepTextScale(dir: 1 | -1): boolean;
}

const nearest = (n: number): number => TEXT_SCALES.reduce((a, b) => (Math.abs(b - n) < Math.abs(a - n) ? b : a), 1 as number);

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set, get) => ({
  alert: null,
  notice: null,
  presenting: false,
  textScale: 1,
  exportOpen: false,
  embedded: false,
  showAlert(p, source, copyText = null) {
    set({ alert: { ...p, source, copyText } });
  },
  dismissAlert() {
    set({ alert: null });
  },
  setNotice(text) {
    set({ notice: text });
  },
  setPresenting(on) {
    if (on === get().presenting) return;
    set({ presenting: on });
    // The picture changes size: show the step as chosen for the new layout.
    get().requestCamera('step');
  },
  setExportOpen(on) {
    set({ exportOpen: on });
  },
  setEmbedded(on) {
    set({ embedded: on });
  },
  setTextScale(n) {
    if (Number.isFinite(n)) set({ textScale: nearest(n) });
  },
  stepTextScale(dir) {
    const i = TEXT_SCALES.indexOf(nearest(get().textScale) as (typeof TEXT_SCALES)[number]);
    const j = i + dir;
    if (j < 0 || j >= TEXT_SCALES.length) return false;
    set({ textScale: TEXT_SCALES[j] });
    get().requestCamera('step');
    return true;
  },
});
