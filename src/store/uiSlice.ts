/** The UI slice: the alert (bad link, bad file, refused edit) and short notices. */
import type { StateCreator } from 'zustand';
import type { Problem } from '../worker/types';
import type { AppState } from './types';

export interface Alert extends Problem {
  source: string | null;
}

export interface UiSlice {
  alert: Alert | null;
  notice: string | null;
  showAlert(p: Problem, source: string | null): void;
  dismissAlert(): void;
  setNotice(text: string | null): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  alert: null,
  notice: null,
  showAlert(p, source) {
    set({ alert: { ...p, source } });
  },
  dismissAlert() {
    set({ alert: null });
  },
  setNotice(text) {
    set({ notice: text });
  },
});
