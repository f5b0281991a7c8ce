import { describe, expect, it } from 'vitest';
import { encodeLink } from '../../share/codec';
import { presetById } from '../../presets';
import { headless } from '../testkit';
import { caseDoc, retitled, shadowDoc } from './doc';

describe('quiz documents', () => {
  it('a walk case opens as the same walk, whole', () => {
    const { scenario, access } = presetById('lm4-4k')!.build();
    const d = caseDoc(scenario, access, 'Quiz');
    expect(d.origin.kind).toBe('case');
    expect(d.origin.kind === 'case' && 'expect' in d.origin.case).toBe(false);
    const s = headless().link(encodeLink(d));
    expect(s.doc.title).toBe('Quiz');
    expect(s.trace.outcome.pa).toBe('0x3a5c123');
    expect(s.view.step).toBe(-1);
  });

  it('a shadow case opens stepped to just after its last operation', () => {
    const c = {
      cpu: { paging: '4' as const, cr3: '0x1000', wp: true, pse: false, nxe: true, smep: false, smap: false, ac: false, pke: false, pkru: '0x0', maxphyaddr: 46, gbpages: true },
      host: { slots: [['0x0', '0x100000000', '0x40000000'] as [string, string, string]] },
      memory: { '0x1000': '0x2007', '0x2000': '0x3007', '0x3000': '0x4007', '0x4000': '0x5067' },
      ops: [{ op: 'access', va: '0x0', kind: 'read', cpl: 3 }, { op: 'store', gpa: '0x3008', value: '0x0' }],
    };
    const s = headless().link(encodeLink(shadowDoc(c, 'Zap quiz', 2)));
    expect(s.ops!.at).toBe(2);
    expect(s.shadow!.pages.length).toBeGreaterThan(0);
  });

  it('retitles cases only', () => {
    const d = caseDoc(presetById('lm4-4k')!.build().scenario, presetById('lm4-4k')!.build().access, 'a');
    const r = retitled(d, 'b');
    expect(r.origin.kind === 'case' && r.origin.title).toBe('b');
    const p = { origin: { kind: 'preset' as const, id: 'lm4-4k', v: 1 }, actions: [], view: { step: -1 } };
    expect(retitled(p, 'b')).toBe(p);
  });
});
