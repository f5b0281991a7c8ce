/**
 * The dump CLI, for scripts and for checking against other tools:
 *
 *   npm run --silent dump -- FILE list [--cpu N]
 *   npm run --silent dump -- FILE translate VA... [--user] [--write|--fetch] [--cpu N]
 *   npm run --silent dump -- FILE mappings [--user-only|--kernel-only] [--cpu N]
 *   npm run --silent dump -- FILE reverse PA... [--cpu N]
 *   npm run --silent dump -- FILE info [--cpu N]
 *
 * plus --nxe on|off and --maxphyaddr N for what the dump does not hold. One
 * JSON line per leaf, address, range or physical address; a bad file is one
 * line on stderr and exit status 1 (usage errors: 2).
 */
import { hex64, hexNum, parseHex64 } from '../engine/bits';
import {
  DumpError,
  ReverseMap,
  canonical,
  collectLeaves,
  dumpCpu,
  foldMappings,
  leafJSON,
  openDump,
  parseLinear,
  qemuDepartures,
  rangeJSON,
  summarize,
  translateJSON,
  type DumpCpuOptions,
  type MappingFilter,
} from '../engine/dump';
import type { AccessOp } from '../engine/scenario';
import { fileSource } from './file-source';

const USAGE = `usage: npm run --silent dump -- FILE COMMAND [ARGS] [OPTIONS]
commands:
  list                       one line per present leaf: {"va","pa","size","entry"}
  translate VA...            one line per address: {"va","result":{outcome,pa,size,ec,refs,writes}}
                             [--user] [--write|--fetch]
  mappings                   folded ranges [--user-only|--kernel-only]
  reverse PA...              every linear address mapping each physical address
  info                       the vCPU's registers, paging mode and assumptions
options: --cpu N  --nxe on|off  --maxphyaddr N`;

class UsageError extends Error {}

interface Args {
  file: string;
  command: string;
  operands: string[];
  cpu: DumpCpuOptions;
  user: boolean;
  op: AccessOp;
  filter: MappingFilter;
}

function parseArgs(argv: string[]): Args {
  const pos: string[] = [];
  const cpu: DumpCpuOptions = {};
  let user = false;
  let op: AccessOp = 'read';
  let filter: MappingFilter = 'all';
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--cpu': {
        const v = value(i++, a);
        if (!/^\d+$/.test(v)) throw new UsageError(`--cpu ${v}: not a vCPU index`);
        cpu.cpu = Number(v);
        break;
      }
      case '--nxe': {
        const v = value(i++, a);
        if (v !== 'on' && v !== 'off') throw new UsageError('--nxe takes on or off');
        cpu.nxe = v === 'on';
        break;
      }
      case '--maxphyaddr': {
        const v = value(i++, a);
        if (!/^\d+$/.test(v) || Number(v) < 32 || Number(v) > 52) throw new UsageError(`--maxphyaddr ${v}: not an integer from 32 to 52`);
        cpu.maxphyaddr = Number(v);
        break;
      }
      case '--user':
        user = true;
        break;
      case '--write':
      case '--fetch':
        if (op !== 'read') throw new UsageError('give at most one of --write and --fetch');
        op = a === '--write' ? 'write' : 'fetch';
        break;
      case '--user-only':
        filter = 'user';
        break;
      case '--kernel-only':
        filter = 'kernel';
        break;
      case '-h':
      case '--help':
        throw new UsageError('');
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
        pos.push(a);
    }
  }
  if (pos.length < 2) throw new UsageError('give a dump file and a command');
  const [file, command, ...operands] = pos;
  if (!['list', 'translate', 'mappings', 'reverse', 'info'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  if ((command === 'translate' || command === 'reverse') && operands.length === 0) throw new UsageError(`${command} needs at least one address`);
  if (command !== 'translate' && command !== 'reverse' && operands.length > 0) throw new UsageError(`${command} takes no addresses`);
  return { file, command, operands, cpu, user, op, filter };
}

/** Buffered stdout: one write per few hundred lines. */
class Out {
  private lines: string[] = [];
  line(v: unknown): void {
    this.lines.push(JSON.stringify(v));
    if (this.lines.length >= 512) this.flush();
  }
  flush(): void {
    if (this.lines.length) process.stdout.write(this.lines.join('\n') + '\n');
    this.lines = [];
  }
}

function run(args: Args): void {
  let src;
  try {
    src = fileSource(args.file);
  } catch (e) {
    throw new DumpError(`cannot open ${args.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out = new Out();
  try {
    const dump = openDump(src);
    const d = dumpCpu(dump, args.cpu);
    switch (args.command) {
      case 'list': {
        const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
        for (let i = 0; i < leaves.n; i++) out.line(leafJSON(leaves, i));
        break;
      }
      case 'translate': {
        const vas = args.operands.map((t) => parseLinear(d, t));
        // Where QEMU's memory departs from the SDM the walk says so (#GP); say why, once, beside the output.
        for (const x of qemuDepartures(d)) process.stderr.write(`dump: note: ${x.id}: ${x.text}\n`);
        for (const va of vas) out.line(translateJSON(d, va, { user: args.user, op: args.op }));
        break;
      }
      case 'mappings': {
        const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
        for (const r of foldMappings(leaves, args.filter)) out.line(rangeJSON(leaves, r));
        break;
      }
      case 'reverse': {
        const pas = args.operands.map((t) => {
          const u = parseHex64(t, true);
          if (u === null || u.hi >= 0x100000) throw new DumpError(`"${t}" is not a physical address below 2^52`);
          return u.hi * 4294967296 + u.lo;
        });
        const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
        const rev = new ReverseMap(leaves);
        for (const pa of pas) {
          const mapped = rev.lookup(pa).map((h) => {
            const v = canonical(leaves.format, h.va);
            return { va: hex64(v.lo, v.hi), size: h.pageSize, entry: hex64(leaves.lo[h.leaf], leaves.hi[h.leaf]) };
          });
          out.line({ pa: hexNum(pa), mapped });
        }
        break;
      }
      case 'info': {
        const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
        const s = d.state;
        out.line({
          elfClass: dump.core.elfClass,
          machine: dump.core.machine === 62 ? 'EM_X86_64' : 'EM_386',
          vcpus: dump.cpus.length,
          cpu: d.index,
          paging: d.paging,
          cr0: '0x' + s.cr[0].toString(16),
          cr3: '0x' + s.cr[3].toString(16),
          cr4: '0x' + s.cr[4].toString(16),
          rflags: '0x' + s.rflags.toString(16),
          rip: '0x' + s.rip.toString(16),
          root: hexNum(d.root),
          pcid: d.pcid,
          state: { ...d.cpu, cr3: hexNum(d.cpu.cr3), pkru: hexNum(d.cpu.pkru) },
          assumptions: d.assumptions,
          departures: qemuDepartures(d).map((x) => ({ id: x.id, pa: hexNum(x.pa), entry: hex64(x.lo, x.hi), text: x.text })),
          memory: dump.memory.ranges.map((r) => ({ pa: hexNum(r.pa), size: r.memSize })),
          summary: summarize(leaves, foldMappings(leaves)),
        });
        break;
      }
    }
  } finally {
    out.flush();
    src.close();
  }
}

// A reader that stops early (| head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

try {
  run(parseArgs(process.argv.slice(2)));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write((e.message ? `dump: ${e.message}\n` : '') + USAGE + '\n');
    process.exitCode = 2;
  } else if (e instanceof DumpError) {
    process.stderr.write(`dump: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`dump: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  }
}
