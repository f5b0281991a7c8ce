/** The UI slice: the alert (bad link, bad file, refused change) and short notices. */
import type { StateCreator } from 'zustand';
import type { Problem } from '../worker/types';
import type { AppState } from './types';

export interface Alert extends Problem {
  source: string | null;
  /** Text the user may want back (a damaged link): the alert offers to copy it. */
  copyText: string | null;
}

export interface UiSlice {
  alert: Alert | null;
  notice: string | null;
  showAlert(p: Problem, source: string | null, copyText?: string | null): void;
  dismissAlert(): void;
  setNotice(text: string | null): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  alert: null,
  notice: null,
  showAlert(p, source, copyText = null) {
    set({ alert: { ...p, source, copyText } });
  },
  dismissAlert() {
    set({ alert: null });
  },
  setNotice(text) {
    set({ notice: text });
  },
});
