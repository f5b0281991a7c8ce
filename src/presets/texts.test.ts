/**
 * What the presets' paragraphs and operation notes say, checked against what
 * the engine and the shadow MMU do: every number a sentence names (an index,
 * a frame, a reserved range, an offset, how many exits or pages) is read off
 * the walk or the machine here, so a sentence and the picture cannot disagree.
 */
import { describe, expect, it } from 'vitest';
import { traceWalk } from '../engine/trace';
import { headless } from '../worker/testkit';
import type { Snapshot } from '../worker/types';
import { presetById } from './index';
import { shadowPresetById } from './shadow';

const paragraph = (id: string) => presetById(id)?.paragraph ?? shadowPresetById(id)!.paragraph;
const walk = (id: string) => {
  const { scenario, access } = presetById(id)!.build();
  return traceWalk(scenario, access);
};
/** Bits hi..lo all set in a hex mask. */
const covers = (mask: string, hi: number, lo: number) => {
  const m = BigInt(mask);
  for (let b = lo; b <= hi; b++) if (((m >> BigInt(b)) & 1n) === 0n) return false;
  return true;
};

describe('native preset paragraphs', () => {
  it('LA57: the PML5 entry named is the one the walk reads', () => {
    const t = walk('la57-kernel');
    expect(t.steps[0].structure).toBe('PML5');
    const index = `0x${t.steps[0].index.toString(16)}`;
    expect(paragraph('la57-kernel')).toContain(`PML5 entry ${index}`);
    expect(t.steps).toHaveLength(5);
  });

  it('reserved bit above MAXPHYADDR: the frame named is the PT entry’s frame', () => {
    const t = walk('pf-rsvd-maxphyaddr');
    const pte = t.steps.at(-1)!;
    const frame = pte.fields.find((f) => f.name === 'Address')!;
    const named = /names a frame at (0x[0-9a-f]+)/.exec(paragraph('pf-rsvd-maxphyaddr'))![1];
    expect(Number(named)).toBe(frame.value);
    expect(pte.rsvdViolation).toContain(39);
  });

  it('large pages: the reserved ranges named are reserved in the leaf the walk reads', () => {
    expect(paragraph('lm4-2m')).toContain('Bits 20:13 of a 2 MiB PDE are reserved');
    expect(covers(walk('lm4-2m').steps.at(-1)!.rsvdMask, 20, 13)).toBe(true);
    expect(paragraph('lm4-1g')).toContain('bits 29:13 of that entry are reserved');
    expect(covers(walk('lm4-1g').steps.at(-1)!.rsvdMask, 29, 13)).toBe(true);
    expect(paragraph('m32-4m')).toContain('(21:17 here, with MAXPHYADDR 36)');
    const pde = walk('m32-4m').steps.at(-1)!;
    expect(covers(pde.rsvdMask, 21, 17)).toBe(true);
    expect(covers(pde.rsvdMask, 16, 13)).toBe(false);
    expect(Number(walk('m32-4m').outcome.pa)).toBeGreaterThan(2 ** 32);
  });

  it('SMEP: U/S=1 at every level of the walk', () => {
    for (const st of walk('pf-smep').steps) expect(st.fields.find((f) => f.name === 'U/S')?.value).toBe(1);
  });

  it('EPT presets: guest memory sits at host-physical = guest-physical + 4 GiB, as the EPT panel reads off the EPT', () => {
    for (const id of ['ept-4x4', 'ept-4x5', 'ept-5x5']) {
      expect(paragraph(id)).toContain('host-physical = guest-physical + 4 GiB');
      const s = headless().preset(id);
      expect(s.doc.eptInfo?.layout).toContain('to host-physical G + 0x100000000');
    }
  });
});

/** Run a shadow preset's script, one snapshot per operation (index 0 = before the first). */
function run(id: string): Snapshot[] {
  const h = headless();
  const out = [h.preset(id)];
  for (let i = 1; i <= out[0].ops!.items.length; i++) out.push(h.act({ t: 'seek', at: i }));
  return out;
}
const exits = (s: Snapshot) => s.shadow!.last!.exits;
const note = (s: Snapshot[], i: number) => s[0].ops!.items[i - 1].note;

