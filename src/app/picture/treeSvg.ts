/**
 * The tree as a picture for slides and handouts: the root pointer and every
 * table the walk reads, each listing the entries the walk uses (the rest
 * counted), with the references numbered in walk order, those made so far
 * filled, the current one outlined, and the walked edges drawn strong. Under
 * EPT the EPT tables form a second band below the guest's. Built from the
 * layout data alone (pure), so it is the same picture however the screen is
 * zoomed.
 */
import type { StepTarget, TreeLayout, TreeNode } from '../../worker/types';
import { CHAR_EM, caption, curve, lvOf, rect, svgDocument, text, textWidth, type Caption, type Palette, type Picture } from './svgKit';

export interface TreePictureInput {
  layout: TreeLayout;
  targets: StepTarget[];
  /** The trace's steps, in order (step n is targets[n − 1]). */
  steps: { kind: 'g' | 'e'; level: number }[];
  /** References made so far (0 … steps.length). */
  step: number;
  caption: Caption;
  /** What the guest's and the EPT's table addresses are (doc.spaces). */
  spaces: { guest: string; host: string };
  palette: Palette;
}

const ROW_PX = 17;
const ROW_H = 30;
const HEAD_H = 34;
const PAD = 28;
const ROOT_W = 170;
const ROOT_H = 62;
const NODE_GAP = 18;
const BAND_LABEL_H = 36;

interface Row {
  index: number;
  text: string;
  /** Reference numbers that read this entry. */
  refs: number[];
}

interface Box {
  node: TreeNode;
  head: string;
  /** Under EPT: where a guest table sits in host memory (a second header line, so nodes stay narrow). */
  host: string | null;
  rows: Row[];
  more: number;
  x: number;
  y: number;
  h: number;
}

const headOf = (b: { host: string | null }) => HEAD_H + (b.host ? ROW_H - 6 : 0);

const pad = (i: number, count: number) => i.toString(16).padStart(count > 16 ? 3 : 1, '0');

function rowsOf(n: TreeNode, refs: Map<number, number[]>): { rows: Row[]; more: number } {
  const rows: Row[] = [];
  for (const [index, ns] of [...refs].sort((a, b) => a[0] - b[0])) {
    const r = n.rows.find((x) => x.kind === 'entry' && x.index === index);
    const body = r && r.kind === 'entry' ? `${r.label}${r.flags ? `  ${r.flags}` : ''}` : 'not present';
    rows.push({ index, text: `${pad(index, n.count).padStart(3, ' ')}  ${body}`, refs: ns });
  }
  const listed = rows.filter((r) => n.rows.some((x) => x.kind === 'entry' && x.index === r.index && x.entryKind !== 'not-present')).length;
  return { rows, more: Math.max(0, n.present - listed) };
}

/** The references that read an entry: all of them when few; else the first, the current one and the last. */
function badgeText(ns: number[], step: number): string {
  if (ns.length <= 3) return ns.join(', ');
  const keep = [...new Set([ns[0], ...(ns.includes(step) ? [step] : []), ns[ns.length - 1]])];
  return keep.map((n, i) => (i > 0 && ns.indexOf(n) > ns.indexOf(keep[i - 1]) + 1 ? `… ${n}` : String(n))).join(', ');
}

