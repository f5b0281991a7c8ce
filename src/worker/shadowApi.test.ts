import { describe, expect, it } from 'vitest';
import type { Access, Scenario } from '../engine';
import { presetById } from '../presets';
import { createShadowApi, type GuestHost } from './shadowApi';
import type { Snapshot } from './types';

/** A stand-in for the main session: holds one document and records what the shadow API adopts. */
function host(id = 'lm4-4k') {
  const { scenario, access } = presetById(id)!.build();
  const doc = { id, title: 'T', scenario, access };
  const adopted: { id: string; scenario: Scenario; access: Access }[] = [];
  const h: GuestHost = {
    current: () => doc,
    adopt: (d) => {
      adopted.push(d);
      Object.assign(doc, d);
      return { rev: adopted.length } as unknown as Snapshot;
    },
  };
  return { h, doc, adopted };
}

describe('shadow API', () => {
  it('Shadow paging runs the open guest; the document follows the guest memory (A/D set by KVM)', () => {
    const { h, doc, adopted } = host();
    const api = createShadowApi(h);
    const r = api.shadowStart('shadow');
    if (!r.ok) throw new Error(r.problem.message);
    expect(r.value.shadow!.mode).toBe('shadow');
    expect(adopted).toHaveLength(1);
    const va = '0x' + (doc.access.va.hi * 2 ** 32 + doc.access.va.lo).toString(16);
    const a = api.shadowRun({ kind: 'access', va, op: 'write', cpl: 0 });
    if (!a.ok) throw new Error(a.problem.message);
    expect(a.value.shadow!.counters.exits).toBe(1);
    // The adopted scenario has the dirty flag the guest walk set in the PTE.
    const pte = a.value.shadow!.last!.guestWalk!.at(-1)!;
    const addr = Number(BigInt(pte.table.split(' ').at(-1)!) + BigInt(pte.index * 8));
    expect(doc.scenario.memory.read32(addr) & 0x40).toBe(0x40);
  });

  it('an EPT scenario runs under shadow paging with EPT removed', () => {
    const { h, doc } = host('ept-4x4');
    const r = createShadowApi(h).shadowStart('shadow');
    if (!r.ok) throw new Error(r.problem.message);
    expect(doc.scenario.ept).toBeNull();
  });

  it('Nested EPT opens the default nested preset; a shadow preset id reopens its preset', () => {
    const { h, doc } = host();
    const api = createShadowApi(h);
    const n = api.shadowStart('nested');
    if (!n.ok) throw new Error(n.problem.message);
    expect(n.value.shadow!.nested).toMatchObject({ ept01: 5, ept02: 4 });
    expect(doc.id).toBe('nested-ept4-host5');
    const p = api.shadowPreset('shadow-cr3-switch');
    if (!p.ok) throw new Error(p.problem.message);
    expect(p.value.shadow!.spaces).toHaveLength(2);
    const again = api.shadowStart('shadow');
    if (!again.ok) throw new Error(again.problem.message);
    expect(again.value.shadow!.script.ops.length).toBe(5); // the preset, with its script
    const fresh = api.shadowStart('shadow', true);
    if (!fresh.ok) throw new Error(fresh.problem.message);
    expect(fresh.value.shadow!.script.ops).toEqual([]);
    expect(api.shadowPreset('nope').ok).toBe(false);
  });
});
