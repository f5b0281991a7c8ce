import { describe, expect, it } from 'vitest';
import { traceWalk } from '../engine/trace';
import { DEFAULT_PRESET_ID, PRESETS, presetById } from './index';

/** What each preset's paragraph promises, checked against the engine's walk. */
const PROMISES: Record<string, { outcome: string; refs: number; ec?: string; size?: number; qualBits?: number[] }> = {
  'lm4-4k': { outcome: 'ok', refs: 4, size: 4096 },
  'lm4-2m': { outcome: 'ok', refs: 3, size: 2 ** 21 },
  'lm4-1g': { outcome: 'ok', refs: 2, size: 2 ** 30 },
  'pf-not-present': { outcome: 'pf', refs: 4, ec: '0x6' },
  'pf-rsvd-maxphyaddr': { outcome: 'pf', refs: 4, ec: '0x9' },
  'pf-smep': { outcome: 'pf', refs: 4, ec: '0x11' },
  'pf-smap': { outcome: 'pf', refs: 4, ec: '0x1' },
  'pf-pkey': { outcome: 'pf', refs: 4, ec: '0x27' },
  'la57-kernel': { outcome: 'ok', refs: 5, size: 4096 },
  pae: { outcome: 'ok', refs: 3, size: 4096 },
  'm32-4m': { outcome: 'ok', refs: 1, size: 2 ** 22 },
  'ept-4x4': { outcome: 'ok', refs: 24 },
  'ept-4x5': { outcome: 'ok', refs: 29 },
  'ept-5x5': { outcome: 'ok', refs: 35 },
  'ept-misconfig': { outcome: 'ept_misconfig', refs: 24 },
  'ept-violation-table': { outcome: 'ept_violation', refs: 19, qualBits: [0, 1, 7] },
};

describe('presets', () => {
  it('every preset has a promise and a paragraph', () => {
    expect(PRESETS.map((p) => p.id).sort()).toEqual(Object.keys(PROMISES).sort());
    for (const p of PRESETS) expect(p.paragraph.length).toBeGreaterThan(120);
    expect(presetById(DEFAULT_PRESET_ID)).toBeDefined();
  });

  for (const p of PRESETS) {
    it(`${p.id}: ${p.title}`, () => {
      const { scenario, access } = p.build();
      const t = traceWalk(scenario, access);
      const want = PROMISES[p.id];
      expect(t.outcome.outcome).toBe(want.outcome);
      expect(t.steps).toHaveLength(want.refs);
      if (want.ec) expect(t.outcome.ec).toBe(want.ec);
      if (want.size) expect(t.outcome.size).toBe(want.size);
      if (want.qualBits) {
        const q = parseInt(t.outcome.qual!, 16);
        for (const b of want.qualBits) expect((q >> b) & 1).toBe(1);
        expect((q >> 8) & 1).toBe(0);
      }
    });
  }

  it('the 2D presets put guest memory at a different host address', () => {
    const { scenario, access } = presetById('ept-4x4')!.build();
    const t = traceWalk(scenario, access);
    const native = traceWalk(presetById('lm4-4k')!.build().scenario, { ...access, cpl: 0 });
    expect(t.outcome.pa).not.toBe(native.outcome.pa);
    expect(parseInt(t.outcome.pa!, 16) % 4096).toBe(parseInt(native.outcome.pa!, 16) % 4096);
  });
});