export function treePicture(input: TreePictureInput): Picture {
  const { layout, targets, steps, step, palette: p } = input;
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));
  // Tables in the order the walk first reads them, each with the entries it reads and by which references.
  const refsOf = new Map<string, Map<number, number[]>>();
  targets.forEach((t, i) => {
    let m = refsOf.get(t.tableId);
    if (!m) refsOf.set(t.tableId, (m = new Map()));
    m.set(t.index, [...(m.get(t.index) ?? []), i + 1]);
  });
  for (const r of layout.roots) if (refsOf.has(r.to) || r === layout.roots[0]) refsOf.set(r.to, refsOf.get(r.to) ?? new Map());

  const boxes: Box[] = [];
  for (const [id, refs] of refsOf) {
    const node = byId.get(id);
    if (!node) continue;
    const { rows, more } = rowsOf(node, refs);
    const host = node.hostBase && node.hostBase !== node.base ? `at ${input.spaces.host} ${node.hostBase}` : null;
    const head = HEAD_H + (host ? ROW_H - 6 : 0);
    boxes.push({ node, head: `${node.name} ${node.base}`, host, rows, more, x: 0, y: 0, h: head + Math.max(1, rows.length + (more > 0 ? 1 : 0)) * ROW_H + 8 });
  }
  const maxChars = Math.max(24, ...boxes.flatMap((b) => [b.head.length, (b.host ?? '').length, ...b.rows.map((r) => r.text.length)]));
  const nodeW = maxChars * ROW_PX * CHAR_EM + 28;
  const badgeW = Math.max(34, ...boxes.flatMap((b) => b.rows.map((r) => textWidth(badgeText(r.refs, step), 15) + 16)));
  const gap = badgeW + 56;

  // Bands: the guest's tables, then (under EPT) the EPT's; a column per level, top level on the left.
  const bands = (['guest', 'ept'] as const).map((tree) => boxes.filter((b) => b.node.tree === tree)).filter((b) => b.length > 0);
  const twoBands = bands.length > 1;
  const width0 = PAD * 2 + ROOT_W + gap + Math.max(...bands.map((bs) => new Set(bs.map((b) => b.node.level)).size)) * (nodeW + gap) - gap;
  const cap = caption(input.caption, PAD, PAD, width0 - 2 * PAD, p);
  let y = PAD + cap.height;
  const parts: string[] = [cap.svg];
  const edges: string[] = [];
  const rootsSvg: string[] = [];

  bands.forEach((band) => {
    const tree = band[0].node.tree;
    if (twoBands) {
      const label = tree === 'guest' ? `Guest page tables (at ${input.spaces.guest} addresses)` : `EPT tables (at ${input.spaces.host} addresses)`;
      parts.push(text(PAD, y + 24, label, { size: 20, fill: p.muted, weight: 700 }));
      y += BAND_LABEL_H;
    }
    const levels = [...new Set(band.map((b) => b.node.level))].sort((a, b) => b - a);
    let bottom = y;
    levels.forEach((level, col) => {
      let yy = y;
      for (const b of band.filter((x) => x.node.level === level)) {
        b.x = PAD + ROOT_W + gap + col * (nodeW + gap);
        b.y = yy;
        yy += b.h + NODE_GAP;
      }
      bottom = Math.max(bottom, yy);
    });
    const root = layout.roots.find((r) => band.some((b) => b.node.id === r.to));
    const rootBox = root ? band.find((b) => b.node.id === root.to) : undefined;
    if (root && rootBox) {
      const ry = rootBox.y;
      rootsSvg.push(rect(PAD, ry, ROOT_W, ROOT_H, { fill: p.panel, stroke: p.text, width: 2.5, rx: 8 }));
      rootsSvg.push(text(PAD + 12, ry + 25, root.label, { size: 18, fill: p.text, weight: 700 }));
      rootsSvg.push(text(PAD + 12, ry + 50, root.value, { size: 17, fill: p.text }));
      edges.push(curve(PAD + ROOT_W, ry + ROOT_H / 2, rootBox.x, rootBox.y + HEAD_H / 2, { stroke: p.accent, width: step > 0 ? 4 : 2 }));
    }
    y = bottom + 10;
  });

  // Edges from a listed entry to the table it points to, when both are drawn.
  const boxOf = new Map(boxes.map((b) => [b.node.id, b]));
  for (const e of layout.edges) {
    const from = boxOf.get(e.from);
    const to = boxOf.get(e.to);
    if (!from || !to) continue;
    const i = from.rows.findIndex((r) => r.index === e.index);
    if (i < 0) continue;
    const walked = from.rows[i].refs.some((n) => n <= step);
    const yRow = from.y + headOf(from) + i * ROW_H + ROW_H / 2;
    edges.push(curve(from.x + nodeW, yRow, to.x, to.y + HEAD_H / 2, walked ? { stroke: p.accent, width: 4, cls: 'walked' } : { stroke: p.edge, width: 1.5, dash: '6 5' }));
  }

  const nodes: string[] = [];
  for (const b of boxes) {
    const lv = lvOf(p, b.node.level);
    const ept = b.node.tree === 'ept';
    nodes.push(`<g class="table" data-table="${b.node.id}">`);
    nodes.push(rect(b.x, b.y, nodeW, b.h, { fill: ept ? p.panel2 : p.panel, stroke: p.border, width: 1.5, rx: 7 }));
    nodes.push(rect(b.x, b.y, nodeW, headOf(b), { fill: lv.bg, rx: 7 }));
    nodes.push(rect(b.x, b.y, nodeW, 5, { fill: lv.fg }));
    nodes.push(text(b.x + 12, b.y + 24, b.head, { size: ROW_PX, fill: lv.fg, weight: 700 }));
    if (b.host) nodes.push(text(b.x + 12, b.y + 24 + ROW_H - 6, b.host, { size: 15, fill: p.muted }));
    b.rows.forEach((r, i) => {
      const ry = b.y + headOf(b) + i * ROW_H;
      const done = r.refs.filter((n) => n <= step);
      const current = r.refs.includes(step);
      const stepOf = steps[(done.at(-1) ?? r.refs[0]) - 1];
      const rl = lvOf(p, stepOf?.level ?? b.node.level);
      nodes.push(`<g class="ref${done.length ? ' walked' : ''}"${current ? ' data-current="true"' : ''} data-refs="${r.refs.join(' ')}">`);
      if (done.length) nodes.push(rect(b.x + 3, ry + 2, nodeW - 6, ROW_H - 4, { fill: rl.bg, stroke: current ? p.accent : rl.fg, width: current ? 4 : 2, rx: 5 }));
      nodes.push(text(b.x + 12, ry + 21, r.text, { size: ROW_PX, fill: done.length ? p.text : p.muted, weight: done.length ? 700 : 400 }));
      // The reference numbers, left of the table (as on screen): filled once made, the current one in the accent colour.
      const label = badgeText(r.refs, step);
      const bw = textWidth(label, 15) + 16;
      const bx = b.x - bw - 6;
      nodes.push(rect(bx, ry + 4, bw, ROW_H - 8, { fill: current ? p.accent : done.length ? rl.fg : p.panel, stroke: current ? p.accent : done.length ? rl.fg : p.border, width: 1.5, rx: (ROW_H - 8) / 2 }));
      nodes.push(text(bx + bw / 2, ry + 20, label, { size: 15, fill: current || done.length ? p.accentText : p.muted, weight: 700, anchor: 'middle' }));
      nodes.push('</g>');
    });
    if (b.more > 0) {
      const ry = b.y + headOf(b) + b.rows.length * ROW_H;
      nodes.push(text(b.x + 12, ry + 21, `⋯ ${b.more} other present entr${b.more === 1 ? 'y' : 'ies'}`, { size: 15, fill: p.muted, italic: true }));
    }
    nodes.push('</g>');
  }

  const legendY = y + 18;
  const legend = text(PAD, legendY, 'Numbers: the walk’s memory references in order. Filled: made so far. Blue outline: the current reference.', { size: 16, fill: p.muted });
  const height = legendY + PAD;
  const width = Math.max(width0, textWidth('Numbers: the walk’s memory references in order. Filled: made so far. Blue outline: the current reference.', 16) + 2 * PAD);
  const body = `<g class="edges">${edges.join('')}</g>${rootsSvg.join('')}${nodes.join('')}${parts.join('')}${legend}`;
  return { svg: svgDocument(width, height, `${input.caption.title} — ${input.caption.where}`, body, p), width, height };
}
