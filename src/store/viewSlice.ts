/**
 * The view slice: which step is shown, playback, the selected entry, folded
 * tables, the pan/zoom transform and the theme. Steps only move a highlight;
 * they never ask the worker for anything.
 */
import type { StateCreator } from 'zustand';
import type { EntryInfo, StepTarget } from '../worker/types';
import type { AppState, Deps } from './types';

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export type Theme = 'light' | 'dark';

export interface ViewSlice {
  /** References shown: 0 … trace.steps.length. */
  step: number;
  playing: boolean;
  /** Steps per second while playing. */
  speed: number;
  selection: StepTarget | null;
  entry: EntryInfo | null;
  expanded: string[];
  transform: Transform;
  /** Bumped to ask the canvas to fit the drawing / show the current step. */
  fitRequest: number;
  theme: Theme | null;

  setStep(n: number): void;
  nextStep(): void;
  prevStep(): void;
  play(): void;
  pause(): void;
  setSpeed(s: number): void;
  select(t: StepTarget | null): Promise<void>;
  refreshEntry(): Promise<void>;
  toggleExpanded(id: string): Promise<void>;
  setTransform(t: Transform): void;
  requestFit(): void;
  setTheme(t: Theme | null): void;
}

export const SPEEDS = [0.5, 1, 2, 4] as const;

export const createViewSlice =
  ({ client }: Deps): StateCreator<AppState, [], [], ViewSlice> =>
  (set, get) => ({
    step: 0,
    playing: false,
    speed: 1,
    selection: null,
    entry: null,
    expanded: [],
    transform: { x: 0, y: 0, k: 1 },
    fitRequest: 0,
    theme: null,

    setStep(n) {
      const max = get().trace?.steps.length ?? 0;
      set({ step: Math.max(0, Math.min(max, n)) });
    },
    nextStep() {
      const { step, trace } = get();
      const max = trace?.steps.length ?? 0;
      if (step < max) set({ step: step + 1 });
      if (step + 1 >= max) set({ playing: false });
    },
    prevStep() {
      const { step } = get();
      if (step > 0) set({ step: step - 1, playing: false });
    },
    play() {
      const { step, trace } = get();
      const max = trace?.steps.length ?? 0;
      if (max === 0) return;
      set({ playing: true, step: step >= max ? 0 : step });
    },
    pause() {
      set({ playing: false });
    },
    setSpeed(s) {
      set({ speed: s });
    },
    async select(t) {
      set({ selection: t });
      if (t === null) {
        set({ entry: null });
        return;
      }
      await get().refreshEntry();
    },
    async refreshEntry() {
      const sel = get().selection;
      if (!sel) return;
      const info = await client.latest('inspect', () => client.inspect(sel.tableId, sel.index));
      if (info === null && get().selection !== sel) return;
      set({ entry: info });
    },
    async toggleExpanded(id) {
      const on = !get().expanded.includes(id);
      set({ expanded: on ? [...get().expanded, id] : get().expanded.filter((x) => x !== id) });
      const s = await client.setExpanded(id, on);
      if (s.layout) set({ layout: s.layout });
    },
    setTransform(t) {
      set({ transform: t });
    },
    requestFit() {
      set({ fitRequest: get().fitRequest + 1 });
    },
    setTheme(t) {
      set({ theme: t });
    },
  });
