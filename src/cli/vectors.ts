/**
 * Conformance CLI: `npm run --silent vectors -- FILE.jsonl` prints one JSON
 * line per case ({id, result}, {id, results} or {id, error}).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { runVectorLine } from '../engine/vectors';
import { runShadowCase } from '../engine/shadow/vectors';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npm run --silent vectors -- FILE.jsonl\n');
    return 2;
  }
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const out: string[] = [];
  for await (const line of rl) {
    if (line.trim() === '') continue;
    out.push(JSON.stringify(runVectorLine(line, runShadowCase)));
    if (out.length >= 256) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
  return 0;
}

// Set the exit code rather than calling process.exit(): exiting at once can cut
// off stdout still queued for a pipe whose reader is slower (a 64 KiB pipe buffer).
main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`vectors: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
