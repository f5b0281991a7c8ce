/**
 * Presentation mode (Present, P; Esc leaves): the picture of the current mode
 * — the tree, under EPT the 2D grid beside it, or the shadow workbench — and
 * the current step, sized for a room.
 */
import type { ReactNode } from 'react';
import { AlertBanner } from '../Alerts';
import { useApp } from '../context';
import { ShadowWorkbench } from '../shadow/ShadowWorkbench';
import { TreeCanvas } from '../tree/TreeCanvas';
import { StepSentence } from '../Walk';
import { WalkGrid } from '../WalkGrid';
import { PresentBar } from './PresentBar';
import { PresentLayout } from './PresentLayout';

/** `prompt`: a panel beside the picture (a later mode's question or prediction prompt). */
export function Presentation({ prompt }: { prompt?: ReactNode }) {
  const shadow = useApp((s) => s.shadow !== null);
  const ept = useApp((s) => (s.trace?.eptLevels ?? 0) > 0);
  return (
    <>
      <AlertBanner />
      <PresentLayout
        bar={<PresentBar />}
        step={<StepSentence />}
        picture={
          shadow ? (
            <ShadowWorkbench />
          ) : (
            <div className={`present-walk${ept ? ' with-grid' : ''}`}>
              {ept && <WalkGrid />}
              <TreeCanvas />
            </div>
          )
        }
        prompt={prompt}
      />
    </>
  );
}
