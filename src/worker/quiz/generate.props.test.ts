import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeQuestion } from './generate';
import { engineAnswer, expectValid } from './testkit';
import { QUIZ_TOPICS, type QuizTopic } from './types';

/** The canonical answer's shape per kind. */
const SHAPE: Record<QuizTopic, RegExp> = { pa: /^0x[0-9a-f]+$/, ec: /^0x[0-9a-f]+$/, refs2d: /^[1-9]\d*$/, zap: /^(none|\d+(, \d+)*)$/ };

describe('generated questions, over many seeds', () => {
  for (const topic of QUIZ_TOPICS) {
    it(`'${topic}': every case is valid and answerable, and its answer is the engine's`, () => {
      fc.assert(
        fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 11 }), (seed, n) => {
          const q = makeQuestion(topic, seed, n);
          expectValid(q);
          expect(q.answer).toMatch(SHAPE[topic]);
          expect(engineAnswer(q)).toBe(q.answer);
          expect(q.explain.length).toBeGreaterThan(40);
          for (const t of q.traps) expect(t.answer).not.toBe(q.answer);
          if (q.answerKind === 'set') expect(q.choices!.length).toBeGreaterThan(0);
        }),
        { numRuns: 40 },
      );
    });
  }
});
