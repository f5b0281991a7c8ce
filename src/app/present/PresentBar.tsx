/** The compact bar of presentation mode: stepping, where the walk is, the document's title, and the picture's tools. */
import { ActionButton, TextSize } from '../PictureBar';
import { useAppShallow } from '../context';
import { StepButtons } from './StepButtons';

export function PresentBar() {
  const { shadow, title } = useAppShallow((s) => ({ shadow: s.ops !== null, title: s.doc?.title ?? '' }));
  return (
    <div className="present-bar" role="group" aria-label="Presentation controls">
      <StepButtons />
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
