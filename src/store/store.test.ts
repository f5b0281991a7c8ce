/**
 * The store against the real worker API called in-process (no Worker in node):
 * intents → client → session → engine, as in the app.
 */
import { readVectors } from '../../test/shared';
import { describe, expect, it } from 'vitest';
import { createApi } from '../worker/api';
import { makeClient } from '../worker/client';
import { MemoryPersist } from '../worker/persist';
import { Session } from '../worker/session';
import { createAppStore } from './index';
import { parseVa } from './input';
import { bootApp, embedParams, type SyncEnv } from './sync';

function setup(persist = new MemoryPersist()) {
  const client = makeClient(createApi(new Session(), persist));
  const store = createAppStore({ client });
  return { client, store, persist };
}

async function booted(hash = '', persist = new MemoryPersist()) {
  const t = setup(persist);
  await t.store.getState().boot(hash, null);
  return t;
}

const idle = () => new Promise((r) => setTimeout(r, 0));

describe('app store', () => {
  it('boots on the default 4-level walk: four references to a 4 KiB page, whole walk shown', async () => {
    const { store } = await booted();
    const s = store.getState();
    expect(s.doc?.cpu.paging).toBe('4');
    expect(s.trace?.steps).toHaveLength(4);
    expect(s.trace?.outcome.outcome).toBe('ok');
    expect(s.trace?.outcome.size).toBe(4096);
    expect(s.step).toBe(4);
    expect(s.layout?.nodes.length).toBeGreaterThan(4);
    expect(s.presets.length).toBeGreaterThanOrEqual(15);
  });

  it('steps forward and back within the walk; play restarts from the beginning at the end', async () => {
    const { store } = await booted();
    const s = () => store.getState();
    s().nextStep();
    expect(s().step).toBe(4);
    s().prevStep();
    s().prevStep();
    expect(s().step).toBe(2);
    s().setStep(-5);
    expect(s().step).toBe(0);
    s().setStep(99);
    s().play();
    expect(s().playing).toBe(true);
    expect(s().step).toBe(0);
    for (let i = 0; i < 4; i++) s().nextStep();
    expect(s().playing).toBe(false);
  });

  it('accepts 0x, underscores, spaces and upper case in the address; explains bad input in words', () => {
    expect(parseVa('0X7F3A_1B2C_5123', 48)).toEqual({ value: '0x7f3a1b2c5123' });
    expect(parseVa('ffff8880_00000000', 48)).toEqual({ value: '0xffff888000000000' });
    expect(parseVa('0x 7f3a 1b2c 5123', 48)).toEqual({ value: '0x7f3a1b2c5123' });
    expect(parseVa('0x', 48)).toEqual({ error: 'Virtual address: no digits after 0x.' });
    expect(parseVa('0xzz', 48)).toMatchObject({ error: expect.stringMatching(/“z” is not a hex digit/) });
    expect(parseVa('0x1_0000_0000', 32)).toMatchObject({ error: expect.stringMatching(/wider than 32 bits/) });
    expect(parseVa('0x11112222333344445', 48)).toMatchObject({ error: expect.stringMatching(/needs 65 bits/) });
  });

  it('translate runs the typed address; a non-canonical one is #GP', async () => {
    const { store } = await booted();
    store.getState().setDraftVa('0x0000_8000_0000_0000');
    await store.getState().translate();
    expect(store.getState().trace?.outcome.outcome).toBe('gp');
    expect(store.getState().trace?.steps).toHaveLength(0);
    store.getState().setDraftVa('nope');
    expect(store.getState().vaError).toMatch(/“n” is not a hex digit/);
  });

  it('LA57 adds one reference to the same physical address, and off removes it', async () => {
    const { store } = await booted();
    const pa = store.getState().trace!.outcome.pa;
    expect(await store.getState().act({ t: 'la57', on: true })).toBe(true);
    expect(store.getState().doc?.cpu.paging).toBe('5');
    expect(store.getState().trace?.steps).toHaveLength(5);
    expect(store.getState().trace?.outcome.pa).toBe(pa);
    await store.getState().act({ t: 'la57', on: false });
    expect(store.getState().trace?.steps).toHaveLength(4);
    expect(store.getState().trace?.outcome.pa).toBe(pa);
  });

  it('EPT on gives the 24-reference 2D walk with GPA ≠ HPA; EPT5 makes it 29', async () => {
    const { store } = await booted();
    const gpa = store.getState().trace!.outcome.pa!;
    await store.getState().act({ t: 'virt', mode: 'ept' });
    const t = store.getState().trace!;
    expect(t.steps).toHaveLength(24);
    expect(t.outcome.outcome).toBe('ok');
    expect(t.outcome.pa).not.toBe(gpa);
    expect(store.getState().layout?.nodes.some((n) => n.tree === 'ept')).toBe(true);
    await store.getState().act({ t: 'ept5', on: true });
    expect(store.getState().trace?.steps).toHaveLength(29);
    await store.getState().act({ t: 'la57', on: true });
    expect(store.getState().trace?.steps).toHaveLength(35);
    await store.getState().act({ t: 'virt', mode: 'none' });
    expect(store.getState().trace?.steps).toHaveLength(5);
  });

  it('edits an entry bit, re-runs the walk, and undoes/redoes it', async () => {
    const { store } = await booted();
    const t = store.getState().targets[3];
    await store.getState().select(t);
    expect(store.getState().entry?.structure).toBe('PT');
    expect(store.getState().entry?.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['P', 'R/W', 'U/S', 'A', 'D', 'G', 'PAT', 'Address', 'XD']));
    // CR4.PKE=0 in this preset: the walk ignores bits 62:59, so they are no protection key.
    expect(store.getState().entry?.fields.map((f) => f.name)).not.toContain('PK');
    expect(store.getState().entry?.roles[59]).toMatchObject({ role: 'ignored', name: 'PK', reason: 'CR4.PKE=0' });
    await store.getState().edit({ kind: 'field', tableId: t.tableId, index: t.index, field: 'P', value: '0' });
    await idle();
    expect(store.getState().trace?.outcome.outcome).toBe('pf');
    expect(store.getState().trace?.outcome.ec).toBe('0x0');
    expect(store.getState().entry?.kind).toBe('not-present');
    await store.getState().undo();
    expect(store.getState().trace?.outcome.outcome).toBe('ok');
    await store.getState().redo();
    expect(store.getState().trace?.outcome.outcome).toBe('pf');
  });

  it('sets a reserved bit through the value and the Address field', async () => {
    const { store } = await booted();
    const t = store.getState().targets[3];
    await store.getState().select(t);
    const v = BigInt(store.getState().entry!.value) | (1n << 50n);
    await store.getState().edit({ kind: 'entry', tableId: t.tableId, index: t.index, value: '0x' + v.toString(16) });
    await idle();
    expect(store.getState().trace?.outcome.title).toMatch(/RSVD/);
    expect(store.getState().entry?.rsvdSet).toEqual([50]);
    await store.getState().undo();
    await store.getState().edit({ kind: 'field', tableId: t.tableId, index: t.index, field: 'Address', value: '0x1234_5000' });
    expect(store.getState().trace?.outcome.pa).toBe('0x12345123');
    expect(await store.getState().edit({ kind: 'field', tableId: t.tableId, index: t.index, field: 'Address', value: '0x1234' })).toBe(false);
    expect(store.getState().alert?.field).toBe('entry.Address');
  });

  it('every preset opens and walks', async () => {
    const { store } = await booted();
    for (const p of store.getState().presets) {
      await store.getState().openPreset(p.id);
      expect(store.getState().doc?.presetId).toBe(p.id);
      expect(store.getState().trace).not.toBeNull();
    }
  });

  it('2D presets count 24, 29 and 35 references', async () => {
    const { store } = await booted();
    const counts: number[] = [];
    for (const p of store.getState().presets.filter((x) => /^ept-\dx\d$/.test(x.id))) {
      await store.getState().openPreset(p.id);
      counts.push(store.getState().trace!.steps.length);
    }
    expect(counts.sort()).toEqual([24, 29, 35]);
  });

  it('a share link reproduces scenario, address and step; a bad link keeps a working app', async () => {
    const { store, client } = await booted();
    await store.getState().act({ t: 'la57', on: true });
    store.getState().setDraftVa('0xffff_8880_0000_1000');
    await store.getState().translate();
    store.getState().setStep(2);
    const frag = (await client.fragment()).link;
    const other = await booted('#' + frag);
    const s = other.store.getState();
    expect(s.doc?.cpu.paging).toBe('5');
    expect(s.doc?.access.va).toBe('0xffff888000001000');
    expect(s.step).toBe(2);
    expect(s.trace?.outcome).toEqual(store.getState().trace?.outcome);

    const bad = await booted('#v1.garbage!!');
    expect(bad.store.getState().alert?.message).toMatch(/link\.data/);
    expect(bad.store.getState().alert?.copyText).toBe('v1.garbage!!');
    expect(bad.store.getState().trace?.steps).toHaveLength(4);
  });

  it('a refused value stays in its field with its message; the next good change clears the banner', async () => {
    const { store } = await booted();
    expect(await store.getState().act({ t: 'cpu', cpu: { maxphyaddr: 99 } }, 'cpu.maxphyaddr', '99')).toBe(false);
    expect(store.getState().fieldErrors['cpu.maxphyaddr']).toMatchObject({ text: '99', message: expect.stringMatching(/32 to 52/) });
    expect(store.getState().doc?.cpu.maxphyaddr).toBe(46);
    await store.getState().edit({ kind: 'entry', tableId: 'nope', index: 0, value: '0x1' });
    expect(store.getState().alert?.message).toMatch(/not made/);
    await store.getState().act({ t: 'cpu', cpu: { maxphyaddr: 40 } }, 'cpu.maxphyaddr', '40');
    expect(store.getState().fieldErrors['cpu.maxphyaddr']).toBeUndefined();
    expect(store.getState().alert).toBeNull();
  });

  it('a switch to 32-bit paging cuts the address to 32 bits, says so, and the way back restores it', async () => {
    const { store } = await booted();
    await store.getState().act({ t: 'paging', paging: 'pae' });
    expect(store.getState().doc?.access.va).toBe('0x1b2c5123');
    expect(store.getState().draftVa).toBe('0x1b2c5123');
    expect(store.getState().doc?.vaCut).toBe('0x7f3a1b2c5123');
    await store.getState().act({ t: 'paging', paging: '4' });
    expect(store.getState().doc?.access.va).toBe('0x7f3a1b2c5123');
    expect(store.getState().doc?.vaCut).toBeNull();
  });

  it('under shadow paging the step buttons move through the operations, and Translate keeps the implicit flag', async () => {
    const { store } = await booted();
    await store.getState().openPreset('shadow-first-touch');
    expect(store.getState().stepCount()).toBe(5);
    await store.getState().goStep(2);
    expect(store.getState().ops?.at).toBe(2);
    store.getState().prevStep();
    await idle();
    await idle();
    expect(store.getState().ops?.at).toBe(1);
    await store.getState().act({ t: 'cpu', cpu: { smap: true, ac: true } });
    await store.getState().setAccess({ implicit: true });
    store.getState().setDraftVa('0x601234');
    await store.getState().translate();
    expect(store.getState().doc?.access.implicit).toBe(true);
    expect(store.getState().shadow?.last?.result).toEqual({ outcome: 'pf', ec: 1 });
    expect(store.getState().result?.title).toMatch(/#PF, error code 0x1/);
  });

  it('imports every public walk vector case (all of walk-public.jsonl) as a list to choose from; a bad file names the field', async () => {
    const { store } = await booted();
    const text = readVectors('walk-public.jsonl');
    const lines = text.split('\n').filter(Boolean);
    expect(await store.getState().importFile(text, 'walk-public.jsonl')).toBe(true);
    expect(store.getState().fileChoice?.cases).toHaveLength(lines.length);
    // Every case opens (session.test.ts opens all 427); here a sample through the store, the list kept by the worker.
    for (let k = 0; k < lines.length; k += 47) {
      expect(await store.getState().chooseFileCase(k)).toBe(true);
      const c = JSON.parse(lines[k]);
      expect(store.getState().doc?.title).toBe(c.id);
      expect(store.getState().trace?.outcome.outcome).toBe(c.expect.outcome);
      expect(store.getState().trace?.steps).toHaveLength(c.expect.refs.length);
      expect(store.getState().doc?.expect?.agrees, c.id).toBe(true);
    }
    const c = JSON.parse(lines[0]);
    c.cpu.maxphyaddr = 'lots';
    expect(await store.getState().importFile(JSON.stringify(c), 'bad.json')).toBe(false);
    expect(store.getState().alert?.message).toMatch(/cpu\.maxphyaddr/);
    expect(store.getState().trace).not.toBeNull();
  });

  it('exports a FORMAT.md walk case that imports back to the same walk', async () => {
    const { store } = await booted();
    const text = await store.getState().exportCase();
    const json = JSON.parse(text);
    expect(Object.keys(json).sort()).toEqual(['access', 'cpu', 'ept', 'expect', 'id', 'memory']);
    expect(json.expect.refs).toHaveLength(4);
    const before = store.getState().trace?.outcome;
    await store.getState().openPreset('pf-not-present');
    await store.getState().importFile(text, 'x.json');
    expect(store.getState().trace?.outcome).toEqual(before);
  });

  it('sync writes the link to the URL; the saved history restores the last scenario on boot', async () => {
    const persist = new MemoryPersist();
    const { store, client } = setup(persist);
    let url = '';
    const env: SyncEnv = {
      location: { hash: '', pathname: '/', search: '' },
      history: { replaceState: (_a, _b, u) => void (url = String(u)) },
      storage: null,
      addEventListener: () => {},
      root: null,
    };
    const stop = await bootApp(store, client, env);
    await store.getState().openPreset('pf-smep');
    await new Promise((r) => setTimeout(r, 300));
    stop();
    expect(url).toMatch(/^#v2\./);
    expect(await client.whenSaved()).toBe(true);
    const fresh = setup(persist);
    await bootApp(fresh.store, fresh.client, env);
    expect(fresh.store.getState().doc?.presetId).toBe('pf-smep');
  });

  it('writing the link clears only its own "too large" notice, not one that came just before it (Link copied)', async () => {
    const { store, client } = setup();
    const env: SyncEnv = { location: { hash: '', pathname: '/', search: '' }, history: { replaceState: () => {} }, storage: null, addEventListener: () => {}, root: null };
    const stop = await bootApp(store, client, env);
    await store.getState().openPreset('pf-smep');
    store.getState().setNotice('Link copied to the clipboard.');
    await new Promise((r) => setTimeout(r, 300));
    stop();
    expect(store.getState().notice).toBe('Link copied to the clipboard.');
  });
});

describe('classroom', () => {
  it('the picker opens a preset at reference 0; a link keeps the step it was made at', async () => {
    const { store, client } = await booted();
    await store.getState().openPreset('lm4-2m');
    expect(store.getState().step).toBe(0);
    expect(store.getState().trace?.steps).toHaveLength(3);
    store.getState().setStep(2);
    await idle();
    const frag = (await client.fragment()).link;
    const other = await booted('#' + frag);
    expect(other.store.getState().step).toBe(2);
    expect(other.store.getState().doc?.presetId).toBe('lm4-2m');
  });

  it('every step asks the camera for the step’s view; a new document for its first view; Fit for the whole drawing', async () => {
    const { store } = await booted();
    const s = () => store.getState();
    await s().openPreset('lm4-4k');
    expect(s().camera.kind).toBe('open');
    const seq = s().camera.seq;
    s().nextStep();
    expect(s().camera).toEqual({ kind: 'step', seq: seq + 1 });
    s().requestFit();
    expect(s().camera.kind).toBe('whole');
    s().setPresenting(true);
    expect(s().presenting).toBe(true);
    expect(s().camera.kind).toBe('step');
  });

  it('text size steps through its range and stops at the ends; sync remembers it', async () => {
    const { store, client } = setup();
    const saved = new Map<string, string>();
    const env: SyncEnv = {
      location: { hash: '', pathname: '/', search: '' },
      history: { replaceState: () => {} },
      storage: { getItem: (k) => saved.get(k) ?? null, setItem: (k, v) => void saved.set(k, v) },
      addEventListener: () => {},
      root: null,
    };
    const stop = await bootApp(store, client, env);
    const s = () => store.getState();
    expect(s().textScale).toBe(1);
    while (s().stepTextScale(1));
    expect(s().textScale).toBe(2);
    expect(s().stepTextScale(1)).toBe(false);
    s().stepTextScale(-1);
    expect(saved.get('pagoda.textScale')).toBe('1.75');
    stop();
    const again = setup();
    const stop2 = await bootApp(again.store, again.client, env);
    expect(again.store.getState().textScale).toBe(1.75);
    stop2();
  });

  it('under a shadow MMU, quick steps add up: three presses before any answer run three operations', async () => {
    const { store } = await booted();
    await store.getState().openPreset('shadow-first-touch');
    const s = () => store.getState();
    s().nextStep();
    s().nextStep();
    s().nextStep();
    await s().goStep(3);
    for (let i = 0; i < 20 && s().ops!.at !== 3; i++) await idle();
    expect(s().ops!.at).toBe(3);
    s().prevStep();
    s().prevStep();
    for (let i = 0; i < 20 && s().ops!.at !== 1; i++) await idle();
    expect(s().ops!.at).toBe(1);
  });
});

describe('teaching in the store', () => {
  it('predict mode: Next and End wait for each answer; a right answer lets the walk on; the result waits for the outcome', async () => {
    const { store } = await booted();
    const s = () => store.getState();
    await s().openPreset('lm4-4k');
    s().setPredict(true);
    expect(s().step).toBe(0);
    s().nextStep();
    expect(s().step).toBe(0);
    s().setStep(4);
    expect(s().step).toBe(0);
    const wrong = await s().answerIndex(0, '1ff');
    expect(wrong).toMatchObject({ readable: true, right: false });
    s().nextStep();
    expect(s().step).toBe(1);
    expect((await s().answerIndex(1, 'e8'))?.right).toBe(true);
    s().nextStep();
    s().nextStep();
    expect(s().step).toBe(2);
    const unreadable = await s().answerIndex(2, 'zz');
    expect(unreadable?.readable).toBe(false);
    expect(s().answered(2)).toBe(false);
  });

  it('a quiz link at boot starts the quiz over the saved work; a bad one is alerted and starts nothing', async () => {
    const persist = new MemoryPersist();
    const first = await booted('', persist);
    await first.store.getState().openPreset('pae');
    await first.client.whenSaved();
    const t = setup(persist);
    const env: SyncEnv = { location: { hash: '#quiz.ec.7.4', pathname: '/', search: '' }, history: { replaceState: () => {} }, storage: null, addEventListener: () => {}, root: null };
    const stop = await bootApp(t.store, t.client, env);
    expect(t.store.getState().doc?.presetId).toBe('pae');
    expect(t.store.getState().quiz?.view.questions).toHaveLength(4);
    expect(t.store.getState().quiz?.view.seed).toBe(7);
    stop();
    const u = setup(persist);
    const stop2 = await bootApp(u.store, u.client, { ...env, location: { ...env.location, hash: '#quiz.nope.7.4' } });
    expect(u.store.getState().quiz).toBeNull();
    expect(u.store.getState().alert?.field).toBe('quiz.topic');
    stop2();
  });

  it('an embed takes its theme and text size from its address, and neither reads nor writes the saved preferences', async () => {
    expect(embedParams('?embed&theme=dark&text=1.3')).toEqual({ theme: 'dark', text: 1.3 });
    expect(embedParams('?embed=&theme=purple&text=abc')).toEqual({ theme: null, text: null });
    expect(embedParams('?theme=dark')).toBeNull();
    const { store, client } = setup();
    store.getState().setEmbedded(true);
    const touched: string[] = [];
    const env: SyncEnv = {
      location: { hash: '', pathname: '/', search: '?embed&theme=dark&text=1.5' },
      history: { replaceState: () => {} },
      storage: { getItem: (k) => (touched.push(`get ${k}`), k === 'pagoda.theme' ? 'light' : null), setItem: (k) => void touched.push(`set ${k}`) },
      addEventListener: () => {},
      root: null,
      embed: embedParams('?embed&theme=dark&text=1.5'),
    };
    const stop = await bootApp(store, client, env);
    expect(store.getState().theme).toBe('dark');
    expect(store.getState().textScale).toBe(1.5);
    store.getState().setTheme('light');
    store.getState().stepTextScale(1);
    expect(touched).toEqual([]);
    stop();
  });
});
