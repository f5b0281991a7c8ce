/**
 * Step controls, the current step's sentence, the list of references, and
 * the Translation result. Natively the steps are the walk's references; under
 * a shadow MMU they are the guest operations (each one a history entry).
 */
import { useEffect, useRef } from 'react';
import { SPEEDS } from '../store/viewSlice';
import { actionById, titleOf } from './actions';
import { useApp, useAppShallow, useAppStore } from './context';

export function StepControls() {
  const store = useAppStore();
  // Enabled as the actions say (predict mode waits for an answer; at a walk's end a lesson goes on to its next stop).
  const { at, n, playing, speed, shadow, can } = useAppShallow((s) => ({
    at: s.stepAt(),
    n: s.stepCount(),
    playing: s.playing,
    speed: s.speed,
    shadow: s.ops !== null,
    can: `${+actionById('first').enabled(s)}${+actionById('prev').enabled(s)}${+actionById('next').enabled(s)}${+actionById('last').enabled(s)}`,
  }));
  const setSpeed = useApp((s) => s.setSpeed);
  const unit = shadow ? 'Operation' : 'Reference';
  return (
    <div className="step-controls" role="group" aria-label={shadow ? 'Operation controls' : 'Walk controls'}>
      <button type="button" onClick={() => actionById('first').run(store)} disabled={can[0] === '0'} title={titleOf('first')} aria-label="First step">
        ◀◀ First
      </button>
      <button type="button" onClick={() => actionById('prev').run(store)} disabled={can[1] === '0'} title={titleOf('prev')} aria-label="Previous step">
        ◀ Previous
      </button>
      {!shadow && (
        <button type="button" className="play" onClick={() => actionById('play').run(store)} disabled={n === 0} title={titleOf('play', 'Play / pause')}>
          {playing ? 'Pause' : 'Play'}
        </button>
      )}
      <button type="button" onClick={() => actionById('next').run(store)} disabled={can[2] === '0'} title={titleOf('next')} aria-label="Next step">
        Next ▶
      </button>
      <button type="button" onClick={() => actionById('last').run(store)} disabled={can[3] === '0'} title={titleOf('last')} aria-label="Last step">
        Last ▶▶
      </button>
      {!shadow && (
        <label className="speed" title="Speed of Play (steps per second)">
          <span className="visually-hidden">Speed</span>
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s} / s
              </option>
            ))}
          </select>
        </label>
      )}
      {!shadow && <PredictToggle />}
      <span className="step-count" aria-live="off">
        {unit} {at} of {n}
      </span>
    </div>
  );
}

export function StepSentence() {
  const { text, cr3, kind, step, ops, last, names, presenting, outcome } = useAppShallow((s) => {
    const st = s.step > 0 ? s.trace?.steps[s.step - 1] : undefined;
    const n = s.trace?.steps.length ?? 0;
    return {
      text: st?.text ?? null,
      kind: st?.kind ?? null,
      cr3: s.doc?.cpu.cr3 ?? '',
      step: s.step,
      ops: s.ops,
      last: s.shadow?.last ?? null,
      names: s.doc?.spaces.guest ?? 'physical',
      presenting: s.presenting,
      // In a room the result panel is not on screen: the last step says where the walk ends (once the room has predicted it, in predict mode).
      outcome: s.presenting && s.ops === null && (s.step === n || n === 0) && !(s.predict.on && s.predict.outcome === null) ? (s.result?.title ?? null) : null,
    };
  });
  if (ops) {
    const done = ops.at > 0 ? ops.items[ops.at - 1] : null;
    const next = ops.at < ops.items.length ? ops.items[ops.at] : null;
    return (
      <div className="step-sentence op-sentence" aria-live="polite">
        {done && last ? (
          <p>
            <strong>{last.title}</strong>: {last.exits === 0 ? 'no exit' : `${last.exits} exit${last.exits > 1 ? 's' : ''}`}. {last.outcome}
            {done.note && <span className="op-note"> {done.note}</span>}
          </p>
        ) : (
          <p>No guest operation has run yet. {ops.items.length ? 'Press Next step (→) to run the first one, or Translate an address.' : 'Translate an address, or use INVLPG and Load CR3.'}</p>
        )}
        {next && (
          <p className="small next-op">
            Next: {next.text}
            {/* In a room the note would give away what happens next. */}
            {next.note && !presenting ? ` — ${next.note}` : ''}
          </p>
        )}
      </div>
    );
  }
  return (
    <p className={`step-sentence${kind === 'e' ? ' ept' : ''}`} aria-live="polite">
      {text ?? (step === 0 ? `Before the walk: CR3 = ${cr3} (${names}). Press Next step (→) or Play to follow each memory reference.` : '')}
      {outcome && (
        <>
          {' '}
          <strong className="step-outcome">Result: {outcome}.</strong>
        </>
      )}
    </p>
  );
}

