import { useRef } from 'react';
import { PRESET_GROUPS } from '../presets/groups';
import { actionById, titleOf } from './actions';
import { useApp, useAppShallow, useAppStore } from './context';
import { useEngine } from './engine';
import { FileChoice } from './FileChoice';
import { focusPicture } from './focus';
import { dumpParts } from './parts';

function PresetPicker() {
  const { presets, id } = useAppShallow((s) => ({ presets: s.presets, id: s.doc?.presetId ?? '' }));
  const openPreset = useApp((s) => s.openPreset);
  const known = presets.some((p) => p.id === id);
  // Grouped as a course meets them; a group the presets do not name goes last.
  const groups = [...PRESET_GROUPS, ...new Set(presets.map((p) => p.group).filter((g) => !(PRESET_GROUPS as readonly string[]).includes(g)))];
  return (
    <label className="preset-picker">
      <span>Preset</span>
      <select
        value={known ? id : ''}
        onChange={(e) => {
          // The choice made, the room's keys step the walk (→ must not change the preset again).
          if (e.target.value) focusPicture(openPreset(e.target.value));
        }}
      >
        {!known && <option value="">Custom scenario</option>}
        {groups.map((g) => {
          const items = presets.filter((p) => p.group === g);
          return items.length === 0 ? null : (
            <optgroup key={g} label={g}>
              {items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                </option>
              ))}
            </optgroup>
          );
        })}
      </select>
    </label>
  );
}

function UndoRedo() {
  const store = useAppStore();
  const { canUndo, canRedo, history } = useAppShallow((s) => ({ canUndo: s.canUndo, canRedo: s.canRedo, history: s.history }));
  return (
    <div className="button-group" role="group" aria-label={`History: change ${history.at} of ${history.size}`}>
      <button type="button" disabled={!canUndo} onClick={() => actionById('undo').run(store)} title={titleOf('undo')}>
        Undo
      </button>
      <button type="button" disabled={!canRedo} onClick={() => actionById('redo').run(store)} title={titleOf('redo')}>
        Redo
      </button>
    </div>
  );
}

function ShareButtons() {
  const client = useEngine();
  const store = useAppStore();
  const fileInput = useRef<HTMLInputElement>(null);
  const setNotice = useApp((s) => s.setNotice);

  const copyLink = async () => {
    const f = await client.fragment();
    const url = `${location.origin}${location.pathname}${location.search}#${f.link}`;
    const note = f.note ? ` ${f.note}` : '';
    try {
      if (f.urlable) history.replaceState(null, '', '#' + f.link);
      await navigator.clipboard.writeText(url);
      setNotice(`Link copied to the clipboard (${f.link.length} characters after #).${note}`);
    } catch {
      if (f.urlable) setNotice(`The link is in the address bar (the clipboard is not available here).${note}`);
      else store.getState().showAlert({ field: 'clipboard', message: `The clipboard is not available here, so the link could not be copied.${note}` }, 'link', f.link);
    }
  };

  const copyText = async () => {
    const text = await client.walkText();
    try {
      await navigator.clipboard.writeText(text);
      setNotice('The walk is on the clipboard as plain text.');
    } catch {
      setNotice('The clipboard is not available here.');
    }
  };

  const exportCase = async () => {
    const text = await store.getState().exportCase();
    const id = store.getState().doc?.presetId || store.getState().doc?.title || 'pagoda-scenario';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    a.download = `${id.replace(/[^a-z0-9._-]/gi, '_')}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const importFile = async (f: File | undefined) => {
    if (!f) return;
    // A dump's views are fetched while the worker opens it, not after.
    void dumpParts.preload().catch(() => undefined);
    // The worker reads the file itself: a dump page by page, anything else as text.
    await store.getState().importBlob(f, f.name);
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <div className="button-group">
      <button type="button" onClick={() => void copyLink()}>
        Copy link
      </button>
      <button type="button" onClick={() => void copyText()} title="The walk as plain text: one line per reference, then the outcome">
        Copy as text
      </button>
      <button type="button" onClick={() => void exportCase()}>
        Export
      </button>
      <button type="button" onClick={() => fileInput.current?.click()}>
        Import
      </button>
      <input ref={fileInput} className="visually-hidden" type="file" accept=".json,.jsonl,.elf,.core,.dump,application/json,*/*" aria-label="Import file" tabIndex={-1} onChange={(e) => void importFile(e.target.files?.[0])} />
      <FileChoice />
    </div>
  );
}

function ThemeToggle() {
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const dark = theme === 'dark' || (theme === null && matchMedia('(prefers-color-scheme: dark)').matches);
  return (
    <button type="button" className="theme-toggle" aria-pressed={dark} aria-label="Dark theme" onClick={() => setTheme(dark ? 'light' : 'dark')} title="Dark theme: switch between light and dark">
      Dark
    </button>
  );
}

export function Header() {
  return (
    <header className="app-header">
      <h1>
        Pagoda <span className="subtitle">x86 address translation</span>
      </h1>
      <PresetPicker />
      <UndoRedo />
      <ShareButtons />
      <ThemeToggle />
    </header>
  );
}
