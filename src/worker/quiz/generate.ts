/**
 * Quizzes: `makeQuiz(topic, seed, count)` draws `count` questions over random
 * scenarios of a topic; every answer comes from the engine (a walk's pa, ec
 * or reference count; the shadow MMU's zapped pages). Deterministic for
 * (topic, seed): question n depends only on (topic, seed, n), so a longer quiz
 * starts with the same questions, and a seed in a link gives the whole class
 * the same quiz. The variants (mode, fault kind, …) are dealt from a shuffled
 * deck per seed, so five questions cover five different cases.
 */
import { retitled } from './doc';
import { Rng, mix, seedWord } from './rng';
import { EC_VARIANTS, makeEc } from './topic-ec';
import { PA_VARIANTS, makePa } from './topic-pa';
import { REFS2D_VARIANTS, makeRefs2d } from './topic-refs2d';
import { ZAP_VARIANTS, makeZap } from './topic-zap';
import type { Question, QuestionBody, Quiz, QuizTopic } from './types';

interface TopicDef {
  salt: number;
  title: string;
  variants: readonly string[];
  make(rng: Rng, variant: string): QuestionBody | null;
}

export const TOPICS: Record<QuizTopic, TopicDef> = {
  pa: { salt: 0x7061, title: 'Which physical address?', variants: PA_VARIANTS, make: makePa },
  ec: { salt: 0x6563, title: 'Which error code?', variants: EC_VARIANTS, make: makeEc },
  refs2d: { salt: 0x7232, title: 'How many references in this 2D walk?', variants: REFS2D_VARIANTS, make: makeRefs2d },
  zap: { salt: 0x7a70, title: 'Which shadow pages does this store zap?', variants: ZAP_VARIANTS, make: makeZap },
};

/** Draws a question may take before giving up (a draw is refused when the engine's outcome is not the topic's kind). */
const ATTEMPTS = 60;

/** The variant of each question, dealt from a deck shuffled per seed. */
export function quizVariants(topic: QuizTopic, seed: number, count: number): string[] {
  const def = TOPICS[topic];
  const deck = new Rng(mix(def.salt, seedWord(seed), 0xdeca)).shuffle(def.variants);
  return Array.from({ length: count }, (_, n) => deck[n % deck.length]);
}

/** Question `n` (0-based) of the quiz (topic, seed). */
export function makeQuestion(topic: QuizTopic, seed: number, n: number): Question {
  const def = TOPICS[topic];
  if (!def) throw new RangeError(`unknown quiz topic "${String(topic)}"`);
  const variant = quizVariants(topic, seed, n + 1)[n];
  const rng = new Rng(mix(def.salt, seedWord(seed), n));
  for (let k = 0; k < ATTEMPTS; k++) {
    const body = def.make(rng, variant);
    if (body === null) continue;
    const title = `Quiz “${def.title}” seed ${seed}, question ${n + 1}`;
    return { id: `${topic}-${seed}-${n + 1}`, topic, ...body, doc: retitled(body.doc, title) };
  }
  throw new Error(`quiz ${topic} seed ${seed}: no valid ${variant} question in ${ATTEMPTS} draws`);
}

export function makeQuiz(topic: QuizTopic, seed: number, count = 5): Quiz {
  if (!Number.isInteger(count) || count < 1 || count > 50) throw new RangeError('a quiz has 1 to 50 questions');
  const def = TOPICS[topic];
  if (!def) throw new RangeError(`unknown quiz topic "${String(topic)}"`);
  return { topic, seed, title: def.title, questions: Array.from({ length: count }, (_, n) => makeQuestion(topic, seed, n)) };
}
