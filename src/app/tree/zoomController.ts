/**
 * Pan and zoom behind a small framework-free controller (xyflow's model):
 * create / update / destroy. React mounts it in one effect and receives
 * transforms through `onTransform`; React never calls d3 itself.
 */
import { select, type Selection } from 'd3-selection';
import 'd3-transition';
import { zoom, zoomIdentity, type ZoomBehavior } from 'd3-zoom';

export interface ViewTransform {
  x: number;
  y: number;
  k: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ZoomController {
  /**
   * Fit a rectangle (layout coordinates) into the viewport, zooming at most to
   * `maxK`. When that would need a zoom below `minK` (illegible), zoom to
   * `minK` and centre `focus` instead.
   */
  fit(r: Rect, maxK?: number, minK?: number, focus?: Rect): void;
  /** Pan so the rectangle is visible, if it is not already. */
  reveal(r: Rect): void;
  zoomBy(factor: number): void;
  destroy(): void;
}

export function createZoomController(el: HTMLElement, onTransform: (t: ViewTransform) => void, opts: { reducedMotion: boolean }): ZoomController {
  const sel: Selection<HTMLElement, unknown, null, undefined> = select(el);
  const z: ZoomBehavior<HTMLElement, unknown> = zoom<HTMLElement, unknown>()
    .scaleExtent([0.03, 2.5])
    .filter((e: Event) => {
      // Wheel zooms; drags pan from the background, not from entry buttons (so clicks stay clicks).
      if (e.type === 'wheel') return true;
      const t = e.target as HTMLElement | null;
      if (t && t.closest('button, input, select, a')) return false;
      return !(e as MouseEvent).button;
    })
    .on('zoom', (e) => onTransform({ x: e.transform.x, y: e.transform.y, k: e.transform.k }));
  sel.call(z).on('dblclick.zoom', null);
  const duration = opts.reducedMotion ? 0 : 350;

  const apply = (x: number, y: number, k: number) => {
    const t = zoomIdentity.translate(x, y).scale(k);
    if (duration === 0) sel.call(z.transform, t);
    else sel.transition().duration(duration).call(z.transform, t);
  };

  const current = (): ViewTransform => {
    const t = (el as unknown as { __zoom?: { x: number; y: number; k: number } }).__zoom;
    return t ? { x: t.x, y: t.y, k: t.k } : { x: 0, y: 0, k: 1 };
  };

  return {
    fit(r, maxK = 1, minK = 0.03, focus) {
      const W = el.clientWidth;
      const H = el.clientHeight;
      if (W === 0 || H === 0) return;
      const pad = 24;
      const k = Math.max(0.03, Math.min(maxK, (W - 2 * pad) / Math.max(1, r.w), (H - 2 * pad) / Math.max(1, r.h)));
      if (k < minK && focus) {
        apply(W / 2 - (focus.x + focus.w / 2) * minK, H / 2 - (focus.y + focus.h / 2) * minK, minK);
        return;
      }
      apply(pad - r.x * k + Math.max(0, (W - 2 * pad - r.w * k) / 2), pad - r.y * k + Math.max(0, (H - 2 * pad - r.h * k) / 2), k);
    },
    reveal(r) {
      const { x, y, k } = current();
      const W = el.clientWidth;
      const H = el.clientHeight;
      const left = r.x * k + x;
      const top = r.y * k + y;
      const right = left + r.w * k;
      const bottom = top + r.h * k;
      const m = 24;
      const mb = 64; // the zoom tools sit at the bottom
      if (left >= m && top >= m && right <= W - m && bottom <= H - mb) return;
      const nx = left < m || right > W - m ? W / 2 - (r.x + r.w / 2) * k : x;
      const ny = top < m || bottom > H - mb ? (H - mb + m) / 2 - (r.y + r.h / 2) * k : y;
      apply(nx, ny, k);
    },
    zoomBy(f) {
      if (duration === 0) sel.call(z.scaleBy, f);
      else sel.transition().duration(duration / 2).call(z.scaleBy, f);
    },
    destroy() {
      sel.interrupt();
      sel.on('.zoom', null);
    },
  };
}
