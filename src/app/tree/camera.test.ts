/**
 * The camera is a function of the drawing, the step and the viewport: for
 * every preset's walk, every step's entry is on screen at one legible zoom,
 * the first view holds the root and the whole path, and Fit holds the whole
 * drawing. (The browser test checks that fast stepping lands on these.)
 */
import { describe, expect, it } from 'vitest';
import { currentPresets } from '../../presets/registry';
import { headless } from '../../worker/testkit';
import type { TreeNode } from '../../worker/types';
import { ROOT_H, ROOT_W, focusRect, overviewCamera, pathRect, stepCamera, wholeCamera, wholeRect } from './camera';
import type { Rect, ViewTransform } from './zoomController';

const onScreen = (r: Rect, t: ViewTransform, vp: { w: number; h: number }, slack = 1) =>
  r.x * t.k + t.x >= -slack && r.y * t.k + t.y >= -slack && (r.x + r.w) * t.k + t.x <= vp.w + slack && (r.y + r.h) * t.k + t.y <= vp.h + slack;

const VIEWPORTS = [
  { w: 1280, h: 560 },
  { w: 668, h: 300 },
  { w: 1920, h: 900 },
];

describe('camera', () => {
  for (const p of currentPresets().filter((x) => !x.shadow)) {
    it(`${p.id}: every step legible and on screen at one zoom; the first view shows the root and the path`, () => {
      const s = headless().preset(p.id);
      const layout = s.layout!;
      const nodes = new Map<string, TreeNode>(layout.nodes.map((n) => [n.id, n]));
      for (const vp of VIEWPORTS) {
        const minK = 18.2 / 13;
        const ks = new Set<number>();
        for (let step = 0; step <= s.targets.length; step++) {
          const t = stepCamera({ layout, nodes, targets: s.targets, step, vp, minK, maxK: minK * 1.3 })!;
          expect(t.k).toBeGreaterThanOrEqual(minK);
          ks.add(t.k);
          const f = focusRect(layout, nodes, s.targets, step)!;
          if (f.w * t.k <= vp.w && f.h * t.k <= vp.h) expect(onScreen(f, t, vp), `step ${step} at ${vp.w}×${vp.h}`).toBe(true);
        }
        expect(ks.size).toBe(1);
        const o = overviewCamera(layout, s.targets, vp, 1.2)!;
        const path = pathRect(layout, s.targets)!;
        expect(onScreen(path, o, vp)).toBe(true);
        const root = layout.roots[0];
        expect(onScreen({ x: root.x, y: root.y, w: ROOT_W, h: ROOT_H }, o, vp)).toBe(true);
        expect(onScreen(wholeRect(layout)!, wholeCamera(layout, vp, 1.2)!, vp)).toBe(true);
      }
    });
  }

  it('the same step gives the same view whatever came before (no state)', () => {
    const s = headless().preset('ept-5x5');
    const layout = s.layout!;
    const nodes = new Map<string, TreeNode>(layout.nodes.map((n) => [n.id, n]));
    const at = (step: number) => stepCamera({ layout, nodes, targets: s.targets, step, vp: { w: 900, h: 500 }, minK: 0.9, maxK: 1.2 });
    const direct = at(35);
    for (let i = 0; i <= 35; i++) at(i);
    expect(at(35)).toEqual(direct);
  });
});
