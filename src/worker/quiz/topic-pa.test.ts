import { describe, expect, it } from 'vitest';
import { makeQuestion } from './generate';
import { engineAnswer, expectValid, walkOf } from './testkit';

const questions = Array.from({ length: 12 }, (_, s) => Array.from({ length: 6 }, (_, n) => makeQuestion('pa', s, n))).flat();

describe("quiz topic 'pa'", () => {
  it('asks for the address the engine computes, in every mode', () => {
    const modes = new Set<string>();
    for (const q of questions) {
      expectValid(q);
      const { s, t } = walkOf(q);
      expect(t.outcome.outcome).toBe('ok');
      expect(q.answer).toBe(engineAnswer(q));
      expect(q.answerKind).toBe('hex');
      modes.add(`${s.cpu.paging}${s.ept ? '+ept' : ''}:${t.outcome.size}`);
    }
    // 32-bit 4 KiB and 4 MiB, PAE, 4- and 5-level, and guests under EPT.
    for (const m of ['32:4096', '32:4194304', 'pae:4096', '4:4096', '5:4096']) expect(modes).toContain(m);
    expect([...modes].some((m) => m.includes('+ept'))).toBe(true);
    expect([...modes].some((m) => m.endsWith(':1073741824'))).toBe(true);
  });

  it('says which variant is which', () => {
    for (const q of questions) {
      const { s, t } = walkOf(q);
      if (q.variant === '32-pse') expect([s.cpu.paging, s.cpu.pse, t.outcome.size]).toEqual(['32', true, 4 * 2 ** 20]);
      if (q.variant === '32') expect([s.cpu.paging, t.outcome.size]).toEqual(['32', 4096]);
      if (['pae', '4', '5'].includes(q.variant)) expect([s.cpu.paging, s.ept]).toEqual([q.variant, null]);
    }
  });

  it('under EPT asks for the host-physical address and explains both steps', () => {
    const q = questions.find((x) => x.variant.startsWith('ept-'))!;
    expect(q.prompt).toMatch(/Which host-physical address/);
    expect(q.prompt).toMatch(/CR3 = guest-physical 0x/);
    expect(q.explain).toMatch(/EPT translates that last: .* = host-physical /);
    expect(q.traps.some((t) => /guest-physical address/.test(t.why))).toBe(true);
    expect(q.answerText).toMatch(/^host-physical 0x/);
  });

  it('explains from the trace: the index bits of every reference, then page + offset', () => {
    const q = questions.find((x) => x.variant === '4')!;
    const { t } = walkOf(q);
    for (const st of t.steps) expect(q.explain).toContain(`Bits ${st.indexBits[0]}:${st.indexBits[1]} of linear ${t.va} are 0x${st.index.toString(16)}`);
    expect(q.explain.split('\n').at(-1)).toMatch(new RegExp(`= physical ${q.answer}\\.$`));
  });
});
