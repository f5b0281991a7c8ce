/**
 * Commands registered once (excalidraw's actions): label, shortcut and run.
 * Toolbar buttons, the keyboard handler, presentation mode and tests all go
 * through these, and later modes (predict, quizzes) can reuse them by id. The
 * step commands move through references natively and through operations
 * under a shadow MMU.
 */
import type { AppState, AppStore } from '../store';

export type ActionId = 'prev' | 'next' | 'first' | 'last' | 'play' | 'undo' | 'redo' | 'fit' | 'present' | 'leave-present' | 'larger-text' | 'smaller-text' | 'export-picture';

export interface Action {
  id: ActionId;
  label: string;
  /** KeyboardEvent.key values (with "Mod+" for Ctrl/Cmd). */
  keys: string[];
  /** The keys as a person reads them, for titles and help. */
  keyHint: string;
  enabled(s: AppState): boolean;
  run(store: AppStore): void;
}

/** Next: the walk's next reference (once predicted, in predict mode), the next operation, or at the end the lesson's next stop. */
function nextEnabled(s: AppState): boolean {
  const l = s.doc?.lesson;
  if (s.stepAt() >= s.stepCount()) return l !== null && l !== undefined && l.at + 1 < l.count;
  return s.ops !== null || !s.predict.on || s.answered(s.step);
}

/** Predict mode: every reference from here to the end answered (End would skip the questions otherwise). */
function allAnswered(s: AppState): boolean {
  for (let k = s.step; k < s.stepCount(); k++) if (!s.answered(k)) return false;
  return true;
}

export const ACTIONS: Action[] = [
  // What a room uses: arrows, and what presentation clickers send (PageDown/PageUp, Space).
  { id: 'prev', label: 'Previous step', keys: ['ArrowLeft', 'PageUp'], keyHint: '← or Page Up', enabled: (s) => s.stepAt() > 0 || (s.doc?.lesson?.at ?? 0) > 0, run: (st) => st.getState().prevStep() },
  { id: 'next', label: 'Next step', keys: ['ArrowRight', 'PageDown', ' '], keyHint: '→, Page Down or Space', enabled: nextEnabled, run: (st) => st.getState().nextStep() },
  { id: 'first', label: 'First step', keys: ['Home'], keyHint: 'Home', enabled: (s) => s.stepAt() > 0, run: (st) => void st.getState().goStep(0) },
  { id: 'last', label: 'Last step', keys: ['End'], keyHint: 'End', enabled: (s) => s.stepAt() < s.stepCount() && (s.ops !== null || !s.predict.on || allAnswered(s)), run: (st) => void st.getState().goStep(st.getState().stepCount()) },
  {
    id: 'play',
    label: 'Play',
    keys: ['k'],
    keyHint: 'K',
    enabled: (s) => s.ops === null && (s.trace?.steps.length ?? 0) > 0,
    run: (st) => (st.getState().playing ? st.getState().pause() : st.getState().play()),
  },
  { id: 'undo', label: 'Undo', keys: ['Mod+z'], keyHint: 'Ctrl+Z', enabled: (s) => s.canUndo, run: (st) => void st.getState().undo() },
  { id: 'redo', label: 'Redo', keys: ['Mod+Shift+z', 'Mod+y'], keyHint: 'Ctrl+Shift+Z', enabled: (s) => s.canRedo, run: (st) => void st.getState().redo() },
  { id: 'fit', label: 'Fit', keys: ['f'], keyHint: 'F', enabled: (s) => s.ops === null, run: (st) => st.getState().requestFit() },
  { id: 'present', label: 'Present', keys: ['p'], keyHint: 'P', enabled: (s) => !s.embedded, run: (st) => st.getState().setPresenting(!st.getState().presenting) },
  { id: 'leave-present', label: 'Leave presentation', keys: ['Escape'], keyHint: 'Esc', enabled: (s) => s.presenting, run: (st) => st.getState().setPresenting(false) },
  { id: 'larger-text', label: 'Larger text', keys: ['+', '='], keyHint: '+', enabled: (s) => s.textScale < 2, run: (st) => void st.getState().stepTextScale(1) },
  { id: 'smaller-text', label: 'Smaller text', keys: ['-'], keyHint: '−', enabled: (s) => s.textScale > 0.85, run: (st) => void st.getState().stepTextScale(-1) },
  { id: 'export-picture', label: 'Export picture', keys: [], keyHint: '', enabled: (s) => s.ready, run: (st) => st.getState().setExportOpen(true) },
];

export const actionById = (id: ActionId): Action => ACTIONS.find((a) => a.id === id)!;

/** "Label (keys)" for a button's title. */
export const titleOf = (id: ActionId, what?: string): string => {
  const a = actionById(id);
  return a.keyHint ? `${what ?? a.label} (${a.keyHint})` : (what ?? a.label);
};

const keyOf = (e: KeyboardEvent): string => {
  const mod = e.ctrlKey || e.metaKey ? 'Mod+' : '';
  const shift = e.shiftKey && mod ? 'Shift+' : '';
  return mod + shift + (e.key.length === 1 ? e.key.toLowerCase() : e.key);
};

const STEP_IDS = new Set<ActionId>(['prev', 'next', 'first', 'last']);

const TEXT_INPUTS = new Set(['text', 'search', 'url', 'tel', 'email', 'password', 'number']);

/** Text fields keep every key (arrows move the caret, letters are typed). */
function isTextField(t: HTMLElement): boolean {
  if (t.isContentEditable || t instanceof HTMLTextAreaElement) return true;
  return t instanceof HTMLInputElement && (TEXT_INPUTS.has(t.type) || t.type === '');
}

/**
 * Does the focused element keep this key? Text fields keep all keys and a
 * dialog keeps its own; elsewhere the step keys work whatever has focus,
 * except what a control needs to be used at all: Space and Enter press a
 * button, a link or a checkbox, and ↑/↓ choose in a list or a radio group.
 */
function keepsKey(t: EventTarget | null, key: string): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (isTextField(t) || t.closest('dialog[open]')) return true;
  if (key === 'Enter') return true;
  if (key === ' ') return t instanceof HTMLButtonElement || t instanceof HTMLAnchorElement || t.tagName === 'SUMMARY' || (t instanceof HTMLInputElement && t.type === 'checkbox') || t.getAttribute('role') === 'button';
  if (key === 'ArrowUp' || key === 'ArrowDown') return t instanceof HTMLSelectElement || (t instanceof HTMLInputElement && t.type === 'radio');
  return false;
}

export function handleKey(store: AppStore, e: KeyboardEvent): boolean {
  if (e.altKey || e.defaultPrevented || keepsKey(e.target, e.key)) return false;
  const k = keyOf(e);
  const a = ACTIONS.find((x) => x.keys.includes(k));
  if (!a) return false;
  if (!a.enabled(store.getState())) {
    // Step keys are taken even when they cannot step (at the last step, → must not fall through and change a focused list).
    if (STEP_IDS.has(a.id)) e.preventDefault();
    return false;
  }
  e.preventDefault();
  a.run(store);
  return true;
}
