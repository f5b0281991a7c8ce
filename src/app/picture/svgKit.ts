/**
 * Small helpers for the exported pictures: escaping, a monospace text model
 * (every character 0.6 em wide, so layout needs no DOM), wrapping, the two
 * palettes (the app's light and dark colours), and the caption that names the
 * document and says the current step. Pure: no DOM.
 */

export const FONT = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
/** Width of one character of the monospace font, in em. */
export const CHAR_EM = 0.6;

export interface Level {
  fg: string;
  bg: string;
}

export interface Palette {
  bg: string;
  panel: string;
  panel2: string;
  text: string;
  muted: string;
  border: string;
  accent: string;
  accentText: string;
  bad: string;
  badBg: string;
  ok: string;
  edge: string;
  /** Level colours by level (1 = PT … 5 = PML5), as the tree draws them. */
  lv: Record<number, Level>;
}

export const PALETTES: Record<'light' | 'dark', Palette> = {
  light: {
    bg: '#ffffff',
    panel: '#ffffff',
    panel2: '#eef1f5',
    text: '#1b2430',
    muted: '#5a6573',
    border: '#9aa5b4',
    accent: '#1d4ed8',
    accentText: '#ffffff',
    bad: '#b42318',
    badBg: '#fdecea',
    ok: '#116b3a',
    edge: '#9aa5b4',
    lv: { 5: { fg: '#7c3aed', bg: '#f1ebfe' }, 4: { fg: '#1d4ed8', bg: '#e6edfc' }, 3: { fg: '#0f665f', bg: '#e2f3f1' }, 2: { fg: '#92400e', bg: '#fbf0e3' }, 1: { fg: '#be185d', bg: '#fbe7f0' } },
  },
  dark: {
    bg: '#11151b',
    panel: '#181e26',
    panel2: '#212934',
    text: '#e6ebf1',
    muted: '#a3adba',
    border: '#5b6878',
    accent: '#6d9cff',
    accentText: '#0b1220',
    bad: '#ff8a80',
    badBg: '#3a1a18',
    ok: '#6fd59b',
    edge: '#5b6878',
    lv: { 5: { fg: '#b79cff', bg: '#2a2240' }, 4: { fg: '#7fa6ff', bg: '#1d2a45' }, 3: { fg: '#5cd0c2', bg: '#16322f' }, 2: { fg: '#f0b35c', bg: '#362817' }, 1: { fg: '#f48fbf', bg: '#3a1c2b' } },
  },
};

export const lvOf = (p: Palette, level: number): Level => p.lv[Math.min(5, Math.max(1, level))];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const textWidth = (s: string, size: number): number => [...s].length * size * CHAR_EM;

export interface TextOpts {
  size: number;
  fill: string;
  weight?: 400 | 700;
  anchor?: 'start' | 'middle' | 'end';
  italic?: boolean;
  strike?: boolean;
}

/** One line of text with its baseline at y. */
export function text(x: number, y: number, s: string, o: TextOpts): string {
  // Spaces are part of the columns (index, label, flags): keep them.
  const attrs = [`x="${r(x)}"`, `y="${r(y)}"`, `font-size="${o.size}"`, `fill="${o.fill}"`, 'xml:space="preserve"'];
  if (o.weight === 700) attrs.push('font-weight="700"');
  if (o.anchor && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`);
  if (o.italic) attrs.push('font-style="italic"');
  if (o.strike) attrs.push('text-decoration="line-through"');
  return `<text ${attrs.join(' ')}>${esc(s)}</text>`;
}

export function rect(x: number, y: number, w: number, h: number, o: { fill: string; stroke?: string; width?: number; rx?: number; dash?: string }): string {
  const attrs = [`x="${r(x)}"`, `y="${r(y)}"`, `width="${r(w)}"`, `height="${r(h)}"`, `fill="${o.fill}"`];
  if (o.stroke) attrs.push(`stroke="${o.stroke}"`, `stroke-width="${o.width ?? 1}"`);
  if (o.rx) attrs.push(`rx="${o.rx}"`);
  if (o.dash) attrs.push(`stroke-dasharray="${o.dash}"`);
  return `<rect ${attrs.join(' ')}/>`;
}

/** A horizontal S-curve from (x1, y1) to (x2, y2), as the tree draws its edges. */
export function curve(x1: number, y1: number, x2: number, y2: number, o: { stroke: string; width: number; dash?: string; cls?: string }): string {
  const mx = (x1 + x2) / 2;
  return `<path${o.cls ? ` class="${o.cls}"` : ''} d="M${r(x1)},${r(y1)} C${r(mx)},${r(y1)} ${r(mx)},${r(y2)} ${r(x2)},${r(y2)}" fill="none" stroke="${o.stroke}" stroke-width="${o.width}"${o.dash ? ` stroke-dasharray="${o.dash}"` : ''}/>`;
}

const r = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Break text into lines of at most `chars` characters, at spaces where possible. */
export function wrap(s: string, chars: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > chars) {
      out.push(line);
      line = '';
    }
    let w = word;
    while (w.length > chars) {
      out.push(w.slice(0, chars));
      w = w.slice(chars);
    }
    line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

export interface Caption {
  title: string;
  /** "Reference 3 of 4", "Operation 2 of 5". */
  where: string;
  /** The current step in words. */
  sentence: string;
}

export const CAPTION_SIZE = { title: 26, text: 21 };

/** The caption block at the top of a picture: its SVG and its height, for a picture `width` wide. */
export function caption(c: Caption, x: number, y: number, width: number, p: Palette): { svg: string; height: number } {
  const parts: string[] = [];
  const t = CAPTION_SIZE.title;
  const s = CAPTION_SIZE.text;
  let yy = y;
  for (const l of wrap(c.title, Math.max(16, Math.floor(width / (t * CHAR_EM))))) {
    yy += t * 1.25;
    parts.push(text(x, yy, l, { size: t, fill: p.text, weight: 700 }));
  }
  yy += 6;
  const lines = wrap(`${c.where}: ${c.sentence}`, Math.max(20, Math.floor(width / (s * CHAR_EM))));
  for (const l of lines) {
    yy += s * 1.3;
    parts.push(text(x, yy, l, { size: s, fill: p.text }));
  }
  return { svg: `<g class="caption">${parts.join('')}</g>`, height: yy - y + s };
}

/** The whole document: a background, a title for screen readers and file browsers, and the drawing. */
export function svgDocument(width: number, height: number, title: string, body: string, p: Palette): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="${esc(FONT)}" role="img">` +
    `<title>${esc(title)}</title>` +
    rect(0, 0, Math.ceil(width), Math.ceil(height), { fill: p.bg }) +
    body +
    '</svg>'
  );
}

export interface Picture {
  svg: string;
  width: number;
  height: number;
}
