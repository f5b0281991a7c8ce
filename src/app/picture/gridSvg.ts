/**
 * The 2D walk as a picture: the grid of references (a row per guest level and
 * the final address, a column per EPT level and the guest entry), those made
 * so far filled, the current one in the accent colour, and the walked path
 * drawn through the cells in reference order. Pure.
 */
import type { GridModel } from './gridModel';
import { caption, lvOf, rect, svgDocument, text, textWidth, type Caption, type Palette, type Picture } from './svgKit';

export interface GridPictureInput {
  grid: GridModel;
  /** References made so far. */
  step: number;
  total: number;
  caption: Caption;
  palette: Palette;
}

const PAD = 28;
const CELL_W = 120;
const CELL_H = 56;
const GAP = 8;
const FONT = 22;

export function gridPicture(input: GridPictureInput): Picture {
  const { grid, step, palette: p } = input;
  const headW = Math.max(190, ...grid.rows.map((r) => textWidth(r.name, FONT) + 24));
  const gridW = headW + grid.cols.length * (CELL_W + GAP);
  const colHeadLines = grid.cols.map((c) => (c.name.startsWith('EPT ') ? ['EPT', c.name.slice(4)] : c.name.split(' ')));
  const legendText = 'Each cell is one memory reference, numbered in walk order; the line follows the walk so far.';
  const width = Math.max(gridW + 2 * PAD, textWidth(legendText, 17) + 2 * PAD);
  const cap = caption(input.caption, PAD, PAD, width - 2 * PAD, p);
  const top = PAD + cap.height + 12;
  const headH = 2 * FONT * 1.2 + 10;
  const parts: string[] = [cap.svg];
  parts.push(text(PAD, top + 4, `2D walk: reference ${step} of ${input.total}`, { size: 20, fill: p.muted, weight: 700 }));
  const y0 = top + 22;

  colHeadLines.forEach((lines, j) => {
    const x = PAD + headW + j * (CELL_W + GAP) + CELL_W / 2;
    lines.forEach((l, k) => parts.push(text(x, y0 + FONT * 1.2 * (k + 1), l, { size: FONT - 2, fill: p.muted, weight: 700, anchor: 'middle' })));
  });
  const centres = new Map<number, { x: number; y: number }>();
  const cells: string[] = [];
  grid.rows.forEach((r, i) => {
    const y = y0 + headH + i * (CELL_H + GAP);
    parts.push(text(PAD, y + CELL_H / 2 + FONT / 3, r.name, { size: FONT, fill: p.text, weight: 700 }));
    grid.cols.forEach((c, j) => {
      const x = PAD + headW + j * (CELL_W + GAP);
      const cell = grid.cells.get(`${r.level}/${c.level}`);
      if (!cell) {
        cells.push(rect(x, y, CELL_W, CELL_H, { fill: 'none', stroke: p.border, width: 1.5, rx: 6, dash: '6 5' }));
        return;
      }
      centres.set(cell.n, { x: x + CELL_W / 2, y: y + CELL_H / 2 });
      const current = cell.n === step;
      const done = cell.n < step;
      const lv = lvOf(p, c.level === 0 ? 1 : 4);
      const fill = current ? p.accent : done ? lv.bg : p.panel2;
      const stroke = current ? p.accent : done ? lv.fg : p.border;
      cells.push(`<g class="cell${done ? ' walked' : ''}"${current ? ' data-current="true"' : ''} data-n="${cell.n}">`);
      cells.push(rect(x, y, CELL_W, CELL_H, { fill, stroke, width: current ? 4 : 2, rx: 6 }));
      cells.push(text(x + CELL_W / 2, y + CELL_H / 2 + FONT / 3, String(cell.n), { size: FONT, fill: current ? p.accentText : done ? p.text : p.muted, weight: 700, anchor: 'middle' }));
      cells.push('</g>');
    });
  });
  // The walked path: through the cells in reference order, up to the current one (drawn under the cells, seen between them).
  const pts: string[] = [];
  for (let n = 1; n <= step; n++) {
    const c = centres.get(n);
    if (c) pts.push(`${c.x},${c.y}`);
  }
  const path = pts.length > 1 ? `<polyline class="walked-path" points="${pts.join(' ')}" fill="none" stroke="${p.accent}" stroke-width="5" stroke-linejoin="round"/>` : '';
  const bottom = y0 + headH + grid.rows.length * (CELL_H + GAP) + 8;
  const legend = text(PAD, bottom + 24, legendText, { size: 17, fill: p.muted });
  const height = bottom + 24 + PAD;
  return { svg: svgDocument(width, height, `${input.caption.title} — ${input.caption.where}`, parts.join('') + path + cells.join('') + legend, p), width, height };
}
