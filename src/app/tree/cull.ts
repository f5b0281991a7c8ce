/** Draw only what is on screen: the layout rectangle the viewport shows, and the items inside it. */
import type { TreeEdge, TreeNode } from '../../worker/types';
import type { Rect, ViewTransform } from './zoomController';

export function visibleRect(t: ViewTransform, width: number, height: number, margin = 200): Rect {
  return { x: (-t.x - margin) / t.k, y: (-t.y - margin) / t.k, w: (width + 2 * margin) / t.k, h: (height + 2 * margin) / t.k };
}

export const nodeVisible = (n: TreeNode, r: Rect): boolean => n.x < r.x + r.w && n.x + n.w > r.x && n.y < r.y + r.h && n.y + n.h > r.y;

export function edgeVisible(e: TreeEdge, r: Rect): boolean {
  const x0 = Math.min(e.x1, e.x2);
  const x1 = Math.max(e.x1, e.x2);
  const y0 = Math.min(e.y1, e.y2);
  const y1 = Math.max(e.y1, e.y2);
  return x0 < r.x + r.w && x1 > r.x && y0 < r.y + r.h && y1 > r.y;
}
