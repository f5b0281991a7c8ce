/**
 * Quizzes: questions over scenarios generated for a topic; the same topic,
 * seed and count give every student the same quiz (Copy quiz link). Each
 * answer is checked by the worker, which computed it with the engine; a
 * question's walk opens in the app with Show the walk.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { QuizTopic } from '../../worker/quiz';
import type { Problem } from '../../worker/types';
import { useApp } from '../context';
import { Feedback } from './Feedback';

export const TOPICS: { id: QuizTopic; label: string }[] = [
  { id: 'pa', label: 'Which physical address?' },
  { id: 'ec', label: 'Which error code?' },
  { id: 'refs2d', label: 'How many references for this 2D walk?' },
  { id: 'zap', label: 'Which shadow pages does this store zap?' },
];

/** The link that gives a class this quiz. */
export const quizLink = (topic: string, seed: number, count: number) => `${location.origin}${location.pathname}${location.search}#quiz.${topic}.${seed}.${count}`;

function Setup() {
  const start = useApp((s) => s.startQuiz);
  const [topic, setTopic] = useState<QuizTopic>('pa');
  const [count, setCount] = useState('5');
  const [seed, setSeed] = useState(() => String(Math.floor(Math.random() * 1_000_000)));
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(await start(topic, seed === '' ? NaN : Number(seed), count.trim() === '' ? NaN : Number(count)));
  };
  const bad = (f: string) => (problem?.field === f ? true : undefined);
  return (
    <form onSubmit={(e) => void submit(e)} className="quiz-setup" noValidate>
      <label className="select">
        <span>Topic</span>
        <select value={topic} onChange={(e) => setTopic(e.target.value as QuizTopic)}>
          {TOPICS.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      <label className="select">
        <span>Questions</span>
        <input type="number" min={1} max={20} value={count} onChange={(e) => setCount(e.target.value)} aria-invalid={bad('quiz.count')} />
      </label>
      <label className="select">
        <span>Seed (the same seed, the same quiz)</span>
        <input className="mono" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value.replace(/\D/g, ''))} aria-invalid={bad('quiz.seed')} />
      </label>
      {problem && (
        <p className="field-error" role="alert">
          {problem.field === 'quiz.count' ? 'Questions' : problem.field === 'quiz.seed' ? 'Seed' : problem.field}: {problem.message}.
        </p>
      )}
      <p className="hint small">Copy quiz link, once it starts, gives everyone these questions: the same topic, seed and number.</p>
      <div className="button-group">
        <button type="submit" className="primary">
          Start quiz
        </button>
      </div>
    </form>
  );
}

function Question() {
  const quiz = useApp((s) => s.quiz)!;
  const answer = useApp((s) => s.answerQuiz);
  const go = useApp((s) => s.quizGo);
  const show = useApp((s) => s.showQuizWalk);
  const setOpen = useApp((s) => s.setQuizOpen);
  const setNotice = useApp((s) => s.setNotice);
  const q = quiz.view.questions[quiz.at];
  const res = quiz.results[quiz.at];
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText('');
    setChosen([]);
    setProblem(null);
  }, [quiz.at, quiz.view.seed]);
  const right = Object.values(quiz.results).filter((r) => r.right).length;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const given = q.answerKind === 'set' ? (chosen.length ? chosen.join(', ') : 'none') : text;
    const r = await answer(quiz.at, given);
    setProblem(r && !r.readable ? (r.message ?? 'That answer cannot be read.') : null);
  };
  const copy = async () => {
    const link = quizLink(quiz.view.topic, quiz.view.seed, quiz.view.questions.length);
    try {
      await navigator.clipboard.writeText(link);
      setNotice('The quiz link is on the clipboard: everyone who opens it gets these questions.');
    } catch {
      setNotice(`The quiz link: ${link}`);
    }
  };
  return (
    <div className="quiz-question">
      <p className="small">
        {quiz.view.title} · question {quiz.at + 1} of {quiz.view.questions.length} · right {right} of {Object.keys(quiz.results).length}
      </p>
      <p className="question">{q.prompt}</p>
      <form onSubmit={(e) => void submit(e)}>
        {q.answerKind === 'set' ? (
          <fieldset className="quiz-choices">
            <legend className="small">Choose every one it zaps (none, if none)</legend>
            {q.choices!.map((c) => (
              <label key={c.id} className="check">
                <input type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, c.id] : chosen.filter((x) => x !== c.id))} />
                {c.label}
              </label>
            ))}
          </fieldset>
        ) : (
          <label className="predict-input">
            {q.answerKind === 'int' ? 'Your answer (a number)' : q.answerKind === 'bits' ? 'Your answer (hex, or bit names such as P W U)' : 'Your answer (hex)'}
            <input className="mono" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={problem !== null} spellCheck={false} autoComplete="off" />
          </label>
        )}
        {problem && <p className="field-error">{problem}</p>}
        <div className="button-group">
          <button type="submit" className="primary">
            Check
          </button>
        </div>
      </form>
      {res && <Feedback right={res.right} expected={res.expected} explain={res.explain} />}
      <div className="button-group quiz-nav">
        <button type="button" disabled={quiz.at === 0} onClick={() => go(quiz.at - 1)}>
          Previous question
        </button>
        <button type="button" disabled={quiz.at + 1 >= quiz.view.questions.length} onClick={() => go(quiz.at + 1)}>
          Next question
        </button>
        <button
          type="button"
          onClick={() => {
            setOpen(false);
            void show(quiz.at);
          }}
        >
          Show the walk
        </button>
        <button type="button" onClick={() => void copy()}>
          Copy quiz link
        </button>
      </div>
    </div>
  );
}

export function QuizDialog() {
  const open = useApp((s) => s.quizOpen);
  const quiz = useApp((s) => s.quiz);
  const setOpen = useApp((s) => s.setQuizOpen);
  const ref = useRef<HTMLDialogElement>(null);
  const [fresh, setFresh] = useState(false);
  // A quiz just started shows its first question.
  useEffect(() => setFresh(false), [quiz?.view.seed, quiz?.view.topic, quiz?.view.questions.length]);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="quiz-dialog" aria-labelledby="quiz-h" onClose={() => setOpen(false)}>
      <h2 id="quiz-h">Quiz</h2>
      {quiz && !fresh ? <Question /> : <Setup />}
      <div className="button-group">
        {quiz && (
          <button type="button" onClick={() => setFresh(!fresh)}>
            {fresh ? 'Back to the quiz' : 'Another quiz'}
          </button>
        )}
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </dialog>
  );
}
