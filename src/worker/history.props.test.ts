/**
 * Properties of the one document and its history, over random sequences of
 * edits, toggles, mode switches, shadow operations, script steps and opens:
 * a refused change changes nothing; Undo walks back through exactly the
 * states shown and Redo forward again; a link and a reload of any state
 * reproduce it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryPersist } from './persist';
import { headless, summary } from './testkit';
import type { Intent, Snapshot } from './types';

/** Commands, resolved against the current snapshot when run (entry edits need its drawing). */
type Cmd = { intent: Intent } | { preset: string } | { flipBit: number; ref: number };

const FLAGS = ['wp', 'pse', 'nxe', 'smep', 'smap', 'ac', 'pke', 'gbpages'] as const;
const VAS = ['0x7f3a1b2c5123', '0x601234', '0xffff888012345678', '0x8000000000', '0x40201234'];
const PRESETS = ['lm4-4k', 'pae', 'm32-4m', 'ept-4x4', 'shadow-pte-edit', 'shadow-cr3-switch', 'nested-2020-hang', 'nested-ept4-host5', 'la57-kernel'];

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ k: fc.constantFrom(...FLAGS), on: fc.boolean() }).map(({ k, on }) => ({ intent: { t: 'cpu', cpu: { [k]: on } } as Intent })),
  fc.integer({ min: 30, max: 53 }).map((m) => ({ intent: { t: 'cpu', cpu: { maxphyaddr: m } } as Intent })),
  fc.constantFrom('32', 'pae', '4', '5').map((p) => ({ intent: { t: 'paging', paging: p } as Intent })),
  fc.boolean().map((on) => ({ intent: { t: 'la57', on } as Intent })),
  fc.constantFrom('none', 'ept', 'shadow', 'nested').map((mode) => ({ intent: { t: 'virt', mode } as Intent })),
  fc.boolean().map((on) => ({ intent: { t: 'ept5', on } as Intent })),
  fc.boolean().map((ad) => ({ intent: { t: 'ept', ept: { ad } } as Intent })),
  fc.record({ op: fc.constantFrom('read', 'write', 'fetch'), cpl: fc.constantFrom(0, 3), implicit: fc.boolean() }).map((a) => ({ intent: { t: 'access', access: a } as Intent })),
  fc.constantFrom(...VAS).map((va) => ({ intent: { t: 'access', access: { va } } as Intent })),
  fc.record({ va: fc.constantFrom(...VAS), op: fc.constantFrom('read', 'write', 'fetch'), cpl: fc.constantFrom(0, 3) }).map(({ va, op, cpl }) => ({ intent: { t: 'op', op: { k: 'access', va, op, cpl, implicit: false } } as Intent })),
  fc.constantFrom(...VAS).map((va) => ({ intent: { t: 'op', op: { k: 'invlpg', va } } as Intent })),
  fc.integer({ min: 0, max: 1 }).map((space) => ({ intent: { t: 'op', op: { k: 'cr3', space } } as Intent })),
  fc.constant({ intent: { t: 'op', op: { k: 'invept' } } as Intent }),
  fc.integer({ min: 0, max: 6 }).map((at) => ({ intent: { t: 'seek', at } as Intent })),
  fc.constantFrom(...PRESETS).map((preset) => ({ preset })),
  fc.record({ flipBit: fc.constantFrom(0, 1, 2, 5, 7, 63), ref: fc.integer({ min: 0, max: 40 }) }),
);

