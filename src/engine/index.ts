/** Pagoda's MMU engine: pure TypeScript, no DOM, no worker API. */
export * from './bits';
export * from './formats';
export * from './memory';
export * from './scenario';
export * from './compile';
export * from './walk';
export * from './translate';
export * from './trace';
export * from './decode';
export * from './tree';
export * from './build';
export * from './transform';
