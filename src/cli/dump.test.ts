import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KiB4, MiB2, ScenarioBuilder } from '../engine';
import { memoryBytes, writeCore } from '../engine/dump/write-core';

const root = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'pagoda-dump-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function cli(...args: string[]): { code: number | null; out: string[]; err: string[] } {
  const r = spawnSync(join(root, 'node_modules/.bin/tsx'), ['src/cli/dump.ts', ...args], { cwd: root, encoding: 'utf8' });
  const lines = (s: string) => s.split('\n').filter((l) => l !== '');
  return { code: r.status, out: lines(r.stdout), err: lines(r.stderr) };
}

/** A small 4-level guest: tables and pages in the first 4 MiB, written as one PT_LOAD. */
function guestCore(cr3Override?: bigint): Uint8Array {
  const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10000 });
  b.map(0x7000, 0x30_0000, KiB4, { w: true, u: true });
  b.map(0xffff_8880_0000_0000n, 0x20_0000, MiB2, { w: true, g: true, nx: true });
  return writeCore({
    elfClass: 64,
    cpus: [{ cr0: 0x80010001n, cr3: cr3Override ?? BigInt(b.cpu.cr3), cr4: 0x20n }],
    loads: [{ pa: 0, bytes: memoryBytes((pa) => b.mem.read32(pa), 0, 0x40_0000) }],
  });
}

describe('npm run dump', () => {
  const good = file('good.elf', guestCore());

  it('list: one JSON line per present leaf, ascending, canonical addresses', () => {
    const r = cli(good, 'list');
    expect(r.code).toBe(0);
    expect(r.out.map((l) => JSON.parse(l))).toEqual([
      { va: '0x7000', pa: '0x300000', size: 4096, entry: '0x300007' },
      { va: '0xffff888000000000', pa: '0x200000', size: 2097152, entry: '0x8000000000200183' },
    ]);
  });

  it('translate: one line per address with the vectors result keys; nothing is written to the file', () => {
    const r = cli(good, 'translate', '0x7123', '0xffff888000012345', '0x8000', '--write', '--user');
    expect(r.code).toBe(0);
    const [a, b, c] = r.out.map((l) => JSON.parse(l));
    expect(a.va).toBe('0x7123');
    expect(Object.keys(a.result).sort()).toEqual(['outcome', 'pa', 'refs', 'size', 'writes']);
    expect(a.result).toMatchObject({ outcome: 'ok', pa: '0x300123', size: 4096 });
    expect(Object.keys(a.result.writes).length).toBe(4);
    expect(b.result).toMatchObject({ outcome: 'pf', ec: '0x7' });
    expect(c.result).toMatchObject({ outcome: 'pf', ec: '0x6' });
    expect(cli(good, 'list').out[0]).toContain('"entry":"0x300007"');
  });

  it('mappings, reverse and info', () => {
    expect(cli(good, 'mappings', '--kernel-only').out.map((l) => JSON.parse(l))).toEqual([
      { start: '0xffff888000000000', last: '0xffff8880001fffff', pages: 1, pageSize: 2097152, rights: 'KRN RW NX', attrs: 'GLB', pa: '0x200000', physContiguous: true, reserved: false },
    ]);
    expect(JSON.parse(cli(good, 'reverse', '0x300010').out[0])).toEqual({
      pa: '0x300010',
      mapped: [
        { va: '0x7010', size: 4096, entry: '0x300007' },
        { va: '0xffff888000100010', size: 2097152, entry: '0x8000000000200183' },
      ],
    });
    const info = JSON.parse(cli(good, 'info').out[0]);
    expect(info).toMatchObject({ paging: '4', vcpus: 1, machine: 'EM_X86_64' });
    expect(info.assumptions.join(' ')).toMatch(/NXE is taken as on/);
  });

  it('bad files: one clear line on stderr and a non-zero exit', () => {
    const kdump = new Uint8Array(8192);
    kdump.set([...'KDUMP   '].map((c) => c.charCodeAt(0)));
    const g = guestCore();
    const cases: [string, RegExp][] = [
      [file('text.elf', new Uint8Array([...'just some text\n'].map((c) => c.charCodeAt(0)))), /not an ELF file/],
      [file('kdump.elf', kdump), /kdump-compressed/],
      [file('short.elf', g.subarray(0, g.length - 4096)), /truncated: memory segment/],
      [file('nonote.elf', writeCore({ elfClass: 64, cpus: [], notes: [], loads: [{ pa: 0, bytes: new Uint8Array(4096) }] })), /no "QEMU" CPU-state note/],
      [file('cr3.elf', guestCore(0x1_0000_0000n)), /CR3 0x100000000 .* outside the dumped memory/],
      [join(dir, 'missing.elf'), /cannot open .*missing.elf: ENOENT/],
    ];
    for (const [path, msg] of cases) {
      const r = cli(path, 'list');
      expect(r.code, path).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.err.length, path).toBe(1);
      expect(r.err[0]).toMatch(/^dump: /);
      expect(r.err[0]).toMatch(msg);
    }
  });

  it('usage errors exit 2', () => {
    expect(cli(good).code).toBe(2);
    expect(cli(good, 'translate').code).toBe(2);
    expect(cli(good, 'translate', '0x1000', '--write', '--fetch').code).toBe(2);
    expect(cli(good, 'frobnicate').code).toBe(2);
    const r = cli(good, 'translate', 'xyz');
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/"xyz" is not a hex linear address/);
  });
}, 60_000);
