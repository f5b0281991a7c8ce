/**
 * The shadow workbench as a picture: the guest's tables (or EPT12) on the
 * left, the shadow pages on the right, a line from each shadow page to the
 * table it shadows, the guest's walk of the current address marked in its
 * tables, and what the current operation did (pages it created, pages it
 * zapped). Pure.
 */
import type { GuestTableView, ShadowPageCard, ShadowView } from '../../worker/shadowTypes';
import { CHAR_EM, caption, curve, lvOf, rect, svgDocument, text, textWidth, type Caption, type Palette, type Picture } from './svgKit';

export interface ShadowPictureInput {
  view: ShadowView;
  /** The guest's walk of the current address: the entries it reads, in order (table base as drawn, index). */
  walk: { tableBase: string; index: number }[];
  caption: Caption;
  palette: Palette;
}

const PAD = 28;
const PX = 16;
const ROW_H = 26;
const HEAD_H = 32;
const GAP = 14;
const COL_GAP = 120;

interface Card {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  svg: string[];
}

const cardHeight = (rows: number) => HEAD_H + rows * ROW_H + 10;

export function shadowPicture(input: ShadowPictureInput): Picture {
  const { view, palette: p } = input;
  const nested = view.mode === 'nested';
  const walked = new Map<string, number[]>();
  input.walk.forEach((w, i) => walked.set(`${w.tableBase}/${w.index}`, [...(walked.get(`${w.tableBase}/${w.index}`) ?? []), i + 1]));
  const created = new Set(view.created);
  const tables = view.guestTables.filter((t) => t.shadowedBy.length > 0 || t.entries.some((e) => walked.has(`${t.base}/${e.index}`)));
  const pages: { p: ShadowPageCard; zapped: boolean }[] = [...view.pages.map((x) => ({ p: x, zapped: false })), ...view.zapped.map((x) => ({ p: x, zapped: true }))];

  const gtLines = (t: GuestTableView) => t.entries.map((e) => `${String(e.index).padStart(3, ' ')}  ${e.value}  ${e.label}`);
  const spLines = (s: ShadowPageCard) => [s.role, ...s.sptes.map((e) => `${String(e.index).padStart(3, ' ')}  ${e.label}`), ...(s.moreSptes > 0 ? [`+ ${s.moreSptes} more SPTEs`] : [])];
  const gtHead = (t: GuestTableView) => `${nested ? `EPT12 ${t.name.replace(/^EPT /, '')}` : t.name} ${t.base}${t.writeProtected ? '  write-protected' : ''}`;
  const spHead = (s: ShadowPageCard, zapped: boolean) =>
    `${nested ? 'EPT02' : 'SP'} #${s.id} · L${s.level} · gfn ${s.gfn}${zapped ? '  zapped' : s.currentRoot ? '  root' : s.root ? '  cached root' : ''}${s.unsync ? '  unsync' : ''}${created.has(s.id) ? '  new' : ''}`;
  const maxChars = (ls: string[]) => Math.max(30, ...ls.map((l) => l.length));
  const leftW = Math.min(760, maxChars(tables.flatMap((t) => [gtHead(t), ...gtLines(t)])) * PX * CHAR_EM + 60);
  const rightW = Math.min(760, maxChars(pages.flatMap(({ p: s, zapped }) => [spHead(s, zapped), ...spLines(s)])) * PX * CHAR_EM + 28);
  const width = PAD * 2 + leftW + COL_GAP + rightW;
  const cap = caption(input.caption, PAD, PAD, width - 2 * PAD, p);
  const top = PAD + cap.height + 8;
  const parts: string[] = [cap.svg];
  const leftX = PAD;
  const rightX = PAD + leftW + COL_GAP;
  parts.push(text(leftX, top + 22, nested ? 'EPT12 (L1’s EPT for L2), at L1-physical addresses' : 'Guest page tables, at guest-physical addresses', { size: 19, fill: p.muted, weight: 700 }));
  parts.push(text(rightX, top + 22, `${nested ? 'EPT02 shadow pages' : 'Shadow pages'}, at host-physical addresses (${view.pages.length} alive)`, { size: 19, fill: p.muted, weight: 700 }));
  const y0 = top + 40;

  const cards = new Map<string, Card>();
  let y = y0;
  for (const t of tables) {
    const lv = lvOf(p, t.level);
    const h = cardHeight(t.entries.length + (t.more > 0 ? 1 : 0));
    const svg = [rect(leftX, y, leftW, h, { fill: p.panel, stroke: p.border, width: 1.5, rx: 7 }), rect(leftX, y, 6, h, { fill: lv.fg }), text(leftX + 16, y + 23, gtHead(t), { size: PX, fill: lv.fg, weight: 700 })];
    t.entries.forEach((e, i) => {
      const ry = y + HEAD_H + i * ROW_H;
      const ns = walked.get(`${t.base}/${e.index}`);
      if (ns) {
        svg.push(`<g class="ref walked" data-refs="${ns.join(' ')}">`);
        svg.push(rect(leftX + 10, ry + 1, leftW - 20, ROW_H - 2, { fill: lv.bg, stroke: lv.fg, width: 2, rx: 5 }));
        const label = ns.join(', ');
        const bw = textWidth(label, 14) + 14;
        svg.push(rect(leftX - bw / 2, ry + 3, bw, ROW_H - 6, { fill: lv.fg, rx: (ROW_H - 6) / 2 }));
        svg.push(text(leftX, ry + 18, label, { size: 14, fill: p.accentText, weight: 700, anchor: 'middle' }));
        svg.push('</g>');
      }
      svg.push(text(leftX + 16, ry + 19, gtLines(t)[i], { size: PX, fill: p.text, weight: ns ? 700 : 400 }));
    });
    if (t.more > 0) svg.push(text(leftX + 16, y + HEAD_H + t.entries.length * ROW_H + 19, `+ ${t.more} more present entries`, { size: 14, fill: p.muted, italic: true }));
    cards.set(t.id, { id: t.id, x: leftX, y, w: leftW, h, svg });
    y += h + GAP;
  }
  let leftBottom = y;
  y = y0;
  const links: string[] = [];
  for (const { p: s, zapped } of pages) {
    const lv = lvOf(p, s.level);
    const lines = spLines(s);
    const h = cardHeight(lines.length);
    const fresh = created.has(s.id);
    const svg = [`<g class="shadow-page${zapped ? ' zapped' : ''}${fresh ? ' created' : ''}" data-sp="${s.id}">`];
    svg.push(rect(rightX, y, rightW, h, { fill: s.direct ? p.panel2 : p.panel, stroke: zapped ? p.bad : fresh ? p.ok : s.unsync ? p.bad : p.border, width: zapped || fresh ? 3 : 1.5, rx: 7, dash: zapped || s.unsync ? '8 5' : undefined }));
    svg.push(rect(rightX, y, 6, h, { fill: lv.fg }));
    svg.push(text(rightX + 16, y + 23, spHead(s, zapped), { size: PX, fill: zapped ? p.bad : lv.fg, weight: 700, strike: zapped }));
    lines.forEach((l, i) => svg.push(text(rightX + 16, y + HEAD_H + i * ROW_H + 19, l, { size: i === 0 ? 14 : PX, fill: i === 0 ? p.muted : p.text, strike: zapped })));
    svg.push('</g>');
    // A live page's line to the guest table it shadows (a zapped page shadows nothing any more).
    const gt = s.guestTable ? cards.get(s.guestTable) : undefined;
    if (gt && !zapped) links.push(curve(gt.x + gt.w, gt.y + HEAD_H / 2, rightX, y + HEAD_H / 2, { stroke: p.edge, width: 2, dash: '7 5' }));
    cards.set(`sp-${s.id}`, { id: `sp-${s.id}`, x: rightX, y, w: rightW, h, svg });
    y += h + GAP;
  }
  leftBottom = Math.max(leftBottom, y);
  const legendText = 'Numbers: the guest’s walk of the current address, in order. Dashed: unsync or zapped; green outline: created by this operation.';
  const legend = text(PAD, leftBottom + 22, legendText, { size: 16, fill: p.muted });
  const height = leftBottom + 22 + PAD;
  const w = Math.max(width, textWidth(legendText, 16) + 2 * PAD);
  const body = parts.join('') + `<g class="links">${links.join('')}</g>` + [...cards.values()].map((c) => c.svg.join('')).join('') + legend;
  return { svg: svgDocument(w, height, `${input.caption.title} — ${input.caption.where}`, body, p), width: w, height };
}
