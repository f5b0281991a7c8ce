/**
 * The document model through the worker API: one history, atomic opens,
 * exact links and reloads, and sentences that are true in every mode.
 */
import { readVectors } from '../../test/shared';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentPreset } from '../presets/registry';
import { MemoryPersist } from './persist';
import { headless, summary } from './testkit';
import type { Snapshot } from './types';

const vectors = (name: string) => readVectors(name);

describe('one history', () => {
  it('every change is one step; Undo and Redo reach exactly the states shown, in order', () => {
    const h = headless();
    const shown: unknown[] = [summary(h.preset('lm4-4k'))];
    for (const i of [
      { t: 'cpu', cpu: { smep: true } },
      { t: 'access', access: { op: 'fetch', cpl: 0 } },
      { t: 'la57', on: true },
      { t: 'virt', mode: 'ept' },
      { t: 'ept5', on: true },
      { t: 'virt', mode: 'shadow' },
      { t: 'op', op: { k: 'access', va: '0x7f3a1b2c5123', op: 'read', cpl: 3, implicit: false } },
      { t: 'virt', mode: 'nested' },
      { t: 'virt', mode: 'none' },
    ] as const) {
      shown.push(summary(h.act(i)));
    }
    for (let k = shown.length - 2; k >= 0; k--) expect(summary(h.undo()), `undo to state ${k}`).toEqual(shown[k]);
    expect(h.undo().canUndo).toBe(false);
    for (let k = 1; k < shown.length; k++) expect(summary(h.redo()), `redo to state ${k}`).toEqual(shown[k]);
    expect(h.redo().canRedo).toBe(false);
  });

  it('shadow operations and script steps are undoable, forwards and backwards', () => {
    const h = headless();
    const s0 = h.preset('shadow-first-touch');
    expect(s0.ops).toMatchObject({ at: 0 });
    expect(s0.ops!.items).toHaveLength(5);
    const s1 = h.act({ t: 'seek', at: 1 });
    expect(s1.shadow!.counters.exits).toBe(1);
    const s3 = h.act({ t: 'seek', at: 3 });
    expect(s3.shadow!.counters.exits).toBe(2);
    const back = h.act({ t: 'seek', at: 1 });
    expect(back.shadow!.counters).toEqual(s1.shadow!.counters);
    expect(summary(h.undo())).toEqual(summary(s3));
    expect(summary(h.undo())).toEqual(summary(s1));
    expect(h.undo().shadow!.counters.exits).toBe(0);
  });

  it('a guest operation in the middle of a script replaces the operations after it', () => {
    const h = headless();
    h.preset('shadow-pte-edit');
    h.act({ t: 'seek', at: 2 });
    const s = h.act({ t: 'op', op: { k: 'invlpg', va: '0x601234' } });
    expect(s.ops!.at).toBe(3);
    expect(s.ops!.items.map((o) => o.text)).toEqual([expect.stringMatching(/^read/), expect.stringMatching(/^guest store/), 'INVLPG 0x601234']);
    expect(h.undo().ops!.items).toHaveLength(5);
  });

  it('Undo after Nested preset → 4-level preset → Shadow paging shows the 4-level preset, not the nested title', () => {
    const h = headless();
    h.preset('nested-2020-hang');
    h.preset('lm4-4k');
    const shadow = h.act({ t: 'virt', mode: 'shadow' });
    expect(shadow.doc.title).toBe('4-level walk to a 4 KiB page');
    const u = h.undo();
    expect(u.doc.title).toBe('4-level walk to a 4 KiB page');
    expect(u.doc.virt).toBe('none');
    expect(u.shadow).toBeNull();
    expect(h.undo().doc.title).toBe('Nested EPT: the 2020 hang');
  });
});

