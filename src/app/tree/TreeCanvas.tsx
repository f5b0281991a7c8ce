/**
 * The radix-tree canvas. Static layer (nodes and edges, culled to what is on
 * screen) and walk layer (highlighted rows and path edges) are separate, so a
 * step redraws only the highlight. Pan/zoom comes from the d3-zoom controller.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { HEAD_H } from '../../worker/geometry';
import type { TreeEdge, TreeLayout, TreeNode } from '../../worker/types';
import { useAppShallow, useAppStore } from '../context';
import { PictureBar } from '../PictureBar';
import { ROOT_W, ROW_FONT_PX, overviewCamera, stepCamera, targetRect, wholeCamera } from './camera';
import { cameraHandle } from './cameraHandle';
import { TableNode } from './TableNode';
import { edgeVisible, nodeVisible, visibleRect } from './cull';
import { createZoomController, type ViewTransform } from './zoomController';

/** Detail threshold: below this zoom, nodes are drawn as headers only. */
const DETAIL_K = 0.35;
/** Entry text as rendered (px): at least this on a laptop, and in presentation mode for a room (the 18 px). */
const LEGIBLE_PX = { normal: 12, present: 18.2 };

const edgePath = (e: { x1: number; y1: number; x2: number; y2: number }) => {
  const mx = (e.x1 + e.x2) / 2;
  return `M${e.x1},${e.y1} C${mx},${e.y1} ${mx},${e.y2} ${e.x2},${e.y2}`;
};

const Edges = memo(function Edges({ edges, layout }: { edges: TreeEdge[]; layout: TreeLayout }) {
  return (
    <svg className="edges" width={layout.width + 400} height={layout.height + 200} aria-hidden="true">
      {edges.map((e) => (
        <path key={`${e.from}/${e.index}`} d={edgePath(e)} />
      ))}
      {layout.roots.map((r) => {
        const n = layout.nodes.find((x) => x.id === r.to);
        return n ? <path key={r.label} className="root-edge" d={edgePath({ x1: r.x + ROOT_W, y1: r.y + 18, x2: n.x, y2: n.y + HEAD_H / 2 })} /> : null;
      })}
    </svg>
  );
});

function WalkLayer({ layout, nodes }: { layout: TreeLayout; nodes: Map<string, TreeNode> }) {
  const { targets, step, steps, selection } = useAppShallow((s) => ({ targets: s.targets, step: s.step, steps: s.trace?.steps, selection: s.selection }));
  const shown = targets.slice(0, step);
  const walked = new Set(shown.map((t) => `${t.tableId}/${t.index}`));
  const pathEdges = layout.edges.filter((e) => walked.has(`${e.from}/${e.index}`));
  const sel = selection ? targetRect(nodes, selection) : null;
  return (
    <>
      <svg className="edges walked" width={layout.width + 400} height={layout.height + 200} aria-hidden="true">
        {pathEdges.map((e) => (
          <path key={`${e.from}/${e.index}`} d={edgePath(e)} />
        ))}
      </svg>
      {shown.map((t, i) => {
        const r = targetRect(nodes, t);
        if (!r) return null;
        const st = steps?.[i];
        return (
          <div
            key={i}
            className={`hl ${st?.kind === 'e' ? 'ept' : 'guest'} lv${st?.level ?? 0}${i === step - 1 ? ' current' : ''}${st?.stop ? ' stop' : ''}`}
            style={{ transform: `translate(${r.x - 3}px, ${r.y}px)`, width: r.w + 6, height: r.h }}
            aria-hidden="true"
          >
            <span className="hl-n">{i + 1}</span>
          </div>
        );
      })}
      {sel && <div className="hl selected" style={{ transform: `translate(${sel.x - 3}px, ${sel.y}px)`, width: sel.w + 6, height: sel.h }} aria-hidden="true" />}
    </>
  );
}

/**
 * The camera for what is asked (a document's first view, the step's view,
 * or the whole drawing): computed from the layout, the step and the
 * viewport only (camera.ts), so it cannot drift however fast steps come.
 */
function cameraFor(kind: 'open' | 'step' | 'whole', presenting: boolean, input: Parameters<typeof stepCamera>[0]): ViewTransform | null {
  if (kind === 'whole') return wholeCamera(input.layout, input.vp, input.maxK);
  // The first view shows the root and the walked path; in a room, legibility comes first.
  if (kind === 'open' && !presenting) return overviewCamera(input.layout, input.targets, input.vp, input.maxK);
  return stepCamera(input);
}

