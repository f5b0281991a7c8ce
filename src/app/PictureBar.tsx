/**
 * Tools over the picture (tree, 2D grid or shadow workbench): zoom and Fit for
 * the tree, the text size, Export picture and Present. Presentation mode has
 * its own compact bar (present/PresentBar.tsx) with the same actions.
 */
import type { ReactNode } from 'react';
import { actionById, titleOf, type ActionId } from './actions';
import { useAppShallow, useAppStore } from './context';
import { cameraHandle } from './tree/cameraHandle';

export function ActionButton({ id, children, label, className }: { id: ActionId; children?: ReactNode; label?: string; className?: string }) {
  const store = useAppStore();
  const enabled = useAppShallow((s) => actionById(id).enabled(s));
  const a = actionById(id);
  return (
    <button type="button" className={className} disabled={!enabled} onClick={() => a.run(store)} title={titleOf(id)} aria-label={label ?? (children ? undefined : a.label)} data-action={id}>
      {children ?? a.label}
    </button>
  );
}

export function TextSize() {
  return (
    <span className="tool-group" role="group" aria-label="Text size">
      <span className="tool-label" aria-hidden="true">
        Text
      </span>
      <ActionButton id="smaller-text" label="Smaller text">
        −
      </ActionButton>
      <ActionButton id="larger-text" label="Larger text">
        +
      </ActionButton>
    </span>
  );
}

export function PictureBar({ kind }: { kind: 'tree' | 'shadow' }) {
  // An embed keeps the tools that change only its own view.
  const embedded = useAppShallow((s) => s.embedded);
  return (
    <div className={`picture-bar ${kind}`} role="group" aria-label="Picture tools">
      {kind === 'tree' && (
        <span className="tool-group" role="group" aria-label="Zoom">
          <span className="tool-label" aria-hidden="true">
            Zoom
          </span>
          <button type="button" onClick={() => cameraHandle.current?.zoomBy(0.8)} aria-label="Zoom out" title="Zoom out (or the mouse wheel)">
            −
          </button>
          <button type="button" onClick={() => cameraHandle.current?.zoomBy(1.25)} aria-label="Zoom in" title="Zoom in (or the mouse wheel)">
            +
          </button>
          <ActionButton id="fit" />
        </span>
      )}
      <TextSize />
      {!embedded && <ActionButton id="export-picture" />}
      {!embedded && <ActionButton id="present" className="primary" />}
    </div>
  );
}
