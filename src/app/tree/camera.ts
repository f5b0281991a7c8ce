/**
 * Where the camera looks, as pure functions of the layout, the walk and the
 * viewport. Every view is computed from the drawing, never from the current
 * transform, so interrupted moves cannot compound: after any sequence of
 * steps the camera is the one chosen for the step shown.
 */
import { HEAD_H, ROW_H, rowTop } from '../../worker/geometry';
import type { StepTarget, TreeLayout, TreeNode } from '../../worker/types';
import type { Rect, ViewTransform } from './zoomController';

/** The CR3/EPTP box drawn left of each tree (TreeCanvas draws it this size). */
export const ROOT_W = 96;
export const ROOT_H = 44;
/** Room kept around what is shown, in screen pixels. */
const PAD = 24;
/** The font size of entry rows in the drawing (styles.css .trow), for legibility sums. */
export const ROW_FONT_PX = 13;

export interface Viewport {
  w: number;
  h: number;
}

function rowIndexOf(n: TreeNode, index: number): number {
  for (let i = 0; i < n.rows.length; i++) {
    const r = n.rows[i];
    if ((r.kind === 'entry' && r.index === index) || (r.kind === 'fold' && index >= r.from && index <= r.to)) return i;
  }
  return -1;
}

/** The row of a step's entry (its table's header when the entry is not listed). */
export function targetRect(nodes: Map<string, TreeNode>, t: StepTarget): Rect | null {
  const n = nodes.get(t.tableId);
  if (!n) return null;
  const i = rowIndexOf(n, t.index);
  return i < 0 ? { x: n.x, y: n.y, w: n.w, h: HEAD_H } : { x: n.x, y: n.y + rowTop(i), w: n.w, h: ROW_H };
}

export function union(rects: Rect[]): Rect | null {
  if (rects.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.w);
    y1 = Math.max(y1, r.y + r.h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

const rootRects = (layout: TreeLayout, tables: Set<string>): Rect[] => layout.roots.filter((r) => tables.has(r.to)).map((r) => ({ x: r.x, y: r.y, w: ROOT_W, h: ROOT_H }));

/** The whole drawing, root boxes included. */
export function wholeRect(layout: TreeLayout): Rect | null {
  return union([...layout.nodes, ...layout.roots.map((r) => ({ x: r.x, y: r.y, w: ROOT_W, h: ROOT_H }))]);
}

/** The walk's picture: the root pointer and every table the walk reads (all its references, not only those shown). */
export function pathRect(layout: TreeLayout, targets: StepTarget[]): Rect | null {
  const ids = new Set(targets.map((t) => t.tableId));
  const guestRoot = layout.roots[0];
  if (guestRoot) ids.add(guestRoot.to);
  const nodes = layout.nodes.filter((n) => ids.has(n.id));
  return union([...nodes, ...rootRects(layout, ids)]);
}

/** Where the eye should be at `step`: the entry read (0: the root pointer and the root table's header). */
export function focusRect(layout: TreeLayout, nodes: Map<string, TreeNode>, targets: StepTarget[], step: number): Rect | null {
  const t = step > 0 ? targets[step - 1] : undefined;
  if (t) return targetRect(nodes, t);
  const r = layout.roots[0];
  const n = r ? nodes.get(r.to) : undefined;
  if (!r || !n) return null;
  return union([{ x: r.x, y: r.y, w: ROOT_W, h: ROOT_H }, { x: n.x, y: n.y, w: n.w, h: HEAD_H + ROW_H }]);
}

/** Fit a rectangle, zooming at most to `maxK`. */
export function fitCamera(r: Rect, vp: Viewport, maxK = 1, minK = 0.02): ViewTransform {
  const k = Math.max(minK, Math.min(maxK, (vp.w - 2 * PAD) / Math.max(1, r.w), (vp.h - 2 * PAD) / Math.max(1, r.h)));
  return { k, x: (vp.w - r.w * k) / 2 - r.x * k, y: (vp.h - r.h * k) / 2 - r.y * k };
}

/**
 * One axis: centre the frame when it fits; else centre the focus, but never
 * past the frame's edges (no empty space beside the walk when it can be used).
 */
function axis(frame0: number, frameLen: number, f0: number, fLen: number, k: number, size: number): number {
  if (frameLen * k <= size - 2 * PAD) return (size - frameLen * k) / 2 - frame0 * k;
  let t = size / 2 - (f0 + fLen / 2) * k;
  t = Math.min(t, PAD - frame0 * k);
  t = Math.max(t, size - PAD - (frame0 + frameLen) * k);
  return t;
}

export interface StepCameraInput {
  layout: TreeLayout;
  nodes: Map<string, TreeNode>;
  targets: StepTarget[];
  step: number;
  vp: Viewport;
  /** The least zoom at which entry text is legible here (rendered px ÷ ROW_FONT_PX). */
  minK: number;
  /** Zoom no further than this. */
  maxK: number;
}

/**
 * The camera for a step: the whole walk when it fits at a legible zoom (then
 * it does not move from step to step); else legible, following the entry the
 * step reads. The zoom depends only on the layout and the viewport, so it is
 * the same at every step of a walk.
 */
export function stepCamera({ layout, nodes, targets, step, vp, minK, maxK }: StepCameraInput): ViewTransform | null {
  const frame = pathRect(layout, targets);
  if (!frame || vp.w <= 0 || vp.h <= 0) return null;
  const fit = Math.min((vp.w - 2 * PAD) / Math.max(1, frame.w), (vp.h - 2 * PAD) / Math.max(1, frame.h));
  const k = Math.max(minK, Math.min(maxK, fit));
  const f = focusRect(layout, nodes, targets, Math.min(step, targets.length)) ?? frame;
  return { k, x: axis(frame.x, frame.w, f.x, f.w, k, vp.w), y: axis(frame.y, frame.h, f.y, f.h, k, vp.h) };
}

/** The first view of a document: the root pointer and the whole walked path, as large as fits (at most `maxK`). */
export function overviewCamera(layout: TreeLayout, targets: StepTarget[], vp: Viewport, maxK: number): ViewTransform | null {
  const frame = pathRect(layout, targets);
  return frame && vp.w > 0 && vp.h > 0 ? fitCamera(frame, vp, maxK) : null;
}

/** `Fit`: the whole drawing. */
export function wholeCamera(layout: TreeLayout, vp: Viewport, maxK: number): ViewTransform | null {
  const r = wholeRect(layout);
  return r && vp.w > 0 && vp.h > 0 ? fitCamera(r, vp, maxK) : null;
}
