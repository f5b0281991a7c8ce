import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets';
import { SHADOW_PRESETS, shadowPresetById, type GuestOp } from '../presets/shadow';
import { ShadowSession } from './shadowSession';
import type { ShadowView } from './shadowTypes';

/** Open a shadow preset's setup in a fresh session. */
function open(id: string): { s: ShadowSession; script: GuestOp[] } {
  const p = shadowPresetById(id)!;
  const setup = p.build();
  const s = new ShadowSession();
  s.openSetup(setup, p.id, p.title);
  return { s, script: setup.script };
}

/** Run a preset's whole script, returning the view after each operation. */
function runAll(id: string): { s: ShadowSession; views: ShadowView[] } {
  const { s, script } = open(id);
  const views: ShadowView[] = [s.view()];
  for (const op of script) {
    s.runOp(op);
    views.push(s.view());
  }
  return { s, views };
}

const access = (va: bigint, op: 'read' | 'write' | 'fetch' = 'read', cpl: 0 | 3 = 3): GuestOp => ({ kind: 'access', va, op, cpl, note: '' });

const exitsOf = (a: ShadowView, b: ShadowView) => b.counters.exits - a.counters.exits;

describe('shadow session', () => {
  it('translating an address twice: an exit the first time, none the second', () => {
    const { s } = open('shadow-first-touch');
    const v0 = s.view();
    s.runOp(access(0x601234n));
    const v1 = { value: s.view() };
    s.runOp(access(0x601234n));
    const v2 = { value: s.view() };
    expect(exitsOf(v0, v1.value)).toBe(1);
    expect(exitsOf(v1.value, v2.value)).toBe(0);
    // The first time: the CPU's walk stops, KVM walks the guest's 4 tables, the retry reaches a leaf.
    const l1 = v1.value.last!;
    expect(l1.hardware!.at(-1)!.state).toBe('stop');
    expect(l1.guestWalk).toHaveLength(4);
    expect(l1.retry!.at(-1)!.state).toBe('leaf');
    expect(l1.retryVerdict).toMatch(/no exit/);
    // The second time: no guest walk, the hardware walk reaches the leaf.
    expect(v2.value.last!.guestWalk).toBeNull();
    expect(v2.value.last!.hardware!.map((h) => h.level)).toEqual([4, 3, 2, 1]);
    // Every exit event says "exit"; one listitem-worth of data per live page.
    const v = v2.value;
    expect(v.events.filter((e) => e.exit).every((e) => /exit/.test(e.text))).toBe(true);
    expect(v.pages).toHaveLength(v.counters.spAlive);
    expect(v.pages.every((p) => /Level \d/.test(p.summary) && p.summary.includes(p.gfn))).toBe(true);
  });

  it('links every indirect shadow page to the guest table it shadows', () => {
    const { views } = runAll('shadow-first-touch');
    const v = views.at(-1)!;
    for (const p of v.pages) {
      if (p.direct) continue;
      const t = v.guestTables.find((g) => g.id === p.guestTable);
      expect(t, `page #${p.id}`).toBeDefined();
      expect(t!.level).toBe(p.level);
      expect(t!.shadowedBy).toContain(p.id);
      expect(t!.writeProtected).toBe(true);
    }
  });

  it('reports pages created and zapped by the last operation', () => {
    const { views } = runAll('shadow-write-flood');
    const flood = views[5];
    expect(flood.zapped.map((p) => p.level)).toEqual([2]);
    expect(flood.events.some((e) => e.type === 'flood')).toBe(true);
    const rebuilt = views[6];
    expect(rebuilt.created.length).toBe(1); // the PD again; the unlinked PT page is found in the hash
    expect(rebuilt.zapped).toEqual([]);
  });

  it('reloads CR3 when there is one address space; a guest store goes through write tracking', () => {
    const { s } = open('shadow-first-touch');
    s.runOp({ kind: 'cr3', space: 0, note: '' });
    expect(s.view().counters.cr3Exits).toBe(1);
    expect(s.view().last!.title).toMatch(/reload/);
    s.runOp(access(0x601234n));
    const pd = s.view().guestTables.find((t) => t.level === 2)!;
    s.runOp({ kind: 'store', gpa: Number(pd.entries[0].addr), value: BigInt(pd.entries[0].value), note: '' });
    const v = s.view();
    expect(v.counters.trackedWriteExits).toBe(1);
    expect(v.events.some((e) => e.exit && /write-tracked/.test(e.text))).toBe(true);
  });

  it('an implicit supervisor access honours SMAP whatever EFLAGS.AC says', () => {
    const p = shadowPresetById('shadow-first-touch')!;
    const setup = p.build();
    setup.scenario = { ...setup.scenario, cpu: { ...setup.scenario.cpu, smap: true, ac: true } };
    const s = new ShadowSession();
    s.openSetup(setup, null, 't');
    const explicit = s.runOp({ kind: 'access', va: 0x601234n, op: 'read', cpl: 0, implicit: false, note: '' });
    expect(explicit.result).toMatchObject({ outcome: 'ok' });
    const implicit = s.runOp({ kind: 'access', va: 0x601234n, op: 'read', cpl: 0, implicit: true, note: '' });
    expect(implicit.result).toEqual({ outcome: 'pf', ec: 1 });
  });

  it('INVLPG says what KVM did: the SPTE of a changed PTE is dropped, not resynced', () => {
    const { views } = runAll('shadow-pte-edit');
    expect(views[4].last!.outcome).toMatch(/dropped 1 SPTE/);
    expect(views[4].events.some((e) => e.type === 'spte-drop')).toBe(true);
  });
});