export function TreeCanvas() {
  const store = useAppStore();
  const { layout, transform, expanded, camera, step, targets, presenting, textScale } = useAppShallow((s) => ({
    layout: s.layout,
    transform: s.transform,
    expanded: s.expanded,
    camera: s.camera,
    step: s.step,
    targets: s.targets,
    presenting: s.presenting,
    textScale: s.textScale,
  }));
  const viewport = useRef<HTMLDivElement>(null);
  // The viewport's size and the height the floating tools cover at its top, measured together (one layout).
  const [size, setSize] = useState({ w: 0, h: 0, inset: 0 });
  // No tables are drawn until the first view is framed (drawing them at the old transform first would be wasted).
  const [framed, setFramed] = useState(false);

  useEffect(() => {
    const el = viewport.current!;
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    // Not settled until the first view is shown (the store still holds the last canvas's transform).
    el.dataset.camera = 'moving';
    const ctl = createZoomController(el, (t) => store.getState().setTransform(t), { reducedMotion: reduced, onMoving: (m) => (el.dataset.camera = m ? 'moving' : 'settled') });
    cameraHandle.current = ctl;
    // The floating tools cover the top of the viewport: the camera frames the part below them.
    const bar = el.parentElement?.querySelector<HTMLElement>('.picture-bar.tree');
    const measure = () => {
      const w = el.clientWidth;
      const h = el.clientHeight;
      ctl.resize(w, h);
      setSize({ w, h, inset: bar ? bar.offsetTop + bar.offsetHeight + 4 : 0 });
    };
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    if (bar) ro.observe(bar); // its height follows the text size
    measure();
    return () => {
      ro.disconnect();
      ctl.destroy();
      if (cameraHandle.current === ctl) cameraHandle.current = null;
    };
  }, [store]);

  const nodeMap = useMemo(() => new Map((layout?.nodes ?? []).map((n) => [n.id, n])), [layout]);

  useEffect(() => {
    const ctl = cameraHandle.current;
    if (!layout || !ctl || layout.nodes.length === 0 || size.w === 0) return;
    const minK = ((presenting ? LEGIBLE_PX.present : LEGIBLE_PX.normal) / ROW_FONT_PX) * textScale;
    const t = cameraFor(camera.kind, presenting, { layout, nodes: nodeMap, targets, step, vp: { w: size.w, h: Math.max(1, size.h - size.inset) }, minK, maxK: minK * 1.3 });
    if (t) {
      t.y += size.inset;
      viewport.current!.dataset.cameraK = t.k.toFixed(4);
      ctl.show(t, !framed);
    }
    setFramed(true);
  }, [camera, step, layout, nodeMap, targets, size, presenting, textScale]);
  const onSelect = useCallback((tableId: string, index: number) => void store.getState().select({ tableId, index }), [store]);
  const onExpand = useCallback((id: string) => void store.getState().toggleExpanded(id), [store]);

  const detailed = transform.k >= DETAIL_K;
  const { visNodes, visEdges } = useMemo(() => {
    if (!framed) return { visNodes: [], visEdges: [] };
    const view = visibleRect(transform, size.w, size.h);
    return {
      visNodes: layout ? layout.nodes.filter((n) => nodeVisible(n, view)) : [],
      visEdges: layout ? layout.edges.filter((e) => edgeVisible(e, view)) : [],
    };
  }, [layout, transform, size.w, size.h, framed]);
  const expandedSet = useMemo(() => new Set(expanded), [expanded]);
  const pathSet = useMemo(() => new Set(targets.map((t) => t.tableId)), [targets]);

  return (
    <section className="tree-canvas" aria-labelledby="tree-h">
      <h2 id="tree-h" className="visually-hidden">
        Page-table tree
      </h2>
      {!presenting && <PictureBar kind="tree" />}
      <div ref={viewport} className="tree-viewport" data-picture="tree" tabIndex={0} role="group" aria-label="Page-table tree: drag to pan, wheel to zoom">
        {layout && (
          <div className="tree-layer" style={{ transform: `translate(${transform.x}px, ${transform.y}px) scale(${transform.k})` }}>
            <Edges edges={visEdges} layout={layout} />
            {layout.roots.map((r) => (
              <div key={r.label} className="root-box" style={{ transform: `translate(${r.x}px, ${r.y}px)` }}>
                <span className="root-label">{r.label}</span>
                <span className="mono">{r.value}</span>
              </div>
            ))}
            {visNodes.map((n) => (
              <TableNode key={n.id} node={n} detailed={detailed} expanded={expandedSet.has(n.id)} onPath={pathSet.has(n.id)} onSelect={onSelect} onExpand={onExpand} />
            ))}
            <WalkLayer layout={layout} nodes={nodeMap} />
          </div>
        )}
      </div>
      {layout && (
        <p className="tree-stats">
          {layout.stats.tables.toLocaleString('en')} tables, {layout.stats.pages.toLocaleString('en')} pages
          {layout.stats.eptTables > 0 && `, ${layout.stats.eptTables.toLocaleString('en')} EPT tables`}
          {layout.truncated && ' (drawing truncated)'} · showing {visNodes.length}
        </p>
      )}
    </section>
  );
}
