/**
 * The shadow-MMU part of the worker API (issue 4): starts, runs and stops the
 * ShadowSession, and keeps the main session's scenario equal to the guest as
 * the shadow MMU has it (A/D bits set by KVM's walks, guest stores), so the
 * rest of the app (result, address bar, share link) never shows a stale guest.
 */
import type { Access, Scenario } from '../engine';
import { SHADOW_PRESETS, shadowPresetById } from '../presets/shadow';
import { ShadowSession } from './shadowSession';
import type { ShadowMode, ShadowOpRequest, ShadowView } from './shadowTypes';
import type { PresetInfo, Result, Snapshot } from './types';

/** What the shadow API needs of the main session. */
export interface GuestHost {
  /** The open document: scenario, access, preset id and title. */
  current(): { id: string; title: string; scenario: Scenario; access: Access };
  /** Replace the document's scenario and access (no undo step) and answer with a snapshot. */
  adopt(doc: { id: string; title: string; scenario: Scenario; access: Access }): Snapshot;
}

export interface ShadowAnswer {
  shadow: ShadowView | null;
  snapshot: Snapshot | null;
}

/** The default nested-EPT preset (the Nested EPT radio opens it). */
export const DEFAULT_NESTED_PRESET = 'nested-ept4-host5';

export const shadowPresetInfos = (): PresetInfo[] => SHADOW_PRESETS.map((p) => ({ id: p.id, title: p.title, paragraph: p.paragraph }));

export function createShadowApi(host: GuestHost, shadow = new ShadowSession()) {
  let presetDoc: { id: string; title: string } | null = null;

  const answer = (r: Result<ShadowView>, id: string, title: string): Result<ShadowAnswer> => {
    if (!r.ok) return r;
    const g = shadow.guest()!;
    return { ok: true, value: { shadow: r.value, snapshot: host.adopt({ id, title, scenario: g.scenario, access: g.access }) } };
  };

  const openPreset = (id: string): Result<ShadowAnswer> => {
    const p = shadowPresetById(id);
    if (!p) return { ok: false, problem: { field: 'preset', message: `there is no shadow preset "${id}"` } };
    presetDoc = { id: p.id, title: p.title };
    return answer(shadow.openPreset(id), p.id, p.title);
  };

  return {
    /** The Virtualization radios: Shadow paging runs the open guest (or reopens its shadow preset); Nested EPT opens a nested preset. */
    shadowStart(mode: ShadowMode, fresh = false): Result<ShadowAnswer> {
      const cur = host.current();
      const p = shadowPresetById(cur.id);
      if (fresh && mode === 'shadow') {
        presetDoc = null;
        return answer(shadow.openGuest(cur.scenario, cur.access, cur.title), cur.id, cur.title);
      }
      if (p && p.group === (mode === 'shadow' ? 'Shadow MMU' : 'Nested EPT')) return openPreset(p.id);
      if (mode === 'nested') return openPreset(DEFAULT_NESTED_PRESET);
      presetDoc = null;
      return answer(shadow.openGuest(cur.scenario, cur.access, cur.title), p ? '' : cur.id, cur.title);
    },
    shadowPreset: (id: string): Result<ShadowAnswer> => openPreset(id),
    shadowRun(req: ShadowOpRequest): Result<ShadowAnswer> {
      if (!shadow.open) return { ok: false, problem: { field: 'shadow', message: 'no shadow MMU is running' } };
      const r = shadow.run(req);
      const cur = host.current();
      return answer(r, presetDoc?.id ?? cur.id, presetDoc?.title ?? cur.title);
    },
    shadowStop(): void {
      presetDoc = null;
    },
  };
}
