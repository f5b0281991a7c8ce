/** The mounted tree's camera (one tree at a time), for the zoom buttons outside the canvas. */
import type { ZoomController } from './zoomController';

export const cameraHandle: { current: ZoomController | null } = { current: null };
