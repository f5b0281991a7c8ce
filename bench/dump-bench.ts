/**
 * Real-guest figures for `npm run bench`: a dump of Debian's kernel running
 * with 5-level paging under QEMU (made by the real-guest tests, or booted here
 * when missing: .cache/guests/dumps/guest-5.elf). Each round opens the file
 * afresh, so the engine's page cache starts empty (the OS's may be warm).
 *
 * - dumpListMs: open + every present leaf + the `list` JSON lines (what
 *   `npm run dump -- FILE list` does, less process start).
 * - dumpFoldMs: open + every leaf + the folded view of the whole space.
 * - dumpReverseBuildMs / dumpReverseLookupsPerSec: the physical → linear index.
 * - dumpWalks: translations per second on the file-backed memory (fast path,
 *   trace off), over addresses inside the listed pages.
 */
import { performance } from 'node:perf_hooks';
import { OK, READ, Walker } from '../src/engine';
import { ReverseMap, canonical, collectLeaves, dumpCpu, foldMappings, leafJSON, openDump } from '../src/engine/dump';
import { fileSource } from '../src/cli/file-source';
import { ensureGuestDump } from '../test/guests/dumps';

const best = (n: number, f: () => void): number => {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    b = Math.min(b, performance.now() - t0);
  }
  return Math.round(b * 10) / 10;
};

export async function dumpBench(): Promise<Record<string, number>> {
  const path = await ensureGuestDump('5');
  const out: Record<string, number> = {};
  const open = () => {
    const src = fileSource(path);
    const dump = openDump(src);
    return { src, dump, d: dumpCpu(dump) };
  };
  let leavesN = 0;
  let lines = 0;
  out.dumpListMs = best(5, () => {
    const { src, d } = open();
    const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
    let bytes = 0;
    for (let i = 0; i < leaves.n; i++) bytes += JSON.stringify(leafJSON(leaves, i)).length + 1;
    leavesN = leaves.n;
    lines = bytes;
    src.close();
  });
  out.dumpLeaves = leavesN;
  out.dumpListBytes = lines;
  let ranges = 0;
  out.dumpFoldMs = best(5, () => {
    const { src, d } = open();
    const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
    ranges = foldMappings(leaves).length;
    src.close();
  });
  out.dumpRanges = ranges;

  const { src, dump, d } = open();
  const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
  let rev: ReverseMap | null = null;
  out.dumpReverseBuildMs = best(5, () => {
    rev = new ReverseMap(leaves);
  });
  const pas = Array.from({ length: 4096 }, (_, i) => leaves.pa[(i * 7919) % leaves.n] + (i % 4096));
  let hits = 0;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 300) {
    for (const pa of pas) hits += rev!.lookup(pa).length;
    n += pas.length;
  }
  out.dumpReverseLookupsPerSec = Math.round((n * 1000) / (performance.now() - t0));
  if (hits === 0) throw new Error('reverse map found nothing');

  // Fast-path walks over the file-backed memory: addresses inside listed pages, reads.
  const w = new Walker(d.config, d.input.memory);
  const k = 4096;
  const lo = new Uint32Array(k);
  const hi = new Uint32Array(k);
  const user = new Uint8Array(k);
  for (let i = 0; i < k; i++) {
    const j = (i * 104729) % leaves.n;
    const c = canonical(leaves.format, leaves.va[j] + ((i * 64) % leaves.size(j)));
    lo[i] = c.lo;
    hi[i] = c.hi;
    user[i] = leaves.acc[j] & 4 ? 1 : 0;
  }
  let walks = 0;
  let bad = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < 500) {
    for (let i = 0; i < k; i++) if (w.translate(lo[i], hi[i], READ, user[i] === 1, false) !== OK) bad++;
    walks += k;
  }
  out.dumpWalks = Math.round((walks * 1000) / (performance.now() - t1));
  out.dumpWalksFailed = bad;
  out.dumpPagesRead = dump.memory.pagesRead;
  src.close();
  return out;
}
