/** The exported pictures, built from the same data the screen draws: the walked path and the current step are in them. */
import { describe, expect, it } from 'vitest';
import { headless } from '../../worker/testkit';
import { gridOf } from './gridModel';
import { gridPicture } from './gridSvg';
import { shadowPicture } from './shadowSvg';
import { PALETTES } from './svgKit';
import { treePicture } from './treeSvg';

const cap = { title: 'T', where: 'Reference 2 of 4', sentence: 'PDPT[0xe8] …' };
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('export picture', () => {
  it('tree: every table of the walk, the references numbered, those made filled, the current one marked, walked edges strong', () => {
    const s = headless().preset('lm4-4k');
    const pic = treePicture({ layout: s.layout!, targets: s.targets, steps: s.trace.steps, step: 2, caption: cap, spaces: s.doc.spaces, palette: PALETTES.light });
    expect(pic.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(count(pic.svg, /class="table"/g)).toBe(4);
    expect(count(pic.svg, /class="ref walked"/g)).toBe(2);
    expect(count(pic.svg, /data-current="true"/g)).toBe(1);
    expect(pic.svg).toMatch(/data-current="true" data-refs="2"/);
    // CR3 → PML4, then PML4[fe] → PDPT and PDPT[e8] → PD are walked.
    expect(count(pic.svg, /class="walked"/g)).toBe(2);
    expect(pic.svg).toContain('CR3');
    expect(pic.svg).toContain('PDPT[0xe8]');
    expect(pic.width).toBeGreaterThan(1000);
  });

  it('tree under EPT: a guest band and an EPT band, each table address naming its space', () => {
    const s = headless().preset('ept-4x4');
    const pic = treePicture({ layout: s.layout!, targets: s.targets, steps: s.trace.steps, step: 24, caption: cap, spaces: s.doc.spaces, palette: PALETTES.dark });
    expect(pic.svg).toContain('Guest page tables (at guest-physical addresses)');
    expect(pic.svg).toContain('EPT tables (at host-physical addresses)');
    expect(pic.svg).toContain('at host-physical 0x');
    expect(count(pic.svg, /data-current="true"/g)).toBe(1);
    expect(pic.svg).toContain('EPTP');
  });

  it('2D grid: the cells made so far, the current one, and the path through them in order', () => {
    const s = headless().preset('ept-4x4');
    const pic = gridPicture({ grid: gridOf(s.trace), step: 7, total: 24, caption: cap, palette: PALETTES.light });
    expect(count(pic.svg, /class="cell walked"/g)).toBe(6);
    expect(pic.svg).toMatch(/data-current="true" data-n="7"/);
    const pts = /class="walked-path" points="([^"]+)"/.exec(pic.svg)![1].split(' ');
    expect(pts).toHaveLength(7);
  });

  it('shadow workbench: guest tables and shadow pages linked, the guest walk marked, what the operation created', () => {
    const h = headless();
    h.preset('shadow-first-touch');
    const s = h.act({ t: 'seek', at: 1 });
    const walk = s.trace.steps.filter((x) => x.kind === 'g').map((x) => ({ tableBase: x.tableBase, index: x.index }));
    const pic = shadowPicture({ view: s.shadow!, walk, caption: cap, palette: PALETTES.light });
    expect(count(pic.svg, /class="shadow-page[^"]*"/g)).toBe(4);
    expect(count(pic.svg, /class="shadow-page created"/g)).toBe(s.shadow!.created.length);
    expect(s.shadow!.created.length).toBeGreaterThanOrEqual(3);
    expect(count(pic.svg, /class="ref walked"/g)).toBe(4);
    expect(count(pic.svg, /<path /g)).toBe(4);
    const zap = headless();
    zap.preset('shadow-write-flood');
    const z = zap.act({ t: 'seek', at: 5 });
    const zp = shadowPicture({ view: z.shadow!, walk: [], caption: cap, palette: PALETTES.dark });
    expect(count(zp.svg, /class="shadow-page zapped"/g)).toBe(1);
    // A zapped page shadows nothing any more: no line from it.
    expect(count(zp.svg, /<path /g)).toBe(z.shadow!.pages.filter((p) => p.guestTable).length);
  });

  it('text is escaped', () => {
    const s = headless().preset('lm4-4k');
    const pic = treePicture({ layout: s.layout!, targets: s.targets, steps: s.trace.steps, step: 0, caption: { title: 'a <b> & "c"', where: 'x', sentence: 'y' }, spaces: s.doc.spaces, palette: PALETTES.light });
    expect(pic.svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
  });
});
