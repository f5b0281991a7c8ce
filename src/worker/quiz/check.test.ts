import { describe, expect, it } from 'vitest';
import { checkQuizAnswer } from './check';
import { makeQuestion } from './generate';
import type { Question, QuizTopic } from './types';

/** The first question of a quiz whose variant matches (deterministic: same seeds every run). */
function find(topic: QuizTopic, test: (q: Question) => boolean): Question {
  for (let seed = 1; seed < 400; seed++) {
    for (let n = 0; n < 8; n++) {
      const q = makeQuestion(topic, seed, n);
      if (test(q)) return q;
    }
  }
  throw new Error('no such question');
}

const upper = (s: string) => s.toUpperCase().replace(/^0X/, '0x');

describe('checking quiz answers', () => {
  it('hex: right however it is typed, wrong with the bits that differ or the trap it fell into', () => {
    const q = find('pa', (x) => x.variant === '4' && BigInt(x.answer) > 0xfffn && (BigInt(x.answer) & 0xfffn) !== 0n);
    const a = q.answer;
    for (const typed of [a, upper(a), a.slice(2), `${a.slice(0, 5)}_${a.slice(5)}`]) expect(checkQuizAnswer(q, typed)).toMatchObject({ right: true, readable: true, expected: q.answerText });
    const off = checkQuizAnswer(q, '0x' + (BigInt(a) ^ 0x1000n).toString(16));
    expect(off).toMatchObject({ right: false, readable: true, message: expect.stringMatching(/differs from the answer in bit 12\.$/) });
    expect(off.explain).toBe(q.explain);
    const baseTrap = q.traps.find((t) => /^That is the page's base: add the offset/.test(t.why))!;
    expect(BigInt(baseTrap.answer)).toBeLessThan(BigInt(a));
    expect(checkQuizAnswer(q, upper(baseTrap.answer)).message).toBe(baseTrap.why);
    expect(checkQuizAnswer(q, '0x')).toMatchObject({ right: false, readable: false, message: 'no digits after 0x' });
    expect(checkQuizAnswer(q, '0xzz')).toMatchObject({ readable: false, message: '"z" is not a hex digit (0–9, a–f)' });
  });

  it('hex under EPT: the guest-physical address is a named trap', () => {
    const q = find('pa', (x) => x.variant.startsWith('ept-'));
    const trap = q.traps.find((t) => /guest-physical address/.test(t.why))!;
    expect(checkQuizAnswer(q, trap.answer)).toMatchObject({ right: false, readable: true, message: trap.why });
    expect(q.prompt).toMatch(/host-physical/);
  });

  it('int: right, wrong (the full-depth formula is a named trap), unreadable', () => {
    const q = find('refs2d', (x) => x.traps.some((t) => /counts every EPT walk at full depth/.test(t.why)));
    expect(checkQuizAnswer(q, ` ${q.answer} `)).toMatchObject({ right: true });
    const formula = q.traps.find((t) => /full depth/.test(t.why))!;
    expect(checkQuizAnswer(q, formula.answer)).toMatchObject({ right: false, readable: true, message: formula.why });
    const plain = checkQuizAnswer(q, String(Number(q.answer) + 100));
    expect(plain).toMatchObject({ right: false, message: `${Number(q.answer) + 100} is too many.` });
    expect(checkQuizAnswer(q, '2.5')).toMatchObject({ readable: false, message: 'a count is a whole number (no decimal point)' });
  });

  it('bits: names or hex; says which bits are missing or extra', () => {
    const q = find('ec', (x) => x.answer === '0x7');
    for (const typed of ['0x7', '7', 'P W U', 'u/s r/w p', 'P|W|U']) expect(checkQuizAnswer(q, typed)).toMatchObject({ right: true });
    expect(checkQuizAnswer(q, 'P U')).toMatchObject({ right: false, readable: true, message: '0x5: missing W (bit 1).' });
    expect(checkQuizAnswer(q, 'P W U I/D')).toMatchObject({ right: false, message: '0x17: I/D (bit 4) should be clear.' });
    expect(checkQuizAnswer(q, 'P W X')).toMatchObject({ readable: false, message: expect.stringMatching(/^"X" is not an error-code bit/) });
    expect(checkQuizAnswer(q, '0x47')).toMatchObject({ right: false, message: '0x47: bit 6 is not a page-fault error-code bit here.' });
  });

  it('set: any order, "none", and what is missing or extra', () => {
    const q = find('zap', (x) => x.answer.split(', ').length === 2);
    const [a, b] = q.answer.split(', ');
    expect(checkQuizAnswer(q, `#${b} #${a}`)).toMatchObject({ right: true });
    expect(checkQuizAnswer(q, `${a}`)).toMatchObject({ right: false, readable: true, message: `#${b} is zapped too.` });
    const other = q.choices!.find((c) => c.id !== a && c.id !== b)!.id;
    expect(checkQuizAnswer(q, `${a}, ${b}, ${other}`)).toMatchObject({ right: false, message: `#${other} is not zapped.` });
    expect(checkQuizAnswer(q, 'none')).toMatchObject({ right: false, message: `#${a}, #${b} are zapped too.` });
    expect(checkQuizAnswer(q, '999')).toMatchObject({ readable: false, message: expect.stringMatching(/^#999 is not among the choices/) });
    const empty = find('zap', (x) => x.answer === 'none');
    expect(checkQuizAnswer(empty, 'none')).toMatchObject({ right: true });
    expect(checkQuizAnswer(empty, '{}')).toMatchObject({ right: true });
    expect(checkQuizAnswer(empty, '')).toMatchObject({ readable: false, message: expect.stringMatching(/^no answer/) });
  });
});
