/**
 * A minimal QMP client (QEMU Machine Protocol, JSON lines over a unix socket):
 * the greeting, `qmp_capabilities`, then one command at a time. Events that
 * arrive between replies are kept, not mistaken for replies.
 */
import { connect, type Socket } from 'node:net';

export class Qmp {
  private buf = '';
  private waiters: ((msg: Record<string, unknown>) => void)[] = [];
  private queue: Record<string, unknown>[] = [];
  readonly events: Record<string, unknown>[] = [];
  private closed: Error | null = null;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line === '') continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('event' in msg) {
          this.events.push(msg);
          continue;
        }
        const w = this.waiters.shift();
        if (w) w(msg);
        else this.queue.push(msg);
      }
    });
    const fail = (e: Error) => {
      this.closed = e;
      for (const w of this.waiters.splice(0)) w({ error: { class: 'Closed', desc: e.message } });
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('QMP connection closed')));
  }

  /** Connect (retrying until QEMU has created the socket) and negotiate capabilities. */
  static async open(path: string, timeoutMs = 30_000): Promise<Qmp> {
    const t0 = Date.now();
    for (;;) {
      try {
        const sock = await new Promise<Socket>((res, rej) => {
          const s = connect(path);
          s.once('connect', () => res(s));
          s.once('error', rej);
        });
        const q = new Qmp(sock);
        const greeting = await q.next();
        if (!('QMP' in greeting)) throw new Error(`unexpected QMP greeting: ${JSON.stringify(greeting)}`);
        await q.execute('qmp_capabilities');
        return q;
      } catch (e) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`QMP socket ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private next(): Promise<Record<string, unknown>> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((res) => this.waiters.push(res));
  }

  /** Run a command; resolves with its `return` value, rejects with its error. */
  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    const r = await this.next();
    if ('error' in r) throw new Error(`QMP ${command}: ${JSON.stringify(r.error)}`);
    return r.return;
  }

  /** A human-monitor (HMP) command through QMP, on vCPU `cpu` (the monitor's current CPU); its printed text. */
  async hmp(commandLine: string, cpu?: number): Promise<string> {
    return String(await this.execute('human-monitor-command', { 'command-line': commandLine, ...(cpu === undefined ? {} : { 'cpu-index': cpu }) }));
  }

  close(): void {
    this.sock.destroy();
  }
}
