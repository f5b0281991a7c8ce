/**
 * The view slice: which step is shown, playback, the selected entry, folded
 * tables, the pan/zoom transform, the theme, and under a shadow MMU which walk
 * of the last operation is stepped. Natively a step only moves a highlight;
 * under a shadow MMU a step moves through the operations, which is a change
 * of the document (one history entry each). What is shown goes to the worker
 * so links, reloads and undo keep it.
 */
import type { StateCreator } from 'zustand';
import type { EntryInfo, StepTarget, View } from '../worker/types';
import type { ShadowWalkKind } from '../worker/doc/types';
import type { ShadowView } from '../worker/shadowTypes';
import type { AppState, Deps } from './types';

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export type Theme = 'light' | 'dark';
export type CameraKind = 'open' | 'step' | 'whole';

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
  /**
   * What the tree's camera shows, and a counter that changes with every
   * request: `open` — a document's first view (the root and the walked
   * path); `step` — the view chosen for the step shown; `whole` — the whole
   * drawing (Fit).
   */
  camera: { kind: CameraKind; seq: number };
  theme: Theme | null;
  /** Under a shadow MMU: which walk of the last operation is shown, and how many of its steps. */
  shadowWalk: ShadowWalkKind;
  shadowStep: number;

  /** Steps the step buttons move through in this mode (references, or operations under a shadow MMU). */
  stepCount(): number;
  stepAt(): number;
  /** Go to step n (clamped): a reference natively; under a shadow MMU, operation n (runs or rewinds operations). */
  goStep(n: number): Promise<void>;
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
  /** `Fit`: show the whole drawing. */
  requestFit(): void;
  /** Ask the camera for a view (a document opened, the step view again, the whole drawing). */
  requestCamera(kind: CameraKind): void;
  setTheme(t: Theme | null): void;
  setShadowWalk(w: ShadowWalkKind): void;
  setShadowStep(n: number): void;
  /** Take the shadow walk view a snapshot carries (its default: the last operation's first walk, whole). */
  syncShadowView(v: View): void;
}

export const SPEEDS = [0.5, 1, 2, 4] as const;

/** Steps in a walk of the shadow view. */
export function walkSteps(v: ShadowView | null, w: ShadowWalkKind) {
  if (!v) return null;
  if (w === 'hang') return v.nested?.hang?.steps ?? null;
  const l = v.last;
  if (!l) return null;
  return w === 'hardware' ? l.hardware : w === 'guest' ? l.guestWalk : l.retry;
}

export const createViewSlice =
  ({ client }: Deps): StateCreator<AppState, [], [], ViewSlice> =>
  (set, get) => {
    /** Tell the worker what is shown (coalesced: only the latest matters). */
    const report = () => {
      const s = get();
      const n = s.trace?.steps.length ?? 0;
      const view: View = { step: s.step >= n ? -1 : s.step };
      if (s.shadow) {
        const steps = walkSteps(s.shadow, s.shadowWalk)?.length ?? 0;
        view.walk = s.shadowWalk;
        view.walkStep = s.shadowStep >= steps ? -1 : s.shadowStep;
      }
      void client.latest('view', () => client.setView(view).then(() => s.markSaved()));
    };
    const underShadow = () => get().ops !== null;
    /**
     * Under a shadow MMU a step is a worker round trip: the operation the
     * latest step asked for, so quick presses add up (five Page Downs run five
     * operations) instead of all asking for the one after the shown one.
     */
    let opTarget: number | null = null;
    const opAt = () => opTarget ?? get().ops!.at;

    return {
      step: 0,
      playing: false,
      speed: 1,
      selection: null,
      entry: null,
      expanded: [],
      transform: { x: 0, y: 0, k: 1 },
      camera: { kind: 'open', seq: 0 },
      theme: null,
      shadowWalk: 'hardware',
      shadowStep: 0,

      stepCount() {
        const s = get();
        return s.ops ? s.ops.items.length : (s.trace?.steps.length ?? 0);
      },
      stepAt() {
        const s = get();
        return s.ops ? s.ops.at : s.step;
      },
      async goStep(n) {
        const max = get().stepCount();
        const to = Math.max(0, Math.min(max, n));
        if (!underShadow()) {
          get().setStep(to);
          return;
        }
        if (to === opAt()) return;
        opTarget = to;
        try {
          await get().act({ t: 'seek', at: to });
        } finally {
          if (opTarget === to) opTarget = null;
        }
      },
      setStep(n) {
        let max = get().trace?.steps.length ?? 0;
        // Predicting: a reference is shown only once it has been answered (or revealed).
        if (get().predict.on) for (let k = get().step; k < max; k++) if (!get().answered(k)) max = k;
        const step = Math.max(0, Math.min(max, n));
        if (step === get().step) return;
        set({ step, camera: { kind: 'step', seq: get().camera.seq + 1 } });
        report();
      },
      nextStep() {
        // At the end of a lesson stop, a clicker's "next" goes on to the next stop.
        const lesson = get().doc?.lesson;
        if (lesson && lesson.at + 1 < lesson.count && get().stepAt() >= get().stepCount()) {
          void get().goStop(lesson.at + 1);
          return;
        }
        if (underShadow()) {
          void get().goStep(opAt() + 1);
          return;
        }
        const { step, trace } = get();
        const max = trace?.steps.length ?? 0;
        if (step < max) get().setStep(step + 1);
        if (step + 1 >= max) set({ playing: false });
      },
      prevStep() {
        const lesson = get().doc?.lesson;
        if (lesson && lesson.at > 0 && get().stepAt() === 0) {
          void get().goStop(lesson.at - 1);
          return;
        }
        if (underShadow()) {
          void get().goStep(opAt() - 1);
          return;
        }
        const { step } = get();
        set({ playing: false });
        if (step > 0) get().setStep(step - 1);
      },
      play() {
        const { step, trace } = get();
        const max = trace?.steps.length ?? 0;
        if (max === 0 || underShadow()) return;
        set({ playing: true });
        if (step >= max) get().setStep(0);
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
        get().requestCamera('whole');
      },
      requestCamera(kind) {
        set({ camera: { kind, seq: get().camera.seq + 1 } });
      },
      setTheme(t) {
        set({ theme: t });
      },
      setShadowWalk(w) {
        const steps = walkSteps(get().shadow, w);
        set({ shadowWalk: w, shadowStep: steps ? steps.length : 0 });
        report();
      },
      setShadowStep(n) {
        const steps = walkSteps(get().shadow, get().shadowWalk);
        const max = steps ? steps.length : 0;
        set({ shadowStep: Math.max(0, Math.min(max, n)) });
        report();
      },
      syncShadowView(v) {
        const view = get().shadow;
        if (!view) return;
        const hang = view.nested?.hang ?? null;
        let walk: ShadowWalkKind = v.walk ?? (view.last?.hardware ? 'hardware' : hang ? 'hang' : 'hardware');
        if (!walkSteps(view, walk)) walk = view.last?.hardware ? 'hardware' : hang ? 'hang' : 'hardware';
        const steps = walkSteps(view, walk)?.length ?? 0;
        const at = v.walkStep === undefined || v.walkStep < 0 || v.walkStep > steps ? steps : v.walkStep;
        set({ shadowWalk: walk, shadowStep: at });
      },
    };
  };
