/**
 * The classroom slice: lessons (built in, or an instructor's file), predict
 * mode (before each reference the student says which entry it reads, at the
 * end what the CPU gets; the worker checks each answer against the walk and
 * explains a wrong one) and quizzes (questions over generated scenarios; the
 * answers stay in the worker until a student's answer is checked). Lessons
 * live in the document; a prediction's progress and a quiz's answers are the
 * student's, not the document's, so they are not in the history.
 */
import type { StateCreator } from 'zustand';
import type { CheckResult, PredictAnswer, PredictResult, QuizTopic } from '../worker/quiz';
import type { Problem, QuizView } from '../worker/types';
import type { AppState, Deps } from './types';

export type Checked = PredictResult & { revealed?: boolean };

export interface Predict {
  on: boolean;
  /** Answers to references (0-based index of the reference). */
  done: Record<number, Checked>;
  /** The answer about the outcome, once given or revealed. */
  outcome: Checked | null;
}

export interface QuizState {
  view: QuizView;
  /** The question shown. */
  at: number;
  results: Record<number, CheckResult>;
}

export interface ClassSlice {
  lessons: { id: string; title: string; stops: number }[];
  predict: Predict;
  quiz: QuizState | null;
  quizOpen: boolean;
  loadLessons(): Promise<void>;
  startLesson(id: string): Promise<boolean>;
  goStop(at: number): Promise<boolean>;
  leaveLesson(): Promise<boolean>;
  exportLesson(): Promise<string | null>;
  setPredict(on: boolean): void;
  /** Forget a prediction's progress (a new walk). */
  resetPredict(): void;
  answerIndex(at: number, text: string): Promise<Checked | null>;
  answerOutcome(given: PredictAnswer): Promise<Checked | null>;
  reveal(at: number | 'outcome'): Promise<void>;
  /** Has reference `at` (0-based) been answered or revealed? */
  answered(at: number): boolean;
  setQuizOpen(on: boolean): void;
  /** Start a quiz; the problem (a bad topic, seed or count) is returned for the quiz form, and alerted when `alert`. */
  startQuiz(topic: QuizTopic, seed: number, count: number, alert?: boolean): Promise<Problem | null>;
  answerQuiz(n: number, text: string): Promise<CheckResult | null>;
  quizGo(n: number): void;
  showQuizWalk(n: number): Promise<void>;
}

const FRESH: Predict = { on: false, done: {}, outcome: null };

export const createClassSlice =
  ({ client }: Deps): StateCreator<AppState, [], [], ClassSlice> =>
  (set, get) => ({
    lessons: [],
    predict: FRESH,
    quiz: null,
    quizOpen: false,

    async loadLessons() {
      set({ lessons: await client.lessons() });
    },

    async startLesson(id) {
      const r = await client.openLesson(id, 0);
      if (!r.ok) {
        get().showAlert({ field: r.problem.field, message: `That lesson cannot be opened: ${r.problem.field}: ${r.problem.message}.` }, 'lesson');
        return false;
      }
      return get().takeSnapshot(r.value);
    },

    async goStop(at) {
      const r = await client.lessonStop(at);
      if (!r.ok) {
        get().showAlert({ field: r.problem.field, message: `That stop cannot be opened: ${r.problem.field}: ${r.problem.message}.` }, 'lesson');
        return false;
      }
      return get().takeSnapshot(r.value);
    },

    async leaveLesson() {
      const r = await client.leaveLesson();
      return r.ok ? get().takeSnapshot(r.value) : false;
    },

    async exportLesson() {
      const r = await client.exportLesson();
      return r.ok ? r.value : null;
    },

    setPredict(on) {
      set({ predict: { ...FRESH, on } });
      // A prediction starts before the walk: nothing read, the outcome not shown.
      if (on && get().ops === null) {
        get().setStep(0);
        // The inspector would show the entry about to be asked for.
        void get().select(null);
      }
    },

    resetPredict() {
      set({ predict: { ...FRESH, on: get().predict.on } });
    },

    async answerIndex(at, text) {
      const hex = /^\s*(0x)?[0-9a-f]+\s*$/i.test(text) ? text.trim() : text;
      const r = await client.predict(at, { kind: 'index', index: hex });
      if (!r.ok) return null;
      const res: Checked = r.value;
      // An unreadable answer is not counted: the student types again.
      if (res.readable) set({ predict: { ...get().predict, done: { ...get().predict.done, [at]: res } } });
      return res;
    },

    async answerOutcome(given) {
      const r = await client.predict('outcome', given);
      if (!r.ok) return null;
      const res: Checked = r.value;
      if (res.readable) set({ predict: { ...get().predict, outcome: res } });
      return res;
    },

    async reveal(at) {
      const r = await client.reveal(at);
      if (!r.ok) return;
      const res: Checked = { right: false, readable: true, expected: r.value.expected, explain: r.value.explain, revealed: true };
      const p = get().predict;
      set({ predict: at === 'outcome' ? { ...p, outcome: res } : { ...p, done: { ...p.done, [at]: res } } });
    },

    answered(at) {
      return get().predict.done[at] !== undefined;
    },

    setQuizOpen(on) {
      set({ quizOpen: on });
    },

    async startQuiz(topic, seed, count, alert = false) {
      const r = await client.startQuiz(topic, seed, count);
      if (!r.ok) {
        if (alert) get().showAlert({ field: r.problem.field, message: `That quiz cannot be made: ${r.problem.field}: ${r.problem.message}. Nothing was changed.` }, 'quiz');
        return r.problem;
      }
      set({ quiz: { view: r.value, at: 0, results: {} }, quizOpen: true });
      return null;
    },

    async answerQuiz(n, text) {
      const r = await client.checkQuiz(n, text);
      const q = get().quiz;
      if (!r.ok || !q) return null;
      if (r.value.readable) set({ quiz: { ...q, results: { ...q.results, [n]: r.value } } });
      return r.value;
    },

    quizGo(n) {
      const q = get().quiz;
      if (q && n >= 0 && n < q.view.questions.length) set({ quiz: { ...q, at: n } });
    },

    async showQuizWalk(n) {
      const r = await client.openQuizQuestion(n);
      if (r.ok) get().takeSnapshot(r.value);
    },
  });

/** Right answers and answers given so far (reveals count as given, not as right). */
export function predictScore(p: Predict): { right: number; given: number } {
  const all = [...Object.values(p.done), ...(p.outcome ? [p.outcome] : [])];
  return { right: all.filter((x) => x.right && !x.revealed).length, given: all.length };
}
