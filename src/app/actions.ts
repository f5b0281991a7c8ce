/**
 * Commands registered once (excalidraw's actions): label, shortcut and run.
 * Toolbar buttons, the keyboard handler and tests all go through these. The
 * step commands move through references natively and through operations
 * under a shadow MMU.
 */
import type { AppState, AppStore } from '../store';

export interface Action {
  id: string;
  label: string;
  /** KeyboardEvent.key values (with "Mod+" for Ctrl/Cmd). */
  keys: string[];
  enabled(s: AppState): boolean;
  run(store: AppStore): void;
}

export const ACTIONS: Action[] = [
  { id: 'prev', label: 'Previous step', keys: ['ArrowLeft'], enabled: (s) => s.stepAt() > 0, run: (st) => st.getState().prevStep() },
  { id: 'next', label: 'Next step', keys: ['ArrowRight'], enabled: (s) => s.stepAt() < s.stepCount(), run: (st) => st.getState().nextStep() },
  { id: 'first', label: 'First step', keys: ['Home'], enabled: (s) => s.stepAt() > 0, run: (st) => void st.getState().goStep(0) },
  { id: 'last', label: 'Last step', keys: ['End'], enabled: (s) => s.stepAt() < s.stepCount(), run: (st) => void st.getState().goStep(st.getState().stepCount()) },
  {
    id: 'play',
    label: 'Play',
    keys: ['p'],
    enabled: (s) => s.ops === null && (s.trace?.steps.length ?? 0) > 0,
    run: (st) => (st.getState().playing ? st.getState().pause() : st.getState().play()),
  },
  { id: 'undo', label: 'Undo', keys: ['Mod+z'], enabled: (s) => s.canUndo, run: (st) => void st.getState().undo() },
  { id: 'redo', label: 'Redo', keys: ['Mod+Shift+z', 'Mod+y'], enabled: (s) => s.canRedo, run: (st) => void st.getState().redo() },
  { id: 'fit', label: 'Fit tree', keys: ['f'], enabled: () => true, run: (st) => st.getState().requestFit() },
];

export const actionById = (id: string): Action => ACTIONS.find((a) => a.id === id)!;

const keyOf = (e: KeyboardEvent): string => {
  const mod = e.ctrlKey || e.metaKey ? 'Mod+' : '';
  const shift = e.shiftKey && mod ? 'Shift+' : '';
  return mod + shift + (e.key.length === 1 ? e.key.toLowerCase() : e.key);
};

/** Keys in text fields, selects and radio groups belong to those controls. */
function ownsKeys(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement) return t.type !== 'checkbox' && t.type !== 'button';
  return false;
}

export function handleKey(store: AppStore, e: KeyboardEvent): boolean {
  if (e.altKey || ownsKeys(e.target)) return false;
  const k = keyOf(e);
  const a = ACTIONS.find((x) => x.keys.includes(k));
  if (!a || !a.enabled(store.getState())) return false;
  e.preventDefault();
  a.run(store);
  return true;
}
