/**
 * Links pin a preset's version, so what a version builds must never change:
 * each (id, version) has a digest of what it builds (scenario, access, and
 * for shadow presets the spaces, slots and operations — not the prose) in
 * versions.json. Change a preset's scenario → bump its version and keep the
 * old builder in registry.ts's LEGACY; then add the new digest here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessToJSON, scenarioToJSON } from '../engine';
import { allPresetVersions, type AnyPreset } from './registry';

function built(p: AnyPreset): unknown {
  if (!p.shadow) {
    const { scenario, access } = p.build();
    return { ...scenarioToJSON(scenario), access: accessToJSON(access) };
  }
  const s = p.build();
  const { scenario, access, script, ...rest } = s;
  return {
    ...scenarioToJSON(scenario),
    access: accessToJSON(access),
    setup: rest,
    ops: script.map(({ note: _n, ...op }) => JSON.stringify(op, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))),
  };
}

export const digest = (p: AnyPreset): string => createHash('sha256').update(JSON.stringify(built(p))).digest('hex').slice(0, 16);

describe('preset versions', () => {
  const pinned: Record<string, string> = JSON.parse(readFileSync(path.resolve(__dirname, 'versions.json'), 'utf8'));
  for (const p of allPresetVersions()) {
    it(`${p.id}@${p.version} builds what links made with it expect`, () => {
      const key = `${p.id}@${p.version}`;
      expect(pinned[key], `${key} has no pinned digest: add "${key}": "${digest(p)}" to versions.json`).toBeDefined();
      expect(digest(p), `${key} now builds something else: bump its version and keep the old builder in LEGACY`).toBe(pinned[key]);
    });
  }
});
