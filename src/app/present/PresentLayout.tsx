/**
 * The presentation layout: a compact bar, the current step in large type, and
 * the picture taking the rest of the screen. `prompt` is the place for a panel
 * beside the picture (a prediction prompt, a quiz question): the picture gives
 * it room and keeps the rest.
 */
import type { ReactNode } from 'react';

export function PresentLayout({ bar, step, picture, prompt }: { bar: ReactNode; step: ReactNode; picture: ReactNode; prompt?: ReactNode }) {
  return (
    <main className="present" aria-label="Presentation">
      {bar}
      <section className="present-step" aria-label="Current step">
        {step}
      </section>
      <div className={`present-stage${prompt ? ' with-prompt' : ''}`}>
        <div className="present-picture">{picture}</div>
        {prompt && <aside className="present-prompt">{prompt}</aside>}
      </div>
    </main>
  );
}
