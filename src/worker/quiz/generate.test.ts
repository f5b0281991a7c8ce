import { describe, expect, it } from 'vitest';
import { headless } from '../testkit';
import { TOPICS, makeQuestion, makeQuiz, quizVariants } from './generate';
import { appAnswer, engineAnswer, expectValid } from './testkit';
import { QUIZ_TOPICS } from './types';

describe('makeQuiz', () => {
  it('is deterministic: the same (topic, seed, count) gives the same quiz', () => {
    for (const topic of QUIZ_TOPICS) expect(JSON.stringify(makeQuiz(topic, 2024))).toBe(JSON.stringify(makeQuiz(topic, 2024)));
  });

  it('varies with the seed', () => {
    for (const topic of QUIZ_TOPICS) {
      const prompts = new Set([1, 2, 3, 4, 5].map((s) => makeQuiz(topic, s, 3).questions.map((q) => q.prompt).join('|')));
      expect(prompts.size).toBe(5);
    }
  });

  it('question n does not depend on how many are asked (a longer quiz starts the same)', () => {
    const short = makeQuiz('pa', 77, 3);
    const long = makeQuiz('pa', 77, 8);
    expect(long.questions.slice(0, 3)).toEqual(short.questions);
    expect(makeQuestion('pa', 77, 2)).toEqual(short.questions[2]);
  });

  it('deals every variant before repeating one', () => {
    for (const topic of QUIZ_TOPICS) {
      const n = TOPICS[topic].variants.length;
      const v = quizVariants(topic, 9, n);
      expect(new Set(v).size).toBe(n);
      expect(quizVariants(topic, 9, 2 * n).slice(n)).toEqual(v);
    }
  });

  it('names each question and its scenario', () => {
    const q = makeQuiz('refs2d', 42, 2);
    expect(q.title).toBe('How many references in this 2D walk?');
    expect(q.questions.map((x) => x.id)).toEqual(['refs2d-42-1', 'refs2d-42-2']);
    const o = q.questions[1].doc.origin;
    expect(o.kind === 'case' && o.title).toBe('Quiz “How many references in this 2D walk?” seed 42, question 2');
  });

  it('accepts any safe integer seed and refuses what it cannot do', () => {
    expect(makeQuiz('ec', 0, 1).questions).toHaveLength(1);
    expect(makeQuiz('ec', -5, 1).questions[0].id).toBe('ec--5-1');
    expect(makeQuiz('ec', 2 ** 50, 1).questions).toHaveLength(1);
    expect(() => makeQuiz('ec', 1.5)).toThrow(/whole number/);
    expect(() => makeQuiz('ec', 1, 0)).toThrow(/1 to 50/);
    expect(() => makeQuiz('nope' as never, 1)).toThrow(/unknown quiz topic/);
  });

  it('every question’s document opens in the app and shows the same answer', () => {
    const h = headless();
    for (const topic of QUIZ_TOPICS) {
      for (const q of makeQuiz(topic, 31, TOPICS[topic].variants.length).questions) {
        expectValid(q);
        expect(appAnswer(h, q), q.id).toBe(q.answer);
        expect(engineAnswer(q), q.id).toBe(q.answer);
      }
    }
  });
});
