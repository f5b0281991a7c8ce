/**
 * The radix-tree canvas. Static layer (nodes and edges, culled to what is on
 * screen) and walk layer (highlighted rows and path edges) are separate, so a
 * step redraws only the highlight. Pan/zoom comes from the d3-zoom controller.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { HEAD_H, ROW_H, rowTop } from '../../worker/geometry';
import type { StepTarget, TreeEdge, TreeLayout, TreeNode } from '../../worker/types';
import { useApp, useAppShallow, useAppStore } from '../context';
import { TableNode } from './TableNode';
import { edgeVisible, nodeVisible, visibleRect } from './cull';
import { createZoomController, type Rect, type ZoomController } from './zoomController';

/** Detail threshold: below this zoom, nodes are drawn as headers only. */
const DETAIL_K = 0.35;

function rowIndexOf(n: TreeNode, index: number): number {
  for (let i = 0; i < n.rows.length; i++) {
    const r = n.rows[i];
    if ((r.kind === 'entry' && r.index === index) || (r.kind === 'fold' && index >= r.from && index <= r.to)) return i;
  }
  return -1;
}

function targetRect(nodes: Map<string, TreeNode>, t: StepTarget): Rect | null {
  const n = nodes.get(t.tableId);
  if (!n) return null;
  const i = rowIndexOf(n, t.index);
  return i < 0 ? { x: n.x, y: n.y, w: n.w, h: HEAD_H } : { x: n.x, y: n.y + rowTop(i), w: n.w, h: ROW_H };
}

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
        return n ? <path key={r.label} className="root-edge" d={edgePath({ x1: r.x + 96, y1: r.y + 18, x2: n.x, y2: n.y + HEAD_H / 2 })} /> : null;
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

/** Keep the current step's entry on screen (its own component, so a step re-renders only this and the walk layer). */
function FollowStep({ nodes, ctl }: { nodes: Map<string, TreeNode>; ctl: { current: ZoomController | null } }) {
  const target = useApp((s) => s.targets[s.step - 1]);
  useEffect(() => {
    if (!target || !ctl.current) return;
    const r = targetRect(nodes, target);
    if (r) ctl.current.reveal(r);
  }, [target, nodes, ctl]);
  return null;
}

function bounds(nodes: TreeNode[]): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    x0 = Math.min(x0, n.x);
    y0 = Math.min(y0, n.y);
    x1 = Math.max(x1, n.x + n.w);
    y1 = Math.max(y1, n.y + n.h);
  }
  return { x: x0 - 110, y: y0, w: x1 - x0 + 110, h: y1 - y0 };
}

export function TreeCanvas() {
  const store = useAppStore();
  const { layout, transform, fitRequest, expanded } = useAppShallow((s) => ({ layout: s.layout, transform: s.transform, fitRequest: s.fitRequest, expanded: s.expanded }));
  const viewport = useRef<HTMLDivElement>(null);
  const ctl = useRef<ZoomController | null>(null);
  const [size, setSize] = useState({ w: 800, h: 500 });

  useEffect(() => {
    const el = viewport.current!;
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    ctl.current = createZoomController(el, (t) => store.getState().setTransform(t), { reducedMotion: reduced });
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => {
      ro.disconnect();
      ctl.current?.destroy();
      ctl.current = null;
    };
  }, [store]);

  const nodeMap = useMemo(() => new Map((layout?.nodes ?? []).map((n) => [n.id, n])), [layout]);

  // Fit: the whole drawing when it is legible at that size, else the walked
  // path; when even that would be too small for a projector, stay legible and
  // centre the current step (the camera then follows the walk).
  useEffect(() => {
    if (!layout || !ctl.current || layout.nodes.length === 0) return;
    const all = bounds(layout.nodes);
    const el = viewport.current!;
    const k = Math.min(el.clientWidth / all.w, el.clientHeight / all.h);
    if (k >= 0.8) {
      ctl.current.fit(all, 1);
      return;
    }
    const st = store.getState();
    const path = st.targets.map((t) => nodeMap.get(t.tableId)).filter((n): n is TreeNode => !!n);
    const current = st.targets[st.step - 1] ?? st.targets[0];
    const focus = (current && targetRect(nodeMap, current)) || bounds(layout.nodes.slice(0, 1));
    ctl.current.fit(bounds(path.length ? path : layout.nodes.slice(0, 1)), 1, 0.85, focus);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fitRequest, size.w > 0]);

  const onSelect = useCallback((tableId: string, index: number) => void store.getState().select({ tableId, index }), [store]);
  const onExpand = useCallback((id: string) => void store.getState().toggleExpanded(id), [store]);

  const detailed = transform.k >= DETAIL_K;
  const { visNodes, visEdges } = useMemo(() => {
    const view = visibleRect(transform, size.w, size.h);
    return {
      visNodes: layout ? layout.nodes.filter((n) => nodeVisible(n, view)) : [],
      visEdges: layout ? layout.edges.filter((e) => edgeVisible(e, view)) : [],
    };
  }, [layout, transform, size.w, size.h]);
  const expandedSet = useMemo(() => new Set(expanded), [expanded]);

  return (
    <section className="tree-canvas" aria-labelledby="tree-h">
      <h2 id="tree-h" className="visually-hidden">
        Page-table tree
      </h2>
      <div ref={viewport} className="tree-viewport">
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
              <TableNode key={n.id} node={n} detailed={detailed} expanded={expandedSet.has(n.id)} onSelect={onSelect} onExpand={onExpand} />
            ))}
            <WalkLayer layout={layout} nodes={nodeMap} />
            <FollowStep nodes={nodeMap} ctl={ctl} />
          </div>
        )}
      </div>
      <div className="tree-tools">
        {layout && (
          <span className="tree-stats">
            {layout.stats.tables.toLocaleString('en')} tables, {layout.stats.pages.toLocaleString('en')} pages
            {layout.stats.eptTables > 0 && `, ${layout.stats.eptTables.toLocaleString('en')} EPT tables`}
            {layout.truncated && ' (drawing truncated)'} · showing {visNodes.length}
          </span>
        )}
        <button type="button" onClick={() => ctl.current?.zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => ctl.current?.zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => store.getState().requestFit()}>
          Fit
        </button>
      </div>
    </section>
  );
}
