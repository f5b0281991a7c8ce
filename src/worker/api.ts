/**
 * The worker's API: one plain object of functions over a Session. The worker
 * exposes it with Comlink; tests call it directly. Every answer is plain data.
 */
import { Session } from './session';
import { createShadowApi } from './shadowApi';
import type { AccessJSON, Edit, EntryInfo, PresetInfo, Result, Snapshot, ViewState } from './types';

export function createApi(session = new Session()) {
  return {
    presets: (): PresetInfo[] => session.presets(),
    openPreset: (id?: string): Result<Snapshot> => session.openPreset(id),
    openLink: (fragment: string): Result<{ snapshot: Snapshot; view: ViewState }> => session.openLink(fragment),
    openFile: (text: string, name?: string): Result<Snapshot> => session.openFile(text, name),
    setAccess: (a: AccessJSON): Result<Snapshot> => session.setAccess(a),
    edit: (e: Edit): Result<Snapshot> => session.edit(e),
    undo: (): Snapshot => session.undo(),
    redo: (): Snapshot => session.redo(),
    setExpanded: (id: string, on: boolean): Snapshot => session.setExpanded(id, on),
    inspect: (id: string, index: number): EntryInfo | null => session.inspect(id, index),
    exportCase: (): string => session.exportCase(),
    fragment: (view: ViewState): string => session.fragment(view),
    ...createShadowApi(session),
  };
}

export type PagodaApi = ReturnType<typeof createApi>;
