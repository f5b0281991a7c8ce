import { describe, expect, it } from 'vitest';
import { traceWalk } from '../../engine';
import { presetById } from '../../presets';
import { QUIZ_TOPICS, checkPrediction, checkQuizAnswer, makeQuiz, revealPrediction } from '.';

describe('the quiz API, as the UI uses it', () => {
  it('makes a quiz per topic and checks its own answers right', () => {
    for (const topic of QUIZ_TOPICS) {
      const quiz = makeQuiz(topic, 123, 2);
      for (const q of quiz.questions) {
        expect(checkQuizAnswer(q, q.answer)).toMatchObject({ right: true, readable: true, expected: q.answerText, explain: q.explain });
        expect(q.doc.view).toEqual({ step: -1 });
      }
    }
  });

  it('predict mode over a walk: each index, then the outcome', () => {
    const { scenario, access } = presetById('lm4-4k')!.build();
    const t = traceWalk(scenario, access);
    const score = t.steps.filter((s, k) => checkPrediction(t, k, { kind: 'index', index: s.index.toString(16) }).right).length;
    expect(score).toBe(t.steps.length);
    expect(checkPrediction(t, 'outcome', { kind: 'ok', pa: t.outcome.pa! }).right).toBe(true);
    expect(revealPrediction(t, 0).expected).toBe('PML4[0xfe] (index 254 in decimal)');
  });
});
