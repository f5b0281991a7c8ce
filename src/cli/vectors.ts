/**
 * Conformance CLI: `npm run --silent vectors -- FILE.jsonl` prints one JSON
 * line per case ({id, result}, {id, results} or {id, error}).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { runVectorLine } from '../engine/vectors';

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
    out.push(JSON.stringify(runVectorLine(line)));
    if (out.length >= 256) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`vectors: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
