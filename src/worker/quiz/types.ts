/**
 * Quiz data: plain JSON, so a quiz crosses the worker boundary and a question
 * can be shown, checked and opened in the app without the engine on the main
 * thread. Every answer was computed by the engine when the question was made.
 */
import type { Doc } from '../doc/types';

export type QuizTopic = 'pa' | 'ec' | 'refs2d' | 'zap';

export const QUIZ_TOPICS: readonly QuizTopic[] = ['pa', 'ec', 'refs2d', 'zap'];

/** How an answer is typed: a hex number, a whole number, error-code bits (names or hex), or a set of ids. */
export type AnswerKind = 'hex' | 'int' | 'bits' | 'set';

/** One item to choose from in a 'set' question. */
export interface QuizChoice {
  id: string;
  label: string;
}

/** A wrong answer people often give, and why it is wrong (shown when it is given). */
export interface QuizTrap {
  /** In the question's canonical form (as `answer`). */
  answer: string;
  why: string;
}

export interface Question {
  /** `<topic>-<seed>-<n>`: stable for (topic, seed, n). */
  id: string;
  topic: QuizTopic;
  /** What this question varies on (mode, fault kind, …), for the teacher and the tests. */
  variant: string;
  /** The question; every address names its space. */
  prompt: string;
  answerKind: AnswerKind;
  /** 'set' questions: the items to choose from. */
  choices?: QuizChoice[];
  /** Canonical answer: hex "0x3a5c123", int "24", bits "0x7", set "3, 5" or "none". */
  answer: string;
  /** The answer as a person reads it ("0x7 (P W U)", "#4 (level 2 …)"). */
  answerText: string;
  /** Why, from the engine's own trace or events. */
  explain: string;
  traps: QuizTrap[];
  /** Opens exactly this scenario in the app. */
  doc: Doc;
}

export interface Quiz {
  topic: QuizTopic;
  seed: number;
  title: string;
  questions: Question[];
}

/** What a topic's generator makes; generate.ts adds the id, topic and the document's title. */
export type QuestionBody = Omit<Question, 'id' | 'topic'>;
