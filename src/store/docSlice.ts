/**
 * The document slice: a mirror of the worker's snapshot (scenario state,
 * trace, drawing) and the intents that change the scenario. Memory stays in
 * the worker; the store holds what the views draw.
 */
import type { StateCreator } from 'zustand';
import { parseHex64 } from '../engine/bits';
import type { AddressLayout, Edit, PresetInfo, Problem, Result, ScenarioDoc, Snapshot, StepTarget, Trace, TreeLayout } from '../worker/types';
import type { AppState, Deps } from './types';
import { isShadowPresetId } from './shadowSlice';

export interface DocSlice {
  ready: boolean;
  rev: number;
  doc: ScenarioDoc | null;
  address: AddressLayout | null;
  trace: Trace | null;
  targets: StepTarget[];
  layout: TreeLayout | null;
  canUndo: boolean;
  canRedo: boolean;
  presets: PresetInfo[];
  /** Text in the address box (may be invalid while typing) and its problem. */
  draftVa: string;
  vaError: string | null;

  boot(hash: string, saved: string | null): Promise<void>;
  /** Take a snapshot the shadow MMU's answer carries. */
  applySnapshot(s: Snapshot): void;
  openPreset(id: string): Promise<void>;
  openLink(fragment: string): Promise<boolean>;
  importFile(text: string, name: string): Promise<boolean>;
  exportCase(): Promise<string>;
  setDraftVa(text: string): void;
  translate(): Promise<void>;
  setAccess(patch: Partial<ScenarioDoc['access']>): Promise<void>;
  edit(e: Edit): Promise<boolean>;
  undo(): Promise<void>;
  redo(): Promise<void>;
}

/** Parse the address box: `0x`, underscores and upper case are fine. */
export function parseVa(text: string, width: number): { va: string } | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'Type a linear address in hex, e.g. 0x7f3a1b2c5123.' };
  const v = parseHex64(t, true);
  if (v === null) {
    return /^(0x)?[0-9a-f_]*$/i.test(t.replace(/\s/g, ''))
      ? { error: 'Too long: a linear address has at most 64 bits (16 hex digits).' }
      : { error: `“${t.slice(0, 20)}” is not hex: use digits 0–9 and a–f, optionally 0x and _.` };
  }
  if (width === 32 && v.hi !== 0) return { error: 'This paging mode translates 32-bit linear addresses: at most 8 hex digits.' };
  return { va: '0x' + (v.hi ? v.hi.toString(16) + v.lo.toString(16).padStart(8, '0') : v.lo.toString(16)) };
}

export const createDocSlice =
  (deps: Deps): StateCreator<AppState, [], [], DocSlice> =>
  (set, get) => {
    const { client } = deps;

    /** Take a snapshot from the worker; `step` -1 (or absent) shows the whole walk. */
    const apply = (s: Snapshot, step = -1, keepDraft = false): void => {
      const n = s.trace.steps.length;
      const prev = get();
      const docChanged = prev.doc?.id !== s.doc.id;
      set({
        ready: true,
        rev: s.rev,
        doc: s.doc,
        address: s.address,
        trace: s.trace,
        targets: s.targets,
        layout: s.layout ?? prev.layout,
        canUndo: s.canUndo,
        canRedo: s.canRedo,
        step: step < 0 || step > n ? n : step,
        playing: false,
        draftVa: keepDraft ? prev.draftVa : s.doc.access.va,
        vaError: keepDraft ? prev.vaError : null,
        ...(docChanged ? { selection: null, entry: null } : {}),
      });
      if (s.layout && (docChanged || !prev.layout)) get().requestFit();
      void get().refreshEntry();
    };

    const result = <T>(r: Result<T>, source: Problem['field'] | null = null): T | null => {
      if (r.ok) return r.value;
      get().showAlert(r.problem, source);
      return null;
    };

    return {
      ready: false,
      rev: 0,
      doc: null,
      address: null,
      trace: null,
      targets: [],
      layout: null,
      canUndo: false,
      canRedo: false,
      presets: [],
      draftVa: '',
      vaError: null,

      async boot(hash, saved) {
        void client.presets().then((presets) => set({ presets }));
        if (hash.replace(/^#/, '') !== '') {
          if (await get().openLink(hash)) return;
        } else if (saved) {
          const r = await client.openLink(saved);
          if (r.ok) {
            apply(r.value.snapshot, r.value.view.step);
            if (r.value.view.virt) await get().startShadow(r.value.view.virt);
            return;
          }
        }
        const r = await client.openPreset(undefined);
        const s = result(r);
        if (s) apply(s);
      },

      applySnapshot(s) {
        apply(s, -1, true);
        set({ draftVa: s.doc.access.va, vaError: null });
      },

      async openPreset(id) {
        if (isShadowPresetId(id)) {
          await get().openShadowPreset(id);
          return;
        }
        if (get().shadow) await get().stopShadow();
        const s = result(await client.openPreset(id));
        if (s) apply(s);
      },

      async openLink(fragment) {
        const r = await client.openLink(fragment);
        if (!r.ok) {
          get().showAlert({ field: r.problem.field, message: `This link cannot be opened: ${r.problem.field}: ${r.problem.message}. The app kept a working scenario.` }, 'link');
          return false;
        }
        get().dismissAlert();
        apply(r.value.snapshot, r.value.view.step);
        // A link taken under a shadow MMU reopens it on the same guest.
        if (r.value.view.virt) await get().startShadow(r.value.view.virt);
        else if (get().shadow) await get().stopShadow();
        return true;
      },

      async importFile(text, name) {
        const r = await client.openFile(text, name);
        if (!r.ok) {
          get().showAlert({ field: r.problem.field, message: `${name} cannot be imported: ${r.problem.field}: ${r.problem.message}.` }, 'file');
          return false;
        }
        get().dismissAlert();
        apply(r.value);
        return true;
      },

      exportCase: () => client.exportCase(),

      setDraftVa(text) {
        const width = get().address?.width ?? 64;
        const p = parseVa(text, width);
        set({ draftVa: text, vaError: 'error' in p ? p.error : null });
      },

      async translate() {
        const { draftVa, address, doc } = get();
        if (!doc) return;
        const p = parseVa(draftVa, address?.width ?? 64);
        if ('error' in p) {
          set({ vaError: p.error });
          return;
        }
        await get().setAccess({ va: p.va });
        const a = get().doc?.access;
        if (get().shadow && a && get().vaError === null) await get().shadowOp({ kind: 'access', va: a.va, op: a.op, cpl: a.cpl });
      },

      async setAccess(patch) {
        const doc = get().doc;
        if (!doc) return;
        const r = await client.setAccess({ ...doc.access, ...patch });
        if (!r.ok) {
          set({ vaError: r.problem.message });
          return;
        }
        apply(r.value);
      },

      async edit(e) {
        const r = await client.edit(e);
        if (!r.ok) {
          get().showAlert({ field: r.problem.field, message: `That change was not made: ${r.problem.field}: ${r.problem.message}.` }, 'edit');
          return false;
        }
        apply(r.value, -1, true);
        await get().shadowScenarioChanged();
        return true;
      },

      async undo() {
        apply(await client.undo(), -1, true);
        await get().shadowScenarioChanged();
      },

      async redo() {
        apply(await client.redo(), -1, true);
        await get().shadowScenarioChanged();
      },
    };
  };
