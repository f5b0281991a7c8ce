/** The compact step buttons and "Reference n of m" of presentation mode's bar and the embed's. */
import { ActionButton } from '../PictureBar';
import { useAppShallow } from '../context';

export function StepButtons() {
  const { at, n, playing, shadow } = useAppShallow((s) => ({ at: s.stepAt(), n: s.stepCount(), playing: s.playing, shadow: s.ops !== null }));
  return (
    <>
      <span className="tool-group" role="group" aria-label={shadow ? 'Operation controls' : 'Walk controls'}>
        <ActionButton id="first" label="First step">
          ◀◀
        </ActionButton>
        <ActionButton id="prev" label="Previous step">
          ◀
        </ActionButton>
        {!shadow && (
          <ActionButton id="play" className="play">
            {playing ? 'Pause' : 'Play'}
          </ActionButton>
        )}
        <ActionButton id="next" label="Next step">
          ▶
        </ActionButton>
        <ActionButton id="last" label="Last step">
          ▶▶
        </ActionButton>
      </span>
      <span className="step-count">
        {shadow ? 'Operation' : 'Reference'} {at} of {n}
      </span>
    </>
  );
}
