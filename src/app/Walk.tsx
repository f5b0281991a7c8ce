/** Step controls, the current step's sentence, and the list of references. */
import { useEffect, useRef } from 'react';
import { SPEEDS } from '../store/viewSlice';
import { actionById } from './actions';
import { useApp, useAppShallow, useAppStore } from './context';

export function StepControls() {
  const store = useAppStore();
  const { step, n, playing, speed } = useAppShallow((s) => ({ step: s.step, n: s.trace?.steps.length ?? 0, playing: s.playing, speed: s.speed }));
  const setSpeed = useApp((s) => s.setSpeed);
  return (
    <div className="step-controls" role="group" aria-label="Walk controls">
      <button type="button" onClick={() => actionById('prev').run(store)} disabled={step === 0} title="Previous step (←)">
        ◀ Previous step
      </button>
      <button type="button" className="play" onClick={() => actionById('play').run(store)} disabled={n === 0} title="Play / pause (P)">
        {playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" onClick={() => actionById('next').run(store)} disabled={step >= n} title="Next step (→)">
        Next step ▶
      </button>
      <label className="speed">
        Speed
        <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s} step{s === 1 ? '' : 's'}/s
            </option>
          ))}
        </select>
      </label>
      <span className="step-count" aria-live="off">
        Reference {step} of {n}
      </span>
    </div>
  );
}

export function StepSentence() {
  const { text, cr3, kind, step } = useAppShallow((s) => {
    const st = s.step > 0 ? s.trace?.steps[s.step - 1] : undefined;
    return { text: st?.text ?? null, kind: st?.kind ?? null, cr3: s.doc?.cpu.cr3 ?? '', step: s.step };
  });
  return (
    <p className={`step-sentence${kind === 'e' ? ' ept' : ''}`} aria-live="polite">
      {text ?? (step === 0 ? `Before the walk: CR3 = ${cr3}. Press Next step (→) or Play to follow each memory reference.` : '')}
    </p>
  );
}

const NO_STEPS: never[] = [];

export function WalkSteps() {
  const { steps, step } = useAppShallow((s) => ({ steps: s.trace?.steps ?? NO_STEPS, step: s.step }));
  const store = useAppStore();
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = listRef.current?.querySelector('[aria-current="step"]');
    if (el && 'scrollIntoView' in el) (el as HTMLElement).scrollIntoView({ block: 'nearest' });
  }, [step]);
  const choose = (i: number) => {
    const s = store.getState();
    s.setStep(i + 1);
    const t = s.targets[i];
    if (t) void s.select(t);
  };
  return (
    <section className="panel walk-steps" aria-labelledby="steps-h">
      <h2 id="steps-h">Walk steps</h2>
      <ol ref={listRef} aria-label="Walk steps" className="steps-list">
        {steps.map((st, i) => (
          <li key={i} aria-current={i === step - 1 ? 'step' : undefined} className={`${i < step ? 'done' : 'todo'} ${st.kind === 'e' ? 'ept' : 'guest'} lv${st.level}${st.stop ? ' stop' : ''}`}>
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
    </section>
  );
}

export function ResultStatus() {
  const { outcome, step, n } = useAppShallow((s) => ({ outcome: s.trace?.outcome ?? null, step: s.step, n: s.trace?.steps.length ?? 0 }));
  const ok = outcome?.outcome === 'ok';
  return (
    <section className={`panel result ${ok ? 'ok' : 'fault'}${step < n ? ' pending' : ''}`} aria-labelledby="result-h">
      <h2 id="result-h">Result</h2>
      <div role="status" aria-label="Translation result" aria-live="polite">
        {outcome && (
          <>
            <p className="result-title mono-num">{outcome.title}</p>
            <p className="result-text">{outcome.text}</p>
            {outcome.bits.length > 0 && (
              <ul className="bits-list" aria-label={outcome.outcome === 'pf' ? 'Error code bits' : 'Exit qualification bits'}>
                {outcome.bits.map((b) => (
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
      {step < n && <p className="hint">The walk is at reference {step}; this is where it ends.</p>}
    </section>
  );
}
