/**
 * Presentation mode (Present, P; Esc leaves): the picture of the current mode
 * — the tree, under EPT the 2D grid beside it, or the shadow workbench — and
 * the current step, sized for a room.
 */
import type { ReactNode } from 'react';
import { AlertBanner } from '../Alerts';
import { StepSentence } from '../Walk';
import { ModePicture } from './ModePicture';
import { PresentBar } from './PresentBar';
import { PresentLayout } from './PresentLayout';

/** `prompt`: a panel beside the picture (a later mode's question or prediction prompt). */
export function Presentation({ prompt }: { prompt?: ReactNode }) {
  return (
    <>
      <AlertBanner />
      <PresentLayout bar={<PresentBar />} step={<StepSentence />} picture={<ModePicture />} prompt={prompt} />
    </>
  );
}
