/** A cached dump of a real guest for the benchmark (`.cache/guests/dumps/`), made by booting one when missing. */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { GUESTS, cacheDir, type GuestMode } from './assets';
import { Guest } from './guest';

export const dumpPathFor = (mode: GuestMode, memMiB?: number): string => join(cacheDir, 'dumps', `guest-${mode}${memMiB ? `-${memMiB}m` : ''}.elf`);

/** A dump of a guest in `mode` (default RAM, or `memMiB`), booted and dumped once. */
export async function ensureGuestDump(mode: GuestMode, memMiB?: number): Promise<string> {
  const path = dumpPathFor(mode, memMiB);
  if (existsSync(path)) return path;
  const g = await Guest.boot(GUESTS[mode], memMiB ? { memMiB } : {});
  try {
    await g.dump(`${path}.tmp`);
    renameSync(`${path}.tmp`, path);
  } finally {
    await g.close();
  }
  return path;
}
