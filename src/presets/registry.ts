/**
 * Every preset a document can start from, by id and version. A link pins the
 * version it was made with; when a preset's build() changes, its version is
 * bumped and the old builder moves to LEGACY, so old links keep opening the
 * scenario they were made with (versions.test.ts enforces this with a digest
 * of what each version builds).
 */
import { PRESETS, type Preset } from './index';
import { SHADOW_PRESETS, type ShadowPreset } from './shadow';

export type AnyPreset = ({ shadow: false } & Preset) | ({ shadow: true } & ShadowPreset);

/** Superseded versions, still buildable: add the old entry here when bumping a version. */
const LEGACY: AnyPreset[] = [];

const CURRENT: AnyPreset[] = [...PRESETS.map((p) => ({ ...p, shadow: false as const })), ...SHADOW_PRESETS.map((p) => ({ ...p, shadow: true as const }))];

/** The current version of a preset. */
export const currentPreset = (id: string): AnyPreset | undefined => CURRENT.find((p) => p.id === id);

/** A preset at a given version (current or legacy). */
export function presetAt(id: string, v: number): AnyPreset | undefined {
  return [...CURRENT, ...LEGACY].find((p) => p.id === id && p.version === v);
}

/** Every buildable (id, version), for the digest test. */
export const allPresetVersions = (): AnyPreset[] => [...CURRENT, ...LEGACY];

export const currentPresets = (): AnyPreset[] => CURRENT;
