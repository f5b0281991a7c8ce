/** Access kinds as the walk loop codes them. */
export const READ = 0;
export const WRITE = 1;
export const FETCH = 2;
export type OpCode = 0 | 1 | 2;
