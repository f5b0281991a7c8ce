/**
 * Boot a real Debian kernel under QEMU's TCG, wait for the init's marker on
 * the serial console (so the pause lands in a known state: user memory in
 * place, the shell spinning in user mode), pause through QMP and ask QEMU
 * itself: `dump-guest-memory` (the ELF format), `info tlb`, `gva2gpa`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READY_MARKER, ensureGuestAssets, type GuestSpec } from './assets';
import { Qmp } from './qmp';

export interface GuestOptions {
  /** Guest RAM in MiB (default 512). */
  memMiB?: number;
  /** vCPUs (default 1). */
  smp?: number;
  /** How long the boot may take before the marker (TCG on two shared cores is slow). */
  bootTimeoutMs?: number;
}

export class Guest {
  private constructor(
    readonly spec: GuestSpec,
    private readonly proc: ChildProcess,
    readonly qmp: Qmp,
    private readonly dir: string,
    /** Everything the guest printed on its serial console. */
    readonly console: () => string,
  ) {}

  /** Boot, wait for the marker, pause. */
  static async boot(spec: GuestSpec, opts: GuestOptions = {}): Promise<Guest> {
    const { kernel, initrd } = ensureGuestAssets(spec);
    const dir = mkdtempSync(join(tmpdir(), `pagoda-guest-${spec.mode}-`));
    const sock = join(dir, 'qmp.sock');
    const args = [
      '-machine', 'pc', '-accel', 'tcg', '-cpu', spec.cpu, '-smp', `${opts.smp ?? 1}`, '-m', `${opts.memMiB ?? 512}M`,
      '-kernel', kernel, '-initrd', initrd,
      // THP only on request: the shell's heap stays in 4 KiB pages, thousands of leaves.
      '-append', 'console=ttyS0 rdinit=/init panic=-1 transparent_hugepage=madvise',
      '-nodefaults', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
      '-qmp', `unix:${sock},server=on,wait=off`,
    ];
    const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout!.setEncoding('utf8');
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => (err += d));
    const timeout = opts.bootTimeoutMs ?? 240_000;
    try {
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no "${READY_MARKER}" within ${timeout / 1000} s; console tail:\n${out.slice(-2000)}`)), timeout);
        proc.stdout!.on('data', (d: string) => {
          out += d;
          if (out.includes(READY_MARKER)) {
            clearTimeout(timer);
            res();
          }
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          rej(new Error(`QEMU exited (${code}) before the marker: ${err.trim()}\nconsole tail:\n${out.slice(-2000)}`));
        });
      });
      const qmp = await Qmp.open(sock);
      await qmp.execute('stop');
      return new Guest(spec, proc, qmp, dir, () => out);
    } catch (e) {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** QEMU's own listing of every present leaf of vCPU `cpu` (HMP `info tlb`). */
  infoTlb(cpu = 0): Promise<string> {
    return this.qmp.hmp('info tlb', cpu);
  }

  /** `dump-guest-memory` in the default (ELF, non-paging) format to `path`. */
  async dump(path: string): Promise<void> {
    mkdirSync(join(path, '..'), { recursive: true });
    if (existsSync(path)) rmSync(path);
    await this.qmp.execute('dump-guest-memory', { paging: false, protocol: `file:${path}` });
  }

  /** QEMU's debug translation (HMP `gva2gpa`) of each address: the guest-physical address or null ("Unmapped"). */
  async gva2gpa(vas: bigint[], cpu = 0): Promise<(bigint | null)[]> {
    const out: (bigint | null)[] = [];
    for (const va of vas) {
      const text = (await this.qmp.hmp(`gva2gpa 0x${va.toString(16)}`, cpu)).trim();
      // HMP prints %#x: "0x..." but a bare "0" for zero.
      const m = /^gpa: (0x[0-9a-f]+|0)$/i.exec(text);
      if (m) out.push(BigInt(m[1]));
      else if (/^Unmapped$/i.test(text)) out.push(null);
      else throw new Error(`gva2gpa 0x${va.toString(16)}: unexpected answer "${text}"`);
    }
    return out;
  }

  /** Quit QEMU and remove the scratch folder. */
  async close(): Promise<void> {
    try {
      await this.qmp.execute('quit');
    } catch {
      // QEMU may close the socket before it answers.
    }
    this.qmp.close();
    await new Promise<void>((res) => {
      if (this.proc.exitCode !== null) return res();
      const t = setTimeout(() => {
        this.proc.kill('SIGKILL');
        res();
      }, 10_000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        res();
      });
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