describe('shadow preset paragraphs and notes', () => {
  it('first touch: the root is there from the CR3 load; the first read creates the three pages below it; then as each note says', () => {
    const s = run('shadow-first-touch');
    expect(s[0].shadow!.pages).toHaveLength(1);
    expect(note(s, 1)).toContain('three shadow pages created below the root (four in all)');
    expect(exits(s[1])).toBe(1);
    expect(s[1].shadow!.created).toHaveLength(3);
    expect(s[1].shadow!.pages).toHaveLength(4);
    expect(exits(s[2])).toBe(0);
    expect(exits(s[3])).toBe(1);
    expect(exits(s[4])).toBe(0);
    expect(exits(s[5])).toBe(1);
    expect(s[5].shadow!.pages).toHaveLength(4);
    expect(s[5].shadow!.counters.sptes).toBe(s[4].shadow!.counters.sptes + 1);
  });

  it('PTE edit: unsync on the store, stale until INVLPG, which drops the SPTE; the next read reaches the new frame', () => {
    const s = run('shadow-pte-edit');
    expect(exits(s[2])).toBe(1);
    expect(s[2].shadow!.counters.unsyncs).toBe(1);
    expect(exits(s[3])).toBe(0);
    expect(s[3].result.kind).toBe('stale');
    expect(note(s, 4)).toContain('drops the SPTE');
    expect(s[4].shadow!.events.some((e) => e.type === 'spte-drop')).toBe(true);
    expect(s[4].shadow!.events.some((e) => e.type === 'spte-update')).toBe(false);
    expect(exits(s[5])).toBe(1);
    expect(s[5].result.pa).toBe('0x100205234');
  });

  it('CR3 switch: a miss for process B, a hit back to A, and Load CR3 is named by the address space it loads', () => {
    const s = run('shadow-cr3-switch');
    expect(s[0].ops!.items[1].text).toBe('Load CR3 0x300000 (process B)');
    expect(s[0].ops!.items[3].text).toBe('Load CR3 0x100000 (process A)');
    expect(s[2].shadow!.counters.rootMisses).toBe(1);
    expect(s[3].result.pa).not.toBe(s[1].result.pa);
    expect(s[4].shadow!.counters.rootHits).toBe(1);
    expect(exits(s[5])).toBe(0);
  });

  it('write flooding: the third store zaps the PD page and unlinks the two PT pages below it; the next access rebuilds', () => {
    const s = run('shadow-write-flood');
    expect(s[2].shadow!.pages).toHaveLength(s[1].shadow!.pages.length + 1);
    expect(s[3].shadow!.counters.spZapped).toBe(0);
    expect(s[4].shadow!.counters.spZapped).toBe(0);
    expect(s[5].shadow!.counters.spZapped).toBe(1);
    expect(s[5].shadow!.counters.floods).toBe(1);
    const fresh = s[5].shadow!.events.filter((e) => e.seq > s[4].shadow!.events.at(-1)!.seq);
    // Besides its parent's link to the zapped page itself, the zap unlinks the two pages below it.
    const zapped = s[5].shadow!.zapped[0].id;
    const below = fresh.filter((e) => e.type === 'spte-drop' && /unlinked shadow page #(\d+)/.exec(e.text)?.[1] !== undefined && !e.text.includes(`shadow page #${zapped})`));
    expect(s[5].shadow!.zapped[0].level).toBe(2);
    expect(below).toHaveLength(2);
    expect(note(s, 5)).toContain('the two PT pages below are unlinked');
    expect(exits(s[6])).toBe(1);
  });

  it("PAE root: the store to the PDPTE does not exit and changes nothing until CR3 is reloaded; then #PF", () => {
    const s = run('shadow-pae-root');
    expect(exits(s[2])).toBe(0);
    expect(s[4].result.kind).toBe('ok');
    expect(exits(s[4])).toBe(0);
    expect(s[6].result.title).toContain('#PF');
  });

  it("32-bit quadrants: four shadow pages for the one guest page directory, told apart by quadrant", () => {
    const s = run('shadow-32bit-quadrants');
    const pds = s[0].shadow!.pages.filter((p) => p.level === 2);
    expect(pds).toHaveLength(4);
    expect(new Set(pds.map((p) => p.gfn)).size).toBe(1);
    expect(pds.map((p) => p.quadrant).sort()).toEqual([0, 1, 2, 3]);
    expect(s[1].shadow!.pages.find((p) => s[1].shadow!.created.includes(p.id))?.direct).toBe(true);
  });

  it('nested EPT: one exit builds EPT02 to EPT12’s depth; the second access needs none; the 2020 hang repeats its exits', () => {
    for (const [id, levels] of [
      ['nested-ept4-host5', 4],
      ['nested-ept5-exposed', 5],
    ] as const) {
      const s = run(id);
      expect(s[0].shadow!.nested!.eptp02).toBe(levels);
      expect(exits(s[1])).toBe(1);
      expect(s[1].shadow!.pages).toHaveLength(levels);
      expect(exits(s[2])).toBe(0);
      expect(exits(s[3])).toBe(1);
      expect(s[3].shadow!.pages).toHaveLength(levels);
    }
    const h = run('nested-2020-hang');
    expect(h[0].shadow!.nested!.eptp02).toBe(5);
    for (let i = 1; i <= 3; i++) expect(h[i].result.kind).toBe('hang');
  });
});