/** Run a command; answers the new snapshot, or null when it was refused. */
function run(h: ReturnType<typeof headless>, cur: Snapshot, c: Cmd): Snapshot | null {
  if ('preset' in c) {
    const r = h.api.openPreset(c.preset);
    return r.ok ? r.value : null;
  }
  let intent: Intent;
  if ('flipBit' in c) {
    const t = cur.targets[c.ref % Math.max(1, cur.targets.length)];
    if (!t || cur.ops) return null;
    const st = cur.trace.steps[c.ref % cur.targets.length];
    const v = BigInt(st.value) ^ (1n << BigInt(c.flipBit));
    if (st.value.length <= 10 && c.flipBit > 31) return null;
    intent = { t: 'entry', tableId: t.tableId, index: t.index, value: '0x' + v.toString(16) };
  } else intent = c.intent;
  const r = h.api.act(intent);
  return r.ok ? r.value : null;
}

describe('one document, one history (properties)', () => {
  it('a refused change changes nothing; Undo reaches exactly the states shown, back to the first; Redo all reaches the last', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRESETS), fc.array(cmd, { minLength: 1, maxLength: 12 }), (first, cmds) => {
        const h = headless();
        let cur = h.preset(first);
        const shown: unknown[] = [summary(cur)];
        for (const c of cmds) {
          const before = summary(cur);
          const next = run(h, cur, c);
          if (next === null) {
            expect(summary(h.api.snapshot())).toEqual(before);
            continue;
          }
          cur = next;
          if (cur.history.at === shown.length + 1) shown.push(summary(cur));
          else expect(summary(cur)).toEqual(shown[shown.length - 1]); // a change that changed nothing makes no entry
        }
        for (let k = shown.length - 2; k >= 0; k--) expect(summary(h.undo())).toEqual(shown[k]);
        expect(h.undo().canUndo).toBe(false);
        for (let k = 1; k < shown.length; k++) expect(summary(h.redo())).toEqual(shown[k]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('a link and a reload of any state reproduce it exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PRESETS), fc.array(cmd, { minLength: 1, maxLength: 10 }), fc.integer({ min: -1, max: 30 }), async (first, cmds, step) => {
        const persist = new MemoryPersist();
        const h = headless(persist);
        let cur = h.preset(first);
        for (const c of cmds) cur = run(h, cur, c) ?? cur;
        if (step <= cur.trace.steps.length) h.api.setView({ step });
        cur = h.api.snapshot();
        const want = summary(cur);
        const linked = headless().link(h.fragment());
        expect(summary(linked)).toEqual(want);
        await h.api.whenSaved();
        const b = await headless(persist).api.boot('', null);
        expect(summary(b.snapshot)).toEqual(want);
        expect(b.snapshot.history).toEqual(cur.history);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('an open that fails — a damaged link, a bad file — changes nothing: not the document, the history or the saved state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PRESETS),
        fc.array(cmd, { maxLength: 6 }),
        fc.constantFrom(...PRESETS),
        fc.record({ cut: fc.integer({ min: 1, max: 200 }), at: fc.nat(), ch: fc.constantFrom('A', '_', '-', '!', '%', 'z') }),
        async (first, cmds, other, damage) => {
          const persist = new MemoryPersist();
          const h = headless(persist);
          let cur = h.preset(first);
          for (const c of cmds) cur = run(h, cur, c) ?? cur;
          await h.api.whenSaved();
          const before = { shown: summary(h.api.snapshot()), history: h.api.snapshot().history, saved: JSON.stringify(persist.value) };
          const o = headless();
          o.preset(other);
          const good = o.fragment();
          // Damage the link: cut its end, or change one character of its data.
          const i = 3 + (damage.at % Math.max(1, good.length - 3));
          const bad = damage.cut % 2 ? good.slice(0, Math.max(3, good.length - damage.cut)) : good.slice(0, i) + damage.ch + good.slice(i + 1);
          const r = h.api.openLink(bad);
          const f = h.api.openFile(bad, 'damaged.json');
          expect(f.ok).toBe(false);
          await h.api.whenSaved();
          if (!r.ok) {
            expect(r.problem.field).toMatch(/^link/);
            expect({ shown: summary(h.api.snapshot()), history: h.api.snapshot().history, saved: JSON.stringify(persist.value) }).toEqual(before);
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
