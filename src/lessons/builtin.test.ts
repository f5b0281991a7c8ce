/**
 * The built-in lessons: every stop opens, and every number a narration
 * quotes is what the engine computes at that stop. Lessons live in the
 * document: links and reloads keep the stop, changes keep the lesson,
 * instructors' lesson files are checked whole.
 */
import { describe, expect, it } from 'vitest';
import { MemoryPersist } from '../worker/persist';
import { headless, summary } from '../worker/testkit';
import type { Snapshot } from '../worker/types';
import { BUILTIN_LESSONS, FOUR_TO_FIVE, SHADOW_PAGING, TWO_DIMENSIONAL } from './builtin';
import { parseLesson } from './lesson';

/** Open each stop of a lesson in turn, as Next stop does. */
function stops(id: string): Snapshot[] {
  const h = headless();
  const n = BUILTIN_LESSONS.find((l) => l.id === id)!.stops.length;
  const out = [h.ok(h.api.openLesson(id, 0))];
  for (let i = 1; i < n; i++) out.push(h.ok(h.api.lessonStop(i)));
  return out;
}

const stepText = (s: Snapshot) => (s.view.step > 0 ? s.trace.steps[s.view.step - 1].text : '');
const refs = (s: Snapshot) => s.trace.steps.length;

describe('built-in lessons say what the engine does', () => {
  it('every lesson parses, and each has a lecture’s worth of stops', () => {
    for (const l of BUILTIN_LESSONS) {
      expect(parseLesson(JSON.parse(JSON.stringify(l)))).toEqual(l);
      expect(l.stops.length).toBeGreaterThanOrEqual(7);
    }
  });

  it(FOUR_TO_FIVE.title, () => {
    const s = stops('four-to-five');
    expect(s[0].view.step).toBe(0);
    expect(s[0].address.levels.map((l) => `${l.hi}:${l.lo}`)).toEqual(['47:39', '38:30', '29:21', '20:12']);
    expect(stepText(s[1])).toMatch(/^PML4\[0xfe\] at physical 0x1007f0 points to the PDPT at physical 0x105000/);
    expect(s[2].trace.steps.map((x) => `${x.structure}[${x.index.toString(16)}]`)).toEqual(['PML4[fe]', 'PDPT[e8]', 'PD[d9]', 'PT[c5]']);
    expect(s[2].trace.outcome.pa).toBe('0x3a5c123');
    expect(refs(s[2])).toBe(4);
    expect(refs(s[3])).toBe(5);
    expect(stepText(s[3])).toMatch(/^PML5\[0x0\]/);
    expect(s[3].trace.outcome.pa).toBe('0x3a5c123');
    expect(stepText(s[4])).toMatch(/^PML5\[0x111\]/);
    expect(refs(s[4])).toBe(5);
    expect(s[4].trace.outcome.pa).toBe('0x77789');
    expect(s[5].trace.outcome.outcome).toBe('gp');
    expect(s[5].trace.outcome.text).toMatch(/bits 63:47 must all equal bit 47/);
    expect(refs(s[6])).toBe(35);
  });

  it(TWO_DIMENSIONAL.title, () => {
    const s = stops('two-dimensional');
    expect(s[1].trace.steps.slice(0, 4).map((x) => x.structure)).toEqual(['EPT PML4', 'EPT PDPT', 'EPT PD', 'EPT PT']);
    expect(stepText(s[1])).toMatch(/translating guest-physical 0x1007f0/);
    expect(stepText(s[2])).toMatch(/^PML4\[0xfe\] at guest-physical 0x1007f0 \(host-physical 0x1001007f0\) points to the PDPT at guest-physical 0x105000/);
    expect(refs(s[3])).toBe(24);
    expect(s[3].trace.outcome.pa).toBe('0x103a5c123');
    expect(refs(s[4])).toBe(29);
    expect(refs(s[5])).toBe(35);
    expect(refs(s[6])).toBe(19);
    expect(s[6].trace.outcome.size).toBe(2 ** 21);
    expect(s[7].trace.outcome).toMatchObject({ outcome: 'ept_violation', qual: '0xab' });
    const q = s[7].trace.outcome.bits;
    expect(q.find((b) => b.bit === 7)!.set).toBe(true);
    expect(q.find((b) => b.bit === 8)!.set).toBe(false);
  });

  it(SHADOW_PAGING.title, () => {
    const s = stops('shadow-paging');
    expect(s[0].shadow!.counters).toMatchObject({ exits: 0, spAlive: 1 });
    expect(s[1].shadow!.counters).toMatchObject({ exits: 1, spAlive: 4 });
    expect(s[1].shadow!.last!.guestWalk).toHaveLength(4);
    expect(s[2].shadow!.last!.exits).toBe(0);
    expect(s[2].shadow!.guestTables.filter((t) => t.shadowedBy.length > 0).every((t) => t.writeProtected)).toBe(true);
    expect(s[3].shadow!.last!.exits).toBe(1);
    expect(s[3].shadow!.pages.some((p) => p.level === 1 && p.unsync)).toBe(true);
    expect(s[4].shadow!.last!.exits).toBe(0);
    expect(s[4].result).toMatchObject({ kind: 'stale', pa: '0x100201234' });
    expect(s[5].shadow!.last!.outcome).toMatch(/dropped 1 SPTE/);
    expect(s[6].result.pa).toBe('0x100205234');
    expect(s[7].shadow!.last!.title).toMatch(/Load CR3 .*process B/);
    expect(s[7].shadow!.counters.cr3Exits).toBe(1);
    expect(s[8].shadow!.last!.outcome).toMatch(/Root cache hit/);
    expect(s[8].shadow!.counters.rootHits).toBe(1);
    expect(s[9].shadow!.counters.floods).toBe(1);
    expect(s[9].shadow!.events.some((e) => e.type === 'wp-off')).toBe(true);
  });
});

