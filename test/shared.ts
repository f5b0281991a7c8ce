/**
 * Where the shared conformance vectors are: $PAGODA_SHARED, else the
 * `shared/` folder beside the project (as the brief lays it out), else the
 * workplace's /work/shared — so a fresh clone in a temporary folder finds
 * them too. Tests fail with this message when none exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function sharedDir(): string {
  const candidates = [process.env.PAGODA_SHARED, path.resolve(root, '../shared'), '/work/shared'].filter((x): x is string => !!x);
  for (const c of candidates) if (existsSync(path.join(c, 'vectors', 'FORMAT.md'))) return c;
  throw new Error(`The shared vectors were not found (tried ${candidates.join(', ')}); set PAGODA_SHARED to the folder that holds vectors/.`);
}

/** A file of shared/vectors, by name. */
export const vectorPath = (name: string): string => path.join(sharedDir(), 'vectors', name);
export const readVectors = (name: string): string => readFileSync(vectorPath(name), 'utf8');
