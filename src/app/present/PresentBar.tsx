/** The compact bar of presentation mode: stepping, where the walk is, the document's title, and the picture's tools. */
import { ActionButton, TextSize } from '../PictureBar';
import { useAppShallow } from '../context';

export function PresentBar() {
  const { at, n, playing, shadow, title } = useAppShallow((s) => ({ at: s.stepAt(), n: s.stepCount(), playing: s.playing, shadow: s.ops !== null, title: s.doc?.title ?? '' }));
  return (
    <div className="present-bar" role="group" aria-label="Presentation controls">
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
      <span className="present-title" title={title}>
        {title}
      </span>
      {!shadow && <ActionButton id="fit" />}
      <TextSize />
      <ActionButton id="export-picture" />
      <ActionButton id="leave-present" className="primary" />
    </div>
  );
}
