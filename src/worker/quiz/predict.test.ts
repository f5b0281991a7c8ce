import { describe, expect, it } from 'vitest';
import { traceWalk, type Trace } from '../../engine';
import { presetById } from '../../presets';
import { checkPrediction, revealPrediction } from './predict';
import { accessOf } from './space';

function presetTrace(id: string, va?: bigint): Trace {
  const { scenario, access } = presetById(id)!.build();
  return traceWalk(scenario, va === undefined ? access : accessOf(va, access.op, access.cpl));
}

describe('predict mode', () => {
  const t = presetTrace('lm4-4k');

  it('checks each reference’s index, hex by default, decimal when the UI says so', () => {
    expect(checkPrediction(t, 1, { kind: 'index', index: 'e8' })).toMatchObject({ right: true, readable: true, expected: 'PDPT[0xe8] (index 232 in decimal)' });
    expect(checkPrediction(t, 1, { kind: 'index', index: '0xE8' })).toMatchObject({ right: true });
    expect(checkPrediction(t, 1, { kind: 'index', index: '232', radix: 10 })).toMatchObject({ right: true });
    expect(checkPrediction(t, 1, { kind: 'index', index: 232 })).toMatchObject({ right: true });
    const r = checkPrediction(t, 1, { kind: 'index', index: 'e9' });
    expect(r.right).toBe(false);
    expect(r.explain).toMatch(/^Bits 38:30 of linear 0x7f3a1b2c5123 are 0xe8, so PDPT\[0xe8\]\. PDPT\[0xe8\] at physical /);
    expect(r.message).toBe('0xe9 is not PDPT[0xe8]: bits 38:30 of linear 0x7f3a1b2c5123 are 0xe8, so PDPT[0xe8].');
  });

  it('explains a wrong index that belongs to another level, or to the other radix', () => {
    // 0xfe is the PML4 index (bits 47:39) given at the PDPT.
    expect(checkPrediction(t, 1, { kind: 'index', index: 'fe' }).message).toBe('0xfe is bits 47:39 of linear 0x7f3a1b2c5123, the PML4 index; the PDPT uses bits 38:30.');
    expect(checkPrediction(t, 3, { kind: 'index', index: '197', radix: 16 }).message).toBe('197 read as decimal would be right: indexes here are hex.');
  });

  it('says when an index cannot be read or cannot exist', () => {
    expect(checkPrediction(t, 0, { kind: 'index', index: '0x' })).toMatchObject({ right: false, readable: false, message: 'no digits after 0x' });
    expect(checkPrediction(t, 0, { kind: 'index', index: '2a', radix: 10 })).toMatchObject({ readable: false, message: expect.stringMatching(/is not a decimal index/) });
    expect(checkPrediction(t, 0, { kind: 'index', index: '200' })).toMatchObject({ readable: false, message: 'PML4 indexes run from 0 to 0x1ff (9 bits)' });
    expect(checkPrediction(t, 0, { kind: 'ok', pa: '0x1' })).toMatchObject({ readable: false });
    expect(() => checkPrediction(t, 4, { kind: 'index', index: '0' })).toThrow(RangeError);
  });

  it('EPT references: the index comes from the guest-physical address being translated', () => {
    const e = presetTrace('ept-4x4');
    const k = e.steps.findIndex((s) => s.kind === 'e' && s.target === 0 && s.level === 1);
    const r = checkPrediction(e, k, { kind: 'index', index: e.steps[k].index.toString(16) });
    expect(r.right).toBe(true);
    expect(r.explain).toMatch(/^Bits 20:12 of guest-physical 0x3a5c123 are 0x5c, so EPT PT\[0x5c\]\./);
    // The guest's own PT index (bits 20:12 of the linear address) is not the EPT PT's.
    const g = e.steps.findIndex((s) => s.kind === 'g' && s.level === 1);
    expect(checkPrediction(e, g, { kind: 'index', index: '5c' }).message).toBe('0x5c is not PT[0xc5]: bits 20:12 of linear 0x7f3a1b2c5123 are 0xc5, so PT[0xc5].');
  });

  it('checks a translation’s physical address, with what a wrong one is', () => {
    expect(checkPrediction(t, 'outcome', { kind: 'ok', pa: '0x3a5c123' })).toMatchObject({ right: true, expected: t.outcome.title });
    expect(checkPrediction(t, 'outcome', { kind: 'ok', pa: '0x3a5c000' }).message).toBe("0x3a5c000 is the page's base: add the offset, bits 11:0 of linear 0x7f3a1b2c5123.");
    expect(checkPrediction(t, 'outcome', { kind: 'ok', pa: '0x3a5d123' }).message).toBe('0x3a5d123 differs from the answer in bit 12.');
    const e = presetTrace('ept-4x4');
    expect(checkPrediction(e, 'outcome', { kind: 'ok', pa: '0x3a5c123' }).message).toBe(`0x3a5c123 is the guest-physical address; EPT maps it to host-physical ${e.outcome.pa}.`);
    expect(checkPrediction(t, 'outcome', { kind: 'pf', ec: '0x7' })).toMatchObject({ right: false, readable: true, message: expect.stringMatching(/^The walk ends with a translation, not a page fault/) });
  });

  it('checks a page fault’s error code bit by bit', () => {
    const p = presetTrace('pf-not-present');
    expect(checkPrediction(p, 'outcome', { kind: 'pf', ec: 'W U' })).toMatchObject({ right: true });
    const w = checkPrediction(p, 'outcome', { kind: 'pf', ec: '0x7' });
    expect(w.message).toBe('0x7 ≠ 0x6: P (bit 0) should be clear: not-present page.');
    expect(w.explain).toMatch(/^Page fault: PT\[0x1\] is not present/);
    expect(w.explain).toMatch(/Error code 0x6 = W\/R \(bit 1: write access\) \+ U\/S \(bit 2: user-mode access\)/);
    expect(checkPrediction(p, 'outcome', { kind: 'ok', pa: '0x1000' }).message).toMatch(/^The walk ends with a page fault, not a translation: PT\[0x1\] at physical 0x[0-9a-f]+ is not present/);
    expect(checkPrediction(p, 'outcome', { kind: 'pf', ec: 'P Q' })).toMatchObject({ readable: false });
  });

  it('#GP and EPT exits', () => {
    const gp = presetTrace('lm4-4k', 0x8000_0000_0000n);
    expect(checkPrediction(gp, 'outcome', { kind: 'gp' })).toMatchObject({ right: true, expected: '#GP(0): non-canonical address' });
    const v = presetTrace('ept-violation-table');
    const q = v.outcome.qual!;
    expect(checkPrediction(v, 'outcome', { kind: 'ept_violation', qual: q })).toMatchObject({ right: true });
    const off = checkPrediction(v, 'outcome', { kind: 'ept_violation', qual: '0x' + (Number(q) ^ 0x100).toString(16) });
    expect(off.message).toMatch(/^0x1ab ≠ 0xab: bit 8 \(final\) should be clear/);
    expect(checkPrediction(v, 'outcome', { kind: 'ept_misconfig' })).toMatchObject({ right: false, message: expect.stringMatching(/^The walk ends with an EPT violation, not an EPT misconfiguration/) });
    const m = presetTrace('ept-misconfig');
    expect(checkPrediction(m, 'outcome', { kind: 'ept_misconfig' })).toMatchObject({ right: true });
  });

  it('Reveal gives the answer and its explanation without an answer to check', () => {
    expect(revealPrediction(t, 1)).toEqual({ expected: 'PDPT[0xe8] (index 232 in decimal)', explain: checkPrediction(t, 1, { kind: 'index', index: 'e8' }).explain });
    const end = revealPrediction(t, 'outcome');
    expect(end.expected).toBe(t.outcome.title);
    expect(end.explain).toContain('0x3a5c000 + 0x123 = physical 0x3a5c123');
  });
});
