/**
 * Predict mode: before each reference the student says which entry the walk
 * reads (the index, in hex); at the end, what the CPU gets. The worker checks
 * every answer against the walk the engine computed and explains a wrong one;
 * Reveal shows the answer (not counted as right).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { predictScore, type Checked } from '../../store/classSlice';
import type { PredictAnswer } from '../../worker/quiz';
import { useApp, useAppShallow } from '../context';
import { Feedback } from './Feedback';

const Verdict = ({ c }: { c: Checked }) => <Feedback right={c.right} revealed={c.revealed} expected={c.expected} explain={c.explain} />;

const KINDS: { id: PredictAnswer['kind']; label: string; field?: string }[] = [
  { id: 'ok', label: 'It reaches a physical address', field: 'Physical address' },
  { id: 'pf', label: 'A page fault, with error code', field: 'Error code' },
  { id: 'gp', label: 'A general-protection fault (#GP)' },
  { id: 'ept_violation', label: 'An EPT violation, with qualification', field: 'Exit qualification' },
  { id: 'ept_misconfig', label: 'An EPT misconfiguration' },
];

export function PredictPanel() {
  const { on, step, n, steps, done, outcome, shadow, ept } = useAppShallow((s) => ({
    on: s.predict.on,
    step: s.step,
    n: s.trace?.steps.length ?? 0,
    steps: s.trace?.steps ?? null,
    done: s.predict.done,
    outcome: s.predict.outcome,
    shadow: s.ops !== null,
    ept: (s.trace?.eptLevels ?? 0) > 0,
  }));
  const predict = useApp((s) => s.predict);
  const answerIndex = useApp((s) => s.answerIndex);
  const answerOutcome = useApp((s) => s.answerOutcome);
  const reveal = useApp((s) => s.reveal);
  const [text, setText] = useState('');
  const [kind, setKind] = useState<PredictAnswer['kind']>('ok');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText('');
    setProblem(null);
  }, [step, n]);
  if (!on || shadow || !steps) return null;
  const score = predictScore(predict);
  const last = step > 0 ? done[step - 1] : undefined;
  const atEnd = step >= n;
  const k = step;
  const next = steps[k];
  const check = async (e: FormEvent) => {
    e.preventDefault();
    let r: Checked | null;
    if (!atEnd) r = await answerIndex(k, text);
    else {
      const given: PredictAnswer =
        kind === 'ok' ? { kind, pa: text } : kind === 'pf' ? { kind, ec: text } : kind === 'ept_violation' ? { kind, qual: text } : kind === 'gp' ? { kind } : { kind: 'ept_misconfig' };
      r = await answerOutcome(given);
    }
    setProblem(r && !r.readable ? (r.message ?? 'That answer cannot be read.') : null);
  };
  const field = atEnd ? KINDS.find((x) => x.id === kind)?.field : 'Entry index (hex)';
  const answered = atEnd ? outcome : done[k];
  return (
    <section className="panel predict-panel" aria-labelledby="predict-h">
      <h2 id="predict-h">
        Predict <span className="score">right {score.right} of {score.given}</span>
      </h2>
      {last && !answered && <Verdict c={last} />}
      {answered ? (
        <>
          <Verdict c={answered} />
          {!atEnd && <p className="hint">Press Next step (→) to see reference {k + 1}.</p>}
        </>
      ) : (
        <form onSubmit={(e) => void check(e)} className="predict-form">
          {!atEnd ? (
            <p className="question">
              Reference {k + 1} of {n}: which <strong>{next.structure}</strong> entry does the walk read{next.kind === 'e' && next.purpose ? ` (the EPT walk for ${next.purpose})` : ''}?
            </p>
          ) : (
            <fieldset className="outcome-kinds">
              <legend className="question">What does the CPU get{ept ? ' (addresses host-physical)' : ''}?</legend>
              {KINDS.filter((x) => ept || !x.id.startsWith('ept')).map((x) => (
                <label key={x.id} className="check">
                  <input type="radio" name="predict-kind" checked={kind === x.id} onChange={() => setKind(x.id)} />
                  {x.label}
                </label>
              ))}
            </fieldset>
          )}
          {field && (
            <label className="predict-input">
              {field}
              <input className="mono" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={problem !== null} spellCheck={false} autoComplete="off" />
            </label>
          )}
          {problem && <p className="field-error">{problem}</p>}
          <div className="button-group">
            <button type="submit" className="primary">
              Check
            </button>
            <button type="button" onClick={() => void reveal(atEnd ? 'outcome' : k)}>
              Reveal
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