describe('shadow presets do what their paragraphs say', () => {
  it('preset ids are unique', () => {
    expect(new Set([...PRESETS, ...SHADOW_PRESETS].map((p) => p.id)).size).toBe(PRESETS.length + SHADOW_PRESETS.length);
  });

  it('every preset has a title, a paragraph and a script', () => {
    expect(SHADOW_PRESETS.length).toBe(9);
    for (const p of SHADOW_PRESETS) {
      expect(p.paragraph.length).toBeGreaterThan(200);
      expect(runAll(p.id).views.length).toBeGreaterThan(1);
    }
  });

  it('first touch: four shadow pages, then no exit, then one exit for the first write', () => {
    const { views: v } = runAll('shadow-first-touch');
    expect(exitsOf(v[0], v[1])).toBe(1);
    expect(v[1].created).toHaveLength(3); // the root existed from the start
    expect(v[1].pages.map((p) => p.level).sort()).toEqual([1, 2, 3, 4]);
    expect(exitsOf(v[1], v[2])).toBe(0);
    expect(exitsOf(v[2], v[3])).toBe(1);
    expect(exitsOf(v[3], v[4])).toBe(0);
  });

  it('PTE edit: unsync, stale without INVLPG, fresh after', () => {
    const { views: v } = runAll('shadow-pte-edit');
    expect(v[2].pages.find((p) => p.level === 1)!.unsync).toBe(true);
    expect(v[3].last!.outcome).toContain('0x100201234'); // old frame 0x201000 + 4 GiB
    expect(exitsOf(v[2], v[3])).toBe(0);
    expect(v[4].counters.invlpgExits).toBe(1);
    expect(v[5].last!.outcome).toContain('0x100205234'); // the new frame 0x205000 + 4 GiB
  });

  it('CR3 switch: back to A is a root-cache hit and A needs no exit', () => {
    const { views: v } = runAll('shadow-cr3-switch');
    expect(v[2].counters.rootMisses).toBe(1);
    expect(v[4].counters.rootHits).toBe(1);
    expect(v[4].events.some((e) => /cached previous root/.test(e.text))).toBe(true);
    expect(exitsOf(v[4], v[5])).toBe(0);
    expect(v[4].spaces.find((s) => s.current)!.name).toBe('process A');
  });

  it('write flooding: the third PD store zaps the PD page', () => {
    const { views: v } = runAll('shadow-write-flood');
    expect(v[5].counters.trackedWriteExits).toBe(3);
    expect(v[5].counters.floods).toBe(1);
    expect(v[5].pages.some((p) => p.level === 2)).toBe(false);
    expect(v[6].pages.some((p) => p.level === 2)).toBe(true);
  });

  it('32-bit guest: four quadrant pages of one guest PD under a PAE root', () => {
    const { views: v } = runAll('shadow-32bit-quadrants');
    const roots = v[0].pages.filter((p) => p.root);
    expect(roots.map((p) => p.quadrant).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(roots.map((p) => p.guestTable)).size).toBe(1);
    expect(v[1].pages.some((p) => p.direct)).toBe(true);
    expect(v[1].last!.hardware![0].table).toMatch(/PAE root/);
  });

  it('PAE guest: stale until the CR3 reload, then #PF', () => {
    const { views: v } = runAll('shadow-pae-root');
    expect(v[0].pages.filter((p) => p.root)).toHaveLength(1);
    expect(v[4].last!.outcome).toMatch(/reaches host/);
    expect(v[6].last!.outcome).toMatch(/#PF/);
  });

  it('nested EPT, 4-level EPT12 on a 5-level host: depths 5/4/4, one EPT violation', () => {
    const { views: v } = runAll('nested-ept4-host5');
    expect(v[0].nested).toMatchObject({ ept01: 5, ept12: 4, ept02: 4, eptp02: 4 });
    expect(v[1].counters.eptViolationExits).toBe(1);
    expect(v[1].last!.guestWalk).toHaveLength(4);
    expect(exitsOf(v[1], v[2])).toBe(0);
    expect(v[1].pages.every((p) => /guest_mode/.test(p.role))).toBe(true);
  });

  it('nested EPT with EPT5 exposed: a 5-level EPT02', () => {
    const { views: v } = runAll('nested-ept5-exposed');
    expect(v[0].nested).toMatchObject({ ept12: 5, ept02: 5, eptp02: 5, ept5Exposed: true });
    expect(v[1].pages.map((p) => p.level)).toContain(5);
  });

  it('the 2020 hang: EPTP02 says 5, EPT02 has 4, L2 hangs; the stepper shows every table one level off', () => {
    const { views: v } = runAll('nested-2020-hang');
    expect(v[0].nested).toMatchObject({ ept02: 4, eptp02: 5 });
    expect(v[1].last!.outcome).toMatch(/hangs/);
    expect(v[1].counters.eptViolationExits).toBeGreaterThan(1);
    const hang = v[1].nested!.hang!;
    expect(hang.steps[0]).toMatchObject({ level: 5 });
    expect(hang.steps[0].note).toMatch(/really a level-4 table/);
  });
});