describe('opens are atomic', () => {
  /** Everything an open must leave alone: the document, the history, the saved state. */
  const state = (h: ReturnType<typeof headless>, s: Snapshot) => ({ doc: summary(s), saved: JSON.stringify(h.persist.value), history: s.history });

  it('a link with a bad view.step names it and changes nothing — not the document, the history or the saved state', async () => {
    const h = headless();
    h.preset('lm4-2m');
    const cur = h.act({ t: 'cpu', cpu: { wp: false } });
    await h.api.whenSaved();
    const before = state(h, cur);
    const other = headless();
    other.preset('ept-4x4');
    other.api.setView({ step: 7 });
    const good = other.fragment();
    // The same recipe with a step beyond the walk.
    const { decodeLink, encodeLink } = await import('../share/codec');
    const d = decodeLink(good);
    if (!d.ok) throw new Error('decode');
    const bad = encodeLink({ ...d.value, view: { step: 99 } });
    const r = h.api.openLink(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.field).toBe('link.view.step');
    await h.api.whenSaved();
    const now = h.undo(); // the previous entry is still lm4-2m as opened
    expect(now.doc.cpu.wp).toBe(true);
    const again = h.redo();
    expect(state(h, again)).toEqual({ ...before, history: before.history });
  });

  it('a truncated link, a bad change inside a link, and a link to an unknown preset version are refused with their field', () => {
    const h = headless();
    h.preset('pf-smep');
    h.act({ t: 'cpu', cpu: { smap: true } });
    const good = h.fragment();
    const fresh = headless();
    expect(fresh.api.openLink(good.slice(0, good.length - 6)).ok).toBe(false);
    const cases: [string, string][] = [
      [good.slice(0, Math.floor(good.length / 2)), 'link.data'],
      ['v2.' + Buffer.from('{"p":"lm4-4k","pv":1,"a":[{"t":"cpu","cpu":{"maxphyaddr":99}}]}').toString('base64url'), 'link.data'],
    ];
    for (const [frag, field] of cases) {
      const r = fresh.api.openLink(frag);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem.field).toBe(field);
    }
  });

  it('a change a link carries is checked when it is applied, and named by its position', async () => {
    const { encodeLink } = await import('../share/codec');
    const h = headless();
    const bad = encodeLink({ origin: { kind: 'preset', id: 'lm4-4k', v: 1 }, actions: [{ t: 'cpu', cpu: { smep: true } }, { t: 'cpu', cpu: { maxphyaddr: 99 } }], view: { step: -1 } });
    const r = h.api.openLink(bad);
    expect(r).toMatchObject({ ok: false, problem: { field: 'link.changes[1].cpu.maxphyaddr' } });
    const old = encodeLink({ origin: { kind: 'preset', id: 'lm4-4k', v: 7 }, actions: [], view: { step: -1 } });
    expect(h.api.openLink(old)).toMatchObject({ ok: false, problem: { message: expect.stringMatching(/version 7/) } });
  });

  it('a JSON Lines file lists its cases; any of the public walk cases opens by id, and each shadow case in its shadow view', () => {
    const h = headless();
    h.preset('lm4-4k');
    const walk = vectors('walk-public.jsonl');
    const r = h.ok(h.api.openFile(walk, 'walk-public.jsonl'));
    if (!('choose' in r)) throw new Error('expected a list');
    expect(r.choose.cases).toHaveLength(427);
    expect(r.choose.cases.every((c) => c.problem === null)).toBe(true);
    const lines = walk.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    for (let k = 0; k < lines.length; k++) {
      const s = h.ok(h.api.openFileCase(k));
      expect(s.doc.title).toBe(lines[k].id);
      expect(s.trace.outcome.outcome).toBe(lines[k].expect.outcome);
      expect(s.doc.expect).toMatchObject({ agrees: true });
    }
    const shadow = vectors('shadow-public.jsonl');
    const sc = h.ok(h.api.openFile(shadow, 'shadow-public.jsonl'));
    if (!('choose' in sc)) throw new Error('expected a list');
    sc.choose.cases.forEach((c, k) => {
      const s = h.ok(h.api.openFileCase(k));
      expect(s.doc.virt, c.id).toBe('shadow');
      expect(s.ops!.items.length).toBeGreaterThan(0);
      expect(s.doc.expect, c.id).toMatchObject({ agrees: true });
    });
  });

  it('a top-level array is a list of cases; a file that is not JSON says so; a bad case names its field', () => {
    const h = headless();
    h.preset('lm4-4k');
    const line = vectors('walk-public.jsonl').split('\n')[0];
    const arr = h.ok(h.api.openFile(`[${line},${line}]`, 'two.json'));
    expect('choose' in arr && arr.choose.cases.map((c) => c.problem)).toEqual([null, null]);
    expect(h.api.openFile('{"cpu": ', 'x.json')).toMatchObject({ ok: false, problem: { field: 'x.json', message: expect.stringMatching(/not JSON/) } });
    const c = JSON.parse(line);
    c.cpu.maxphyaddr = 'lots';
    expect(h.api.openFile(JSON.stringify(c), 'bad.json')).toMatchObject({ ok: false, problem: { message: expect.stringMatching(/cpu\.maxphyaddr/) } });
  });

  it('an imported expect that the engine contradicts is shown beside what Pagoda computes', () => {
    const h = headless();
    const c = JSON.parse(vectors('walk-public.jsonl').split('\n')[3]);
    const truth = c.expect.outcome;
    c.expect.outcome = truth === 'ok' ? 'pf' : 'ok';
    const s = h.ok(h.api.openFile(JSON.stringify(c), 'c.json'));
    if (!('opened' in s)) throw new Error('opened');
    expect(s.opened.doc.expect!.agrees).toBe(false);
    expect(s.opened.doc.expect!.rows.find((r) => r.key === 'outcome')).toMatchObject({ expected: c.expect.outcome, computed: truth, same: false });
  });
});

