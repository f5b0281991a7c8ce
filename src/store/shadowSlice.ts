/**
 * The shadow-MMU slice (issue 4): the worker's ShadowView mirrored for the
 * views, which walk of the last operation is shown and how far it is stepped,
 * and the intents (start, preset, guest operations). Every operation returns
 * the shadow view and a main snapshot of the guest as it now is (A/D bits,
 * stores), so the rest of the app never shows a stale guest.
 */
import type { StateCreator } from 'zustand';
import type { Problem, Result, Snapshot } from '../worker/types';
import type { ShadowMode, ShadowOpRequest, ShadowView } from '../worker/shadowTypes';

/** What the worker answers for every shadow request. */
export interface ShadowAnswer {
  shadow: ShadowView | null;
  snapshot: Snapshot | null;
}

/** The client calls this slice needs (implemented in api.ts). */
export interface ShadowClient {
  shadowStart(mode: ShadowMode, fresh?: boolean): Promise<Result<ShadowAnswer>>;
  shadowPreset(id: string): Promise<Result<ShadowAnswer>>;
  shadowRun(req: ShadowOpRequest): Promise<Result<ShadowAnswer>>;
  shadowStop(): Promise<void>;
}

export type ShadowWalkKind = 'hardware' | 'guest' | 'retry' | 'hang';

export interface ShadowSlice {
  /** The shadow MMU's state, or null when Virtualization is None or EPT. */
  shadow: ShadowView | null;
  shadowBusy: boolean;
  /** Which walk the stepper shows, and how many of its steps are revealed. */
  shadowWalk: ShadowWalkKind;
  shadowStep: number;
  startShadow(mode: ShadowMode): Promise<boolean>;
  stopShadow(): Promise<void>;
  /** The document's scenario was edited (CPU, undo, …): run the edited guest under shadow paging again, or leave nested EPT. */
  shadowScenarioChanged(): Promise<void>;
  openShadowPreset(id: string): Promise<boolean>;
  shadowOp(req: ShadowOpRequest): Promise<boolean>;
  setShadowWalk(w: ShadowWalkKind): void;
  setShadowStep(n: number): void;
}

/** What the slice needs from the rest of the store. */
export interface ShadowHost extends ShadowSlice {
  applySnapshot(s: Snapshot): void;
  showAlert(p: Problem, source: string | null): void;
}

/** Shadow presets open through this slice (their ids, from presets/shadow.ts, say so; the main thread imports no engine code). */
export const isShadowPresetId = (id: string): boolean => /^(shadow|nested)-/.test(id);

/** Steps in a walk of the view. */
export function walkSteps(v: ShadowView | null, w: ShadowWalkKind) {
  if (!v) return null;
  if (w === 'hang') return v.nested?.hang?.steps ?? null;
  const l = v.last;
  if (!l) return null;
  return w === 'hardware' ? l.hardware : w === 'guest' ? l.guestWalk : l.retry;
}

export const createShadowSlice =
  <S extends ShadowHost>(deps: { client: ShadowClient }): StateCreator<S, [], [], ShadowSlice> =>
  (set, get) => {
    const { client } = deps;
    const setS = (p: Partial<ShadowSlice>) => set(p as Partial<S>);

    /** Take an answer: the shadow view, the guest's snapshot, and the walk to show first. */
    const take = (r: Result<ShadowAnswer>, source: string): boolean => {
      if (!r.ok) {
        get().showAlert({ field: r.problem.field, message: `The shadow MMU did not do that: ${r.problem.field}: ${r.problem.message}.` }, source);
        setS({ shadowBusy: false });
        return false;
      }
      const { shadow, snapshot } = r.value;
      if (snapshot) get().applySnapshot(snapshot);
      const last = shadow?.last ?? null;
      const hang = shadow?.nested?.hang ?? null;
      const walk: ShadowWalkKind = last?.hardware ? 'hardware' : hang ? 'hang' : 'hardware';
      const steps = walkSteps(shadow, walk);
      setS({ shadow, shadowBusy: false, shadowWalk: walk, shadowStep: steps ? steps.length : 0 });
      return true;
    };

    return {
      shadow: null,
      shadowBusy: false,
      shadowWalk: 'hardware',
      shadowStep: 0,

      async startShadow(mode) {
        setS({ shadowBusy: true });
        return take(await client.shadowStart(mode), 'shadow');
      },

      async shadowScenarioChanged() {
        const v = get().shadow;
        if (!v) return;
        if (v.mode === 'nested') return get().stopShadow();
        setS({ shadowBusy: true });
        take(await client.shadowStart('shadow', true), 'shadow');
      },

      async stopShadow() {
        await client.shadowStop();
        setS({ shadow: null, shadowBusy: false });
      },

      async openShadowPreset(id) {
        setS({ shadowBusy: true });
        return take(await client.shadowPreset(id), 'shadow');
      },

      async shadowOp(req) {
        if (!get().shadow) return false;
        setS({ shadowBusy: true });
        return take(await client.shadowRun(req), 'shadow');
      },

      setShadowWalk(w) {
        const steps = walkSteps(get().shadow, w);
        setS({ shadowWalk: w, shadowStep: steps ? steps.length : 0 });
      },

      setShadowStep(n) {
        const steps = walkSteps(get().shadow, get().shadowWalk);
        const max = steps ? steps.length : 0;
        setS({ shadowStep: Math.max(0, Math.min(max, n)) });
      },
    };
  };