const NO_STEPS: never[] = [];

export function WalkSteps() {
  const { all, step, underEpt, host, predicting } = useAppShallow((s) => ({ all: s.trace?.steps ?? NO_STEPS, step: s.step, underEpt: s.doc?.ept != null, host: s.doc?.spaces.host ?? 'physical', predicting: s.predict.on }));
  // Predicting: the references not yet reached are not listed (they would give the answers away).
  const steps = predicting ? all.slice(0, step) : all;
  const store = useAppStore();
  const listRef = useRef<HTMLOListElement>(null);
  // Keep the current step in view by scrolling the list itself (scrollIntoView would scroll the panel and the page too).
  useEffect(() => {
    const list = listRef.current;
    const el = list?.querySelector<HTMLElement>('[aria-current="step"]');
    if (!list || !el) return;
    const top = el.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + el.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + el.offsetHeight - list.clientHeight;
  }, [step, steps]);
  const choose = (i: number) => {
    const s = store.getState();
    s.setStep(i + 1);
    const t = s.targets[i];
    if (t) void s.select(t);
  };
  return (
    <section className="panel walk-steps" aria-labelledby="steps-h">
      <h2 id="steps-h">
        Walk steps{underEpt && <span className="steps-space"> · entries at {host} addresses</span>}
      </h2>
      <ol ref={listRef} aria-label="Walk steps" className="steps-list">
        {steps.map((st, i) => (
          <li key={i} aria-current={i === step - 1 ? 'step' : undefined} className={`${i < step ? 'done' : 'todo'} ${st.kind === 'e' ? 'ept' : 'guest'} lv${st.level}${st.stop && i < step ? ' stop' : ''}`}>
            <button type="button" onClick={() => choose(i)}>
              <span className="n">{st.n}</span>
              <span className="what">
                {st.structure}[{st.index.toString(16)}]
              </span>
              <span className="mono addr">{st.entryAddr}</span>
              <span className="mono val">{st.value}</span>
            </button>
          </li>
        ))}
      </ol>
      {predicting && steps.length < all.length && <p className="hint small">{all.length - steps.length} more reference{all.length - steps.length === 1 ? '' : 's'}, listed as the walk reaches them.</p>}
    </section>
  );
}

/** Predict mode on or off: a walk then starts before its first reference, and every reference and the outcome are asked first. */
function PredictToggle() {
  const on = useApp((s) => s.predict.on);
  const set = useApp((s) => s.setPredict);
  return (
    <label className="check predict-toggle" title="Predict: before each reference, say which entry the walk reads; at the end, what the CPU gets">
      <input type="checkbox" checked={on} onChange={(e) => set(e.target.checked)} />
      Predict
    </label>
  );
}

export function ResultStatus() {
  const { result, step, n, shadow, predicting } = useAppShallow((s) => ({ result: s.result, step: s.step, n: s.trace?.steps.length ?? 0, shadow: s.ops !== null, predicting: s.predict.on && s.predict.outcome === null }));
  const ask = !shadow && predicting && step >= n;
  const pending = !shadow && (step < n || ask);
  return (
    <section className={`panel result ${result?.kind ?? ''}${pending ? ' pending' : ''}`} aria-labelledby="result-h">
      <h2 id="result-h">Result</h2>
      <div role="status" aria-label="Translation result" aria-live="polite">
        {pending && !ask && (
          <p className="result-pending">
            Not shown yet: the walk has made {step} of its {n} references. Step on (→, Page Down or Space) to see where it ends{predicting ? '' : ', or go to the Last step (End)'}.
          </p>
        )}
        {ask && <p className="result-pending">Not shown yet: say in the Predict panel what the CPU gets.</p>}
        {result && !pending && (
          <>
            <p className="result-title mono-num">{result.title}</p>
            <p className="result-text">{result.text}</p>
            {result.notes.map((t) => (
              <p key={t} className="result-note small">
                {t}
              </p>
            ))}
            {result.bits.length > 0 && (
              <ul className="bits-list" aria-label={result.bitsLabel ?? 'Bits'}>
                {result.bits.map((b) => (
                  <li key={b.bit} className={b.set ? 'set' : 'clear'}>
                    <span className="mono">
                      bit {b.bit} {b.name}={b.set ? 1 : 0}
                    </span>{' '}
                    {b.meaning}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </section>
  );
}
