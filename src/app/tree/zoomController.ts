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
   * Move to an absolute transform (computed from the layout, never from the
   * current one), animated unless motion is reduced. A move interrupted by the
   * next one just starts from wherever it was: the last target always wins.
   * `instant`: jump (a canvas's first view has nothing on screen to move from).
   */
  show(t: ViewTransform, instant?: boolean): void;
  /** The viewport's size as last measured (so d3 need not read the layout again on every move). */
  resize(w: number, h: number): void;
  zoomBy(factor: number): void;
  destroy(): void;
}

export interface ZoomOptions {
  reducedMotion: boolean;
  /** Told when the camera starts and stops moving (tests wait for "settled"). */
  onMoving?: (moving: boolean) => void;
}

export function createZoomController(el: HTMLElement, onTransform: (t: ViewTransform) => void, opts: ZoomOptions): ZoomController {
  const sel: Selection<HTMLElement, unknown, null, undefined> = select(el);
  let size: [number, number] | null = null;
  const z: ZoomBehavior<HTMLElement, unknown> = zoom<HTMLElement, unknown>()
    .scaleExtent([0.02, 4])
    .extent(() => [
      [0, 0],
      size ?? [el.clientWidth, el.clientHeight],
    ])
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
  let moves = 0;
  const moving = (on: boolean) => {
    moves = Math.max(0, moves + (on ? 1 : -1));
    opts.onMoving?.(moves > 0);
  };

  /** A transition that reports its end, however it ends (done, interrupted by the next move, or cancelled before it began). */
  const animate = (ms: number) => {
    moving(true);
    return sel
      .transition()
      .duration(ms)
      .on('end interrupt cancel', () => moving(false));
  };

  return {
    show(t, instant = false) {
      const target = zoomIdentity.translate(t.x, t.y).scale(t.k);
      if (duration === 0 || instant) {
        sel.interrupt();
        sel.call(z.transform, target);
        opts.onMoving?.(moves > 0);
      } else animate(duration).call(z.transform, target);
    },
    resize(w, h) {
      size = [w, h];
    },
    zoomBy(f) {
      if (duration === 0) sel.call(z.scaleBy, f);
      else animate(duration / 2).call(z.scaleBy, f);
    },
    destroy() {
      sel.interrupt();
      sel.on('.zoom', null);
    },
  };
}
