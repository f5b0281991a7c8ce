import { describe, expect, it } from 'vitest';
import { parseShadowCase } from '../../engine/shadow';
import { encodeLink } from '../../share/codec';
import { headless } from '../testkit';
import { shadowDoc } from './doc';
import { Rng } from './rng';
import { accessOp, caseOf, entryOf, entryWords, run, storeOp, zapWorld } from './zap-world';

describe('the guest of a zap question', () => {
  const w = zapWorld(new Rng(3), '4');

  it('maps region A and region B in two page tables under one page directory', () => {
    const ptA = entryOf(w, w.a[0], 1).tableBase;
    const ptB = entryOf(w, w.b[0], 1).tableBase;
    expect(ptA).not.toBe(ptB);
    expect(entryOf(w, w.a[0], 2).tableBase).toBe(entryOf(w, w.b[0], 2).tableBase);
    for (const va of w.a.slice(1)) expect(entryOf(w, va, 1).tableBase).toBe(ptA);
    const r = entryOf(w, w.a[0], 2);
    expect(entryWords(r, '4')).toBe(`entry 0x${r.index.toString(16)} of its PD at guest-physical 0x${r.tableBase.toString(16)}`);
  });

  it('writes a FORMAT.md shadow case whose ops say their address spaces', () => {
    const pte = entryOf(w, w.a[1], 1);
    const ops = [accessOp(w.a[0], 'read', 3), storeOp(pte.pa, 0n, entryWords(pte, '4'))];
    const c = caseOf(w, ops);
    const parsed = parseShadowCase(c);
    expect(parsed.ops.map((o) => o.op)).toEqual(['access', 'store']);
    expect(parsed.slots).toEqual([{ gpa: 0, hpa: w.hostOffset, size: 2 ** 40 }]);
    expect(ops[0].text).toMatch(/^a read of linear 0x[0-9a-f]+ at CPL 3$/);
    expect(ops[1].text).toMatch(/^a store of 0x0 to guest-physical 0x[0-9a-f]+ \(entry 0x[0-9a-f]+ of its PT at guest-physical 0x[0-9a-f]+\)$/);
  });

  it('runs the case as the app does: the same pages, the same zapped ones', () => {
    const pd = entryOf(w, w.a[0], 2);
    const spare = (i: number) => storeOp(pd.tableBase + 8 * ((pd.index + i) % 512), 0n, '');
    const ops = [accessOp(w.a[0], 'read', 3), spare(100), spare(101), spare(102)];
    const c = caseOf(w, ops);
    const r = run(c, 't');
    expect(r.after.zapped.length).toBeGreaterThan(0);
    // Only the last operation's events.
    expect(r.events[0].text).toMatch(/^exit: store to guest-physical/);
    expect(r.events.some((e) => /write flooding/.test(e.text))).toBe(true);
    const s = headless().link(encodeLink(shadowDoc(c, 't', ops.length)));
    expect(s.shadow!.zapped.map((p) => p.id)).toEqual(r.after.zapped.map((p) => p.id));
    expect(s.shadow!.pages.map((p) => p.id)).toEqual(r.after.pages.map((p) => p.id));
  });
});