describe('links and reloads reproduce exactly', () => {
  it('a shadow scenario’s link and its reload keep counters, shadow pages, events and step', async () => {
    const h = headless();
    h.preset('shadow-pte-edit');
    h.act({ t: 'seek', at: 3 });
    const shown = h.act({ t: 'access', access: { op: 'write' } });
    h.api.setView({ step: -1, walk: 'hardware', walkStep: 2 });
    const frag = h.fragment();
    const other = headless();
    const opened = other.link(frag);
    expect(summary(opened)).toEqual(summary(shown));
    expect(opened.view).toEqual({ step: -1, walk: 'hardware', walkStep: 2 });
    expect(opened.shadow!.counters.exits).toBe(2);
    await h.api.whenSaved();
    const reloaded = headless(h.persist);
    const b = await reloaded.api.boot('', null);
    expect(summary(b.snapshot)).toEqual(summary(shown));
    expect(b.snapshot.history).toEqual({ at: 3, size: 3 });
    expect(summary(reloaded.undo())).toEqual(summary(h.undo()));
  });

  it('links are recipes: a preset link and the 4×4 EPT preset at reference 7 fit in 120 characters, a preset plus ten edits in 400', () => {
    const h = headless();
    h.preset('lm4-4k');
    expect(h.fragment().length).toBeLessThanOrEqual(120);
    h.preset('ept-4x4');
    h.api.setView({ step: 7 });
    const ept = h.fragment();
    expect(ept.length).toBeLessThanOrEqual(120);
    expect(headless().link(ept).view.step).toBe(7);
    const s = h.preset('lm4-4k');
    const t = s.targets;
    const edits = [
      { t: 'cpu', cpu: { smep: true } },
      { t: 'cpu', cpu: { smap: true } },
      { t: 'access', access: { op: 'write' } },
      { t: 'access', access: { cpl: 3 } },
      { t: 'entry', tableId: t[3].tableId, index: t[3].index, value: '0x8000000003a5c005' },
      { t: 'field', tableId: t[2].tableId, index: t[2].index, field: 'U/S', value: '0' },
      { t: 'la57', on: true },
      { t: 'cpu', cpu: { maxphyaddr: 40 } },
      { t: 'access', access: { va: '0x7f3a1b2c6123' } },
      { t: 'cpu', cpu: { pkru: '0xc' } },
    ] as const;
    let last!: Snapshot;
    for (const e of edits) last = h.act(e);
    const frag = h.fragment();
    expect(frag.length).toBeLessThanOrEqual(400);
    expect(summary(headless().link(frag))).toEqual(summary(last));
  });

  it('imported scenarios carry their memory in the link and reopen the same', () => {
    const h = headless();
    const line = vectors('walk-public.jsonl').split('\n')[42];
    const s = h.ok(h.api.openFile(line, 'one.json'));
    if (!('opened' in s)) throw new Error('opened');
    const again = headless().link(h.fragment());
    expect(summary(again)).toEqual(summary(s.opened));
  });

  it('a damaged link at boot opens the saved history instead, reports the link with its text, and saves nothing over it', async () => {
    const persist = new MemoryPersist();
    const h = headless(persist);
    h.preset('pf-pkey');
    await h.api.whenSaved();
    const saved = JSON.stringify(persist.value);
    const frag = h.fragment();
    const b = await headless(persist).api.boot('#' + frag.slice(0, frag.length - 9), null);
    expect(b.link).toMatchObject({ problem: { field: 'link.data' }, text: frag.slice(0, frag.length - 9) });
    expect(b.snapshot.doc.title).toBe('Protection key denies a write');
    expect(JSON.stringify(persist.value)).toBe(saved);
  });

  it('a reload whose address bar holds the saved current document adds nothing to the history', async () => {
    const persist = new MemoryPersist();
    const h = headless(persist);
    h.preset('pf-smap');
    h.act({ t: 'cpu', cpu: { ac: true } });
    await h.api.whenSaved();
    const b = await headless(persist).api.boot('#' + h.fragment(), null);
    expect(b.snapshot.history).toEqual({ at: 2, size: 2 });
    expect(b.snapshot.doc.cpu.ac).toBe(true);
  });

  it('a good link at boot opens on top of the saved history: one Undo returns to the earlier work', async () => {
    const persist = new MemoryPersist();
    const h = headless(persist);
    h.preset('pf-smap');
    await h.api.whenSaved();
    const link = headless();
    link.preset('pae');
    const b = await headless(persist).api.boot('#' + link.fragment(), null);
    expect(b.snapshot.doc.presetId).toBe('pae');
    expect(b.snapshot.canUndo).toBe(true);
  });
  it('an embedded page (ephemeral boot) shows exactly its link: the saved history is neither read nor written', async () => {
    const persist = new MemoryPersist();
    const h = headless(persist);
    h.preset('pf-smap');
    await h.api.whenSaved();
    const saved = JSON.stringify(persist.value);
    const link = headless();
    link.preset('pae');
    const embed = headless(persist);
    const b = await embed.api.boot('#' + link.fragment(), null, { ephemeral: true });
    expect(b.snapshot.doc.presetId).toBe('pae');
    expect(b.snapshot.canUndo).toBe(false);
    embed.act({ t: 'access', access: { op: 'write' } });
    await embed.api.whenSaved();
    expect(JSON.stringify(persist.value)).toBe(saved);
    const none = await headless(persist).api.boot('', null, { ephemeral: true });
    expect(none.snapshot.doc.presetId).not.toBe('pf-smap');
  });
});

