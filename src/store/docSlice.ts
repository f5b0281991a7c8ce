/**
 * The document slice: a mirror of the worker's snapshot (the document, its
 * walk, result, drawing and shadow MMU) and the intents that change it. Every
 * change is one `act` in the worker; a refused one changes nothing and says
 * why — in the field that holds the bad value, or in the alert.
 */
import type { StateCreator } from 'zustand';
import type { BootAnswer } from '../worker/api';
import type {
  AccessJSON,
  AddressLayout,
  DocInfo,
  FileAnswer,
  FileCase,
  Intent,
  OpsView,
  PresetInfo,
  Problem,
  Result,
  ResultView,
  Snapshot,
  StepTarget,
  Trace,
  TreeLayout,
} from '../worker/types';
import type { ShadowView } from '../worker/shadowTypes';
import type { MappingsPage, ReverseAnswer } from '../worker/dumpSession';
import type { AppState, Deps } from './types';
import { parseVa } from './input';

export type EntryEdit = { kind: 'entry'; tableId: string; index: number; value: string } | { kind: 'field'; tableId: string; index: number; field: string; value: string };

/** A value a field refused: kept in the field with its message until corrected. */
export interface FieldError {
  text: string;
  message: string;
}

export interface DocSlice {
  ready: boolean;
  rev: number;
  doc: DocInfo | null;
  address: AddressLayout | null;
  trace: Trace | null;
  targets: StepTarget[];
  layout: TreeLayout | null;
  result: ResultView | null;
  shadow: ShadowView | null;
  ops: OpsView | null;
  canUndo: boolean;
  canRedo: boolean;
  history: { at: number; size: number };
  presets: PresetInfo[];
  /** Text in the address box (may be invalid while typing) and its problem. */
  draftVa: string;
  vaError: string | null;
  fieldErrors: Record<string, FieldError>;
  /** An imported file with several cases, to choose from. */
  fileChoice: { name: string; cases: FileCase[] } | null;
  /** Is every change saved in this browser (a reload restores it)? */
  saved: boolean;

  boot(hash: string, legacy: string | null): Promise<BootAnswer | null>;
  /** Open a preset from the picker: at reference 0, the outcome not yet shown. */
  openPreset(id: string): Promise<boolean>;
  openLink(fragment: string): Promise<boolean>;
  importFile(text: string, name: string): Promise<boolean>;
  /** Import a file as chosen: the worker reads it (a QEMU dump in place, anything else as text). */
  importBlob(file: Blob, name: string): Promise<boolean>;
  /** A page of the folded address space of the open dump (read-only view data). */
  mappings(filter: 'all' | 'user' | 'kernel', offset: number, limit: number): Promise<Result<MappingsPage>>;
  /** Every linear address that maps a physical address in the open dump. */
  reverse(pa: string): Promise<Result<ReverseAnswer>>;
  chooseFileCase(index: number): Promise<boolean>;
  closeFileChoice(): void;
  exportCase(): Promise<string>;
  setDraftVa(text: string): void;
  /** Translate the address box: natively a new access; under a shadow MMU a guest access the MMU runs. */
  translate(): Promise<boolean>;
  setAccess(patch: Partial<AccessJSON>): Promise<boolean>;
  /** Make one change; `field` names the input it came from (its error stays there). */
  act(i: Intent, field?: string, text?: string): Promise<boolean>;
  /** Edit an entry as the inspector names it (where it is drawn): its whole value, or one decoded field. */
  edit(e: EntryEdit, field?: string): Promise<boolean>;
  /** Show a snapshot another part of the store got from the worker (a lesson stop, a quiz question). */
  takeSnapshot(s: Snapshot): boolean;
  /** A field refused a value before it reached the worker. */
  rejectField(field: string, text: string, message: string): void;
  undo(): Promise<void>;
  redo(): Promise<void>;
  markSaved(): Promise<void>;
}