describe('a lesson lives in the document', () => {
  it('changes keep the lesson and are said; the link and a reload reopen the same stop', async () => {
    const persist = new MemoryPersist();
    const h = headless(persist);
    h.ok(h.api.openLesson('two-dimensional', 2));
    const changed = h.act({ t: 'ept', ept: { ad: true } });
    expect(changed.doc.lesson).toMatchObject({ id: 'two-dimensional', at: 2, changed: true });
    const other = headless().link(h.fragment());
    expect(summary(other)).toEqual(summary(changed));
    await h.api.whenSaved();
    const b = await headless(persist).api.boot('', null);
    expect(b.snapshot.doc.lesson).toMatchObject({ at: 2, count: TWO_DIMENSIONAL.stops.length });
    const left = h.ok(h.api.leaveLesson());
    expect(left.doc.lesson).toBeNull();
    expect(summary({ ...left, doc: { ...left.doc, lesson: changed.doc.lesson } })).toEqual(summary(changed));
  });

  it('an instructor’s lesson file is checked whole, names the bad field, and travels in a link', () => {
    const h = headless();
    h.preset('lm4-4k');
    const mine = { pagodaLesson: 1, id: 'my-intro', title: 'My intro', stops: [{ title: 'Start', narration: 'Look.', preset: 'pae', step: 0 }, { title: 'Shadow', narration: 'Now.', preset: 'shadow-first-touch', step: 1 }] };
    const r = h.ok(h.api.openFile(JSON.stringify(mine), 'mine.json'));
    if (!('opened' in r)) throw new Error('opened');
    expect(r.opened.doc.lesson).toMatchObject({ id: 'my-intro', at: 0, count: 2, builtin: false });
    const s2 = h.ok(h.api.lessonStop(1));
    expect(s2.shadow!.counters.exits).toBe(1);
    expect(headless().link(h.fragment()).doc.lesson).toMatchObject({ id: 'my-intro', at: 1 });
    expect(JSON.parse(h.ok(h.api.exportLesson()))).toEqual(mine);
    const bad = { ...mine, stops: [mine.stops[0], { ...mine.stops[1], preset: 'nope' }] };
    expect(h.api.openFile(JSON.stringify(bad), 'bad.json')).toMatchObject({ ok: false, problem: { field: 'lesson.stops[1].preset' } });
    const bad2 = { ...mine, stops: [{ title: 'x', narration: 'y', preset: 'lm4-4k', step: 9 }] };
    expect(h.api.openFile(JSON.stringify(bad2), 'bad2.json')).toMatchObject({ ok: false, problem: { field: 'bad2.json.stops[0].view.step' } });
    expect(h.api.openFile('{"pagodaLesson": 2}', 'v2.json')).toMatchObject({ ok: false, problem: { field: 'v2.json.pagodaLesson' } });
  });
});
