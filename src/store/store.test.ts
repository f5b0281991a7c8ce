/**
 * The store against the real worker API called in-process (no Worker in node):
 * intents → client → session → engine, as in the app.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApi } from '../worker/api';
import { makeClient } from '../worker/client';
import { createAppStore } from './index';
import { parseVa } from './docSlice';
import { boot, startSync, type SyncEnv } from './sync';

function setup() {
  const client = makeClient(createApi());
  const store = createAppStore({ client });
  return { client, store };
}

async function booted(hash = '', saved: string | null = null) {
  const t = setup();
  await t.store.getState().boot(hash, saved);
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

  it('accepts 0x, underscores and upper case in the address; explains bad input', () => {
    expect(parseVa('0X7F3A_1B2C_5123', 48)).toEqual({ va: '0x7f3a1b2c5123' });
    expect(parseVa('ffff8880_00000000', 48)).toEqual({ va: '0xffff888000000000' });
    expect('error' in parseVa('0xzz', 48)).toBe(true);
    expect('error' in parseVa('0x1_0000_0000', 32)).toBe(true);
    expect('error' in parseVa('0x11112222333344445', 48)).toBe(true);
  });

  it('translate runs the typed address; a non-canonical one is #GP', async () => {
    const { store } = await booted();
    store.getState().setDraftVa('0x0000_8000_0000_0000');
    await store.getState().translate();
    expect(store.getState().trace?.outcome.outcome).toBe('gp');
    expect(store.getState().trace?.steps).toHaveLength(0);
    store.getState().setDraftVa('nope');
    expect(store.getState().vaError).toMatch(/not hex/);
  });

  it('LA57 adds one reference to the same physical address, and off removes it', async () => {
    const { store } = await booted();
    const pa = store.getState().trace!.outcome.pa;
    expect(await store.getState().edit({ kind: 'la57', on: true })).toBe(true);
    expect(store.getState().doc?.cpu.paging).toBe('5');
    expect(store.getState().trace?.steps).toHaveLength(5);
    expect(store.getState().trace?.outcome.pa).toBe(pa);
    await store.getState().edit({ kind: 'la57', on: false });
    expect(store.getState().trace?.steps).toHaveLength(4);
    expect(store.getState().trace?.outcome.pa).toBe(pa);
  });

  it('EPT on gives the 24-reference 2D walk with GPA ≠ HPA; EPT5 makes it 29', async () => {
    const { store } = await booted();
    const gpa = store.getState().trace!.outcome.pa!;
    await store.getState().edit({ kind: 'virtualization', mode: 'ept' });
    const t = store.getState().trace!;
    expect(t.steps).toHaveLength(24);
    expect(t.outcome.outcome).toBe('ok');
    expect(t.outcome.pa).not.toBe(gpa);
    expect(store.getState().layout?.nodes.some((n) => n.tree === 'ept')).toBe(true);
    await store.getState().edit({ kind: 'ept5', on: true });
    expect(store.getState().trace?.steps).toHaveLength(29);
    await store.getState().edit({ kind: 'la57', on: true });
    expect(store.getState().trace?.steps).toHaveLength(35);
    await store.getState().edit({ kind: 'virtualization', mode: 'none' });
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
      expect(store.getState().doc?.id).toBe(p.id);
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
    await store.getState().edit({ kind: 'la57', on: true });
    store.getState().setDraftVa('0xffff_8880_0000_1000');
    await store.getState().translate();
    store.getState().setStep(2);
    const frag = await client.fragment({ step: 2 });
    const other = await booted('#' + frag);
    const s = other.store.getState();
    expect(s.doc?.cpu.paging).toBe('5');
    expect(s.doc?.access.va).toBe('0xffff888000001000');
    expect(s.step).toBe(2);
    expect(s.trace?.outcome).toEqual(store.getState().trace?.outcome);

    const bad = await booted('#v1.garbage!!');
    expect(bad.store.getState().alert?.message).toMatch(/link\.data/);
    expect(bad.store.getState().trace?.steps).toHaveLength(4);
  });

  it('a link taken under shadow paging reopens the shadow MMU on the same guest', async () => {
    const { store, client } = await booted();
    expect(await store.getState().startShadow('shadow')).toBe(true);
    const frag = await client.fragment({ step: -1, virt: 'shadow' });
    const other = await booted('#' + frag);
    expect(other.store.getState().shadow?.mode).toBe('shadow');
    expect(other.store.getState().doc?.access.va).toBe(store.getState().doc?.access.va);
    const plain = await booted('#' + (await client.fragment({ step: -1 })));
    expect(plain.store.getState().shadow).toBeNull();
  });

  it('imports every public walk vector case (all of walk-public.jsonl); a bad file names the field', async () => {
    const { store } = await booted();
    const lines = readFileSync(path.resolve(__dirname, '../../../shared/vectors/walk-public.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      expect(await store.getState().importFile(line, 'case.json')).toBe(true);
      const c = JSON.parse(line);
      expect(store.getState().trace?.outcome.outcome).toBe(c.expect.outcome);
      expect(store.getState().trace?.steps).toHaveLength(c.expect.refs.length);
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

  it('sync writes the link to the URL and local storage; boot restores the last scenario', async () => {
    const { store, client } = await booted();
    const storage = new Map<string, string>();
    let url = '';
    const env: SyncEnv = {
      location: { hash: '' },
      history: { replaceState: (_a, _b, u) => void (url = String(u)) },
      storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
      addEventListener: () => {},
      root: null,
    };
    const stop = startSync(store, client, env);
    await store.getState().openPreset('pf-smep');
    await new Promise((r) => setTimeout(r, 300));
    stop();
    expect(url).toMatch(/^#v1\./);
    expect(storage.get('pagoda.last')).toBe(url.slice(1));
    const fresh = setup();
    await boot(fresh.store, env);
    expect(fresh.store.getState().doc?.id).toBe('pf-smep');
  });
});