describe('v1 links keep opening as they did', () => {
  const fixtures: { name: string; link: string; expect: Record<string, unknown> & { shadow: Record<string, unknown> | null } }[] = JSON.parse(readFileSync(path.resolve(__dirname, '../share/fixtures/links-v1.json'), 'utf8'));
  for (const f of fixtures) {
    it(f.name, () => {
      const s = headless().link(f.link);
      const e = f.expect;
      // A preset's title is the preset's current one (titles are prose; what opens is pinned by the case itself).
      expect(s.doc.title).toBe(currentPreset(e.id as string)?.title ?? e.title);
      expect(s.doc.presetId ?? s.doc.title).toBe(s.doc.presetId ? e.id : e.title);
      expect(s.doc.cpu).toEqual(e.cpu);
      expect(s.doc.ept).toEqual(e.ept);
      expect(s.doc.access).toEqual(e.access);
      const n = s.trace.steps.length;
      expect(n).toBe(e.steps);
      expect(s.view.step < 0 ? n : s.view.step).toBe(e.step);
      const o = s.trace.outcome;
      expect({ outcome: o.outcome, pa: o.pa, ec: o.ec, gpa: o.gpa, qual: o.qual }).toEqual(e.outcome);
      expect(s.trace.writes).toEqual(e.writes);
      if (e.shadow === null) expect(s.shadow).toBeNull();
      else {
        expect(s.shadow!.mode).toBe(e.shadow.mode);
        expect(s.shadow!.counters).toMatchObject(e.shadow.counters as object);
        expect(s.shadow!.pages).toHaveLength(e.shadow.pages as number);
        expect(s.ops!.items).toHaveLength(e.shadow.scriptOps as number);
      }
    });
  }
});