export const createDocSlice =
  (deps: Deps): StateCreator<AppState, [], [], DocSlice> =>
  (set, get) => {
    const { client } = deps;

    /** Show a snapshot: the whole state, the step it carries, a fresh address box. */
    /** The inspector's entry after the last change shown (an edit made in the inspector waits for it, so its control does not flick back). */
    let entrySettled: Promise<void> = Promise.resolve();

    const apply = (s: Snapshot): void => {
      const n = s.trace.steps.length;
      const prev = get();
      const sameDoc = prev.doc !== null && prev.doc.title === s.doc.title && prev.doc.origin === s.doc.origin;
      set({
        ready: true,
        rev: s.rev,
        doc: s.doc,
        address: s.address,
        trace: s.trace,
        targets: s.targets,
        layout: s.layout ?? prev.layout,
        result: s.result,
        shadow: s.shadow,
        ops: s.ops,
        canUndo: s.canUndo,
        canRedo: s.canRedo,
        history: s.history,
        step: s.view.step < 0 || s.view.step > n ? n : s.view.step,
        playing: false,
        draftVa: s.doc.access.va,
        vaError: null,
        ...(sameDoc ? {} : { selection: null, entry: null }),
      });
      get().syncShadowView(s.view);
      if (s.layout && (!sameDoc || !prev.layout)) get().requestCamera('open');
      // The inspector follows the walk: a new walk selects the entry its shown step reads.
      const target = get().step > 0 ? s.targets[get().step - 1] : undefined;
      const walkChanged = prev.trace?.va !== s.trace.va || prev.targets.length !== s.targets.length || prev.targets.some((t, i) => t.tableId !== s.targets[i]?.tableId || t.index !== s.targets[i]?.index);
      entrySettled = target && walkChanged ? get().select(target) : get().refreshEntry();
      // A prediction belongs to one walk: a new walk starts it again, before its first reference.
      if (walkChanged || !sameDoc) {
        get().resetPredict();
        if (get().predict.on && s.ops === null) set({ step: 0 });
      }
      void get().markSaved();
    };

    /** A good change: show it, and the alert about an earlier problem goes away. */
    const took = (r: Result<Snapshot>, field?: string): boolean => {
      if (!r.ok) return false;
      get().dismissAlert();
      if (field) clearField(field);
      apply(r.value);
      return true;
    };

    const clearField = (field: string) => {
      const { [field]: _gone, ...rest } = get().fieldErrors;
      set({ fieldErrors: rest });
    };

    /** An import's answer: opened, a list of cases to choose from, or a problem (nothing changed). */
    const takeFile = (r: Result<FileAnswer>, name: string): boolean => {
      if (!r.ok) {
        get().showAlert({ field: r.problem.field, message: `${name} cannot be imported: ${r.problem.field}: ${r.problem.message}. Nothing was changed.` }, 'file');
        return false;
      }
      if ('choose' in r.value) {
        set({ fileChoice: r.value.choose });
        return true;
      }
      return took({ ok: true, value: r.value.opened });
    };

    /**
     * The last change on its way to the worker. Translate reads the mode to
     * choose its intent (a walk, or a guest operation under a shadow MMU), so
     * it waits for a mode switch made just before it to land.
     */
    let inflight: Promise<unknown> = Promise.resolve();
    const track = <T>(p: Promise<T>): Promise<T> => {
      inflight = p.catch(() => undefined);
      return p;
    };

    const refuse = (p: Problem, lead: string, source: string) => get().showAlert({ field: p.field, message: `${lead}: ${p.field}: ${p.message}.` }, source);

    return {
      ready: false,
      rev: 0,
      doc: null,
      address: null,
      trace: null,
      targets: [],
      layout: null,
      result: null,
      shadow: null,
      ops: null,
      canUndo: false,
      canRedo: false,
      history: { at: 0, size: 0 },
      presets: [],
      draftVa: '',
      vaError: null,
      fieldErrors: {},
      fileChoice: null,
      saved: true,

      async boot(hash, legacy) {
        void client.presets().then((presets) => set({ presets }));
        const b = await client.boot(hash, legacy, { ephemeral: get().embedded });
        apply(b.snapshot);
        if (b.link) {
          get().showAlert(
            { field: b.link.problem.field, message: `This link cannot be opened: ${b.link.problem.field}: ${b.link.problem.message}. ${get().embedded ? 'The default scenario is shown instead.' : 'Nothing was changed: your saved work is shown.'}` },
            'link',
            b.link.text,
          );
        } else if (b.missingDump) {
          const gib = b.missingDump.size / 2 ** 30;
          get().showAlert(
            {
              field: 'dump',
              message: `You were looking at the QEMU dump ${b.missingDump.name} (${gib >= 1 ? `${gib.toFixed(1)} GiB` : `${Math.round(b.missingDump.size / 2 ** 20)} MiB`}). A page cannot reopen a file by itself: choose it again with Import and Pagoda returns to where you were. Everything else is kept.`,
            },
            'dump',
          );
        } else if (b.saved) {
          get().showAlert({ field: b.saved.field, message: `The saved state could not be restored: ${b.saved.field}: ${b.saved.message}.` }, 'saved');
        }
        return b;
      },

      async openPreset(id) {
        const r = await track(client.openPreset(id, 'start'));
        if (!r.ok) refuse(r.problem, 'That preset cannot be opened', 'preset');
        return took(r);
      },

      async openLink(fragment) {
        const r = await client.openLink(fragment);
        if (!r.ok) {
          get().showAlert({ field: r.problem.field, message: `This link cannot be opened: ${r.problem.field}: ${r.problem.message}. Nothing was changed.` }, 'link', fragment.replace(/^#/, ''));
          return false;
        }
        return took(r);
      },

      importFile: async (text, name) => takeFile(await client.openFile(text, name), name),

      importBlob: async (file, name) => takeFile(await client.openBlob(file, name), name),

      mappings: (filter, offset, limit) => client.mappings(filter, offset, limit),
      reverse: (pa) => client.reverse(pa),

      async chooseFileCase(index) {
        const name = get().fileChoice?.name ?? 'file';
        const r = await client.openFileCase(index);
        if (!r.ok) {
          refuse(r.problem, `That case of ${name} cannot be opened`, 'file');
          return false;
        }
        set({ fileChoice: null });
        return took(r);
      },

      closeFileChoice() {
        set({ fileChoice: null });
      },

      exportCase: () => client.exportCase(),

      setDraftVa(text) {
        const p = parseVa(text, get().address?.width ?? 64);
        set({ draftVa: text, vaError: 'error' in p ? p.error : null });
      },

      async translate() {
        await inflight;
        const { draftVa, address, doc } = get();
        if (!doc) return false;
        const p = parseVa(draftVa, address?.width ?? 64);
        if ('error' in p) {
          set({ vaError: p.error });
          return false;
        }
        const a = doc.access;
        const intent: Intent = doc.virt === 'shadow' || doc.virt === 'nested' ? { t: 'op', op: { k: 'access', va: p.value, op: a.op, cpl: a.cpl, implicit: a.implicit } } : { t: 'access', access: { va: p.value } };
        const r = await client.act(intent);
        if (!r.ok) {
          set({ vaError: `${r.problem.field}: ${r.problem.message}` });
          return false;
        }
        return took(r);
      },

      setAccess(patch) {
        return get().act({ t: 'access', access: patch });
      },

      async act(i, field, text) {
        const r = await track(client.act(i));
        if (!r.ok) {
          if (field) set({ fieldErrors: { ...get().fieldErrors, [field]: { text: text ?? '', message: `${r.problem.message}` } } });
          else refuse(r.problem, 'That change was not made', 'edit');
          return false;
        }
        return took(r, field);
      },

      edit(e, field) {
        const intent: Intent = e.kind === 'entry' ? { t: 'entry', tableId: e.tableId, index: e.index, value: e.value } : { t: 'field', tableId: e.tableId, index: e.index, field: e.field, value: e.value };
        return get()
          .act(intent, field, e.value)
          .then(async (ok) => {
            await entrySettled;
            return ok;
          });
      },

      takeSnapshot(snap) {
        return took({ ok: true, value: snap });
      },

      rejectField(field, text, message) {
        set({ fieldErrors: { ...get().fieldErrors, [field]: { text, message } } });
      },

      async undo() {
        const r = await track(client.undo());
        if (!r.ok) return refuse(r.problem, 'Undo cannot go there', 'history');
        took(r);
      },

      async redo() {
        const r = await track(client.redo());
        if (!r.ok) return refuse(r.problem, 'Redo cannot go there', 'history');
        took(r);
      },

      async markSaved() {
        set({ saved: false });
        const rev = get().rev;
        const done = await client.whenSaved();
        if (done && get().rev === rev) set({ saved: true });
      },
    };
  };
