/** Node geometry shared by the layout (worker) and the drawing (main thread). No imports. */
export const NODE_W = 256;
export const COL_GAP = 64;
export const HEAD_H = 26;
export const ROW_H = 21;
export const PAD_B = 6;
export const NODE_GAP = 14;
/** Tables with more present entries than this fold their middle until expanded. */
export const MAX_LISTED = 12;

export const rowTop = (rowIndex: number): number => HEAD_H + rowIndex * ROW_H;
