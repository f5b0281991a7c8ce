/** The on-demand parts of the app (see onDemand.ts). */
import { onDemand } from './onDemand';

export const shadowParts = onDemand(() => import('./shadow/parts'));
export const exportPart = onDemand(() => import('./picture/ExportDialog'));
export const quizPart = onDemand(() => import('./teach/QuizDialog'));
export const dumpParts = onDemand(() => import('./dumpParts'));
