/**
 * The engine worker starts before anything else is evaluated (this module is
 * main.tsx's first import), so the worker's script loads and runs while the
 * page's own code, React included, is still being evaluated.
 */
import { startEngine } from './worker/client';

export const client = startEngine();
