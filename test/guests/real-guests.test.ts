/**
 * Real guests, checked against QEMU's own walker. For each paging mode, boot
 * Debian's own kernel (linux-image-cloud-amd64 with -cpu max,la57=on and
 * la57=off; the i386 linux-image-686-pae and linux-image-686) with a busybox
 * initramfs under TCG, wait for its init's marker, pause it, take
 * dump-guest-memory, then compare the dump CLI with QEMU: `list` against
 * `info tlb` (every present leaf), `translate` against `gva2gpa` (hundreds of
 * sampled addresses). Agreement must be total; QEMU's departures from the SDM
 * are accounted for by name in compare.ts. The figures go to
 * .cache/guests/agreement.json and the log.
 *
 * Set PAGODA_SKIP_GUESTS=1 to skip (the tests need QEMU, cpio, busybox-static
 * and Debian's kernel packages, which they install/fetch as root).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonical, collectLeaves, dumpCpu, foldMappings, openDump, qemuDepartures, type DumpCpu, type LeafJSON, type LeafTable, type TranslateJSON } from '../../src/engine/dump';
import { hex64 } from '../../src/engine/bits';
import { fileSource } from '../../src/cli/file-source';
import { GUESTS, cacheDir, repoRoot, type GuestMode } from './assets';
import { compareList, compareTranslate, parseInfoTlb, type Tally } from './compare';
import { dumpPathFor } from './dumps';
import { Guest } from './guest';
import { sampleAddresses } from './sample';

const skip = process.env.PAGODA_SKIP_GUESTS === '1';
const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');

/** The dump CLI, as a script would run it. */
function cli(args: string[]): string[] {
  const out = execFileSync(TSX, ['src/cli/dump.ts', ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((l) => l !== '');
}

interface ModeReport {
  kernel: string;
  vcpus: { cpu: number; leaves: number; userLeaves: number; list: Tally; translate: Tally }[];
  departures: string[];
}

const report: Record<string, ModeReport> = {};

/** 4-level runs two vCPUs, so the second vCPU's note (idle: kernel tables only) is checked too. */
const RUNS: { mode: GuestMode; smp: number; title: string }[] = [
  { mode: '5', smp: 1, title: GUESTS['5'].title },
  { mode: '4', smp: 2, title: GUESTS['4'].title },
  { mode: 'pae', smp: 1, title: GUESTS.pae.title },
  { mode: '32', smp: 1, title: GUESTS['32'].title },
];

const summary = (t: Tally) => `${t.agreed}/${t.compared}${Object.keys(t.named).length ? ` (named: ${JSON.stringify(t.named)})` : ''}`;

for (const { mode, smp, title } of RUNS) describe.skipIf(skip)(`${title} paging: a real Linux under QEMU`, () => {
  const spec = GUESTS[mode];
  let guest: Guest;
  let dir: string;
  let dumpPath: string;
  const tlb: string[] = [];

  beforeAll(async () => {
    guest = await Guest.boot(spec, { smp });
    for (let c = 0; c < smp; c++) tlb.push(await guest.infoTlb(c));
    dir = mkdtempSync(join(tmpdir(), `pagoda-dump-${mode}-`));
    dumpPath = join(dir, 'guest.elf');
    await guest.dump(dumpPath);
    const pkg = readFileSync(join(cacheDir, `${spec.kernelPackage}-${spec.arch}`, 'package.txt'), 'utf8').trim();
    report[mode] = { kernel: pkg, vcpus: [], departures: [] };
  }, 400_000);

  afterAll(async () => {
    await guest?.close();
    if (dumpPath && existsSync(dumpPath)) {
      // Keep the 5-level dump for `npm run bench`.
      if (mode === '5') {
        mkdirSync(join(cacheDir, 'dumps'), { recursive: true });
        renameSync(dumpPath, dumpPathFor('5'));
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (let cpu = 0; cpu < smp; cpu++) {
    it(`vCPU ${cpu}: list gives every present leaf that info tlb gives, with the same address, page and flags`, () => {
      const lines = cli([dumpPath, 'list', '--cpu', String(cpu)]).map((l) => JSON.parse(l) as LeafJSON);
      const src = fileSource(dumpPath);
      try {
        const d = dumpCpu(openDump(src), { cpu });
        expect(d.paging).toBe(mode);
        const { leaves } = collectLeaves(d.format, d.input.memory, d.root);
        let user = 0;
        for (let i = 0; i < leaves.n; i++) user += leaves.acc[i] & 4 ? 1 : 0;
        const t = compareList(mode, lines, parseInfoTlb(tlb[cpu]));
        report[mode].vcpus[cpu] = { cpu, leaves: lines.length, userLeaves: user, list: t, translate: { compared: 0, agreed: 0, named: {}, mismatches: [] } };
        report[mode].departures = qemuDepartures(d).map((x) => `${x.id} at 0x${x.pa.toString(16)}`);
        console.log(`${mode} vCPU ${cpu}: list vs info tlb ${summary(t)}; ${user} user leaves`);
        expect(t.mismatches.slice(0, 10)).toEqual([]);
        expect(t.agreed).toBe(t.compared);
        // Every vCPU has the kernel mapped; the one running the shell also its 64 MiB heap (checked below).
        expect(lines.length).toBeGreaterThan(1000);
      } finally {
        src.close();
      }
    }, 120_000);

    it(`vCPU ${cpu}: translate agrees with gva2gpa on hundreds of sampled addresses`, async () => {
      const src = fileSource(dumpPath);
      let d: DumpCpu;
      let leaves: LeafTable;
      try {
        d = dumpCpu(openDump(src), { cpu });
        leaves = collectLeaves(d.format, d.input.memory, d.root).leaves;
      } finally {
        src.close();
      }
      const vas = sampleAddresses(leaves, foldMappings(leaves), 0x5eed + cpu + mode.charCodeAt(0));
      // A user-mode read where the page is user-accessible (a supervisor read there would meet SMAP), else supervisor.
      const user = vas.map((va) => {
        const i = leaves.find(va);
        return i >= 0 && (leaves.acc[i] & 4) !== 0;
      });
      const text = vas.map((va) => {
        const c = canonical(leaves.format, va);
        return hex64(c.lo, c.hi);
      });
      const run = (pick: boolean) => {
        const idx = text.map((_, i) => i).filter((i) => user[i] === pick);
        if (idx.length === 0) return new Map<number, TranslateJSON>();
        const out = cli([dumpPath, 'translate', ...idx.map((i) => text[i]), '--cpu', String(cpu), ...(pick ? ['--user'] : [])]).map((l) => JSON.parse(l) as TranslateJSON);
        expect(out.length).toBe(idx.length);
        return new Map(idx.map((i, k) => [i, out[k]]));
      };
      const u = run(true);
      const s = run(false);
      const results = text.map((_, i) => (user[i] ? u : s).get(i)!);
      results.forEach((r, i) => expect(r.va).toBe(text[i]));
      const reopened = fileSource(dumpPath);
      try {
        const dd = dumpCpu(openDump(reopened), { cpu });
        const q = await guest.gva2gpa(
          text.map((t) => BigInt(t)),
          cpu,
        );
        const t = compareTranslate(dd, results, user, q);
        report[mode].vcpus[cpu].translate = t;
        const mapped = q.filter((x) => x !== null).length;
        console.log(`${mode} vCPU ${cpu}: translate vs gva2gpa ${summary(t)}; ${mapped} mapped, ${t.compared - mapped} unmapped`);
        expect(t.mismatches.slice(0, 10)).toEqual([]);
        expect(t.agreed).toBe(t.compared);
        expect(t.compared).toBeGreaterThanOrEqual(300);
        expect(mapped).toBeGreaterThan(100);
      } finally {
        reopened.close();
      }
      const file = join(cacheDir, 'agreement.json');
      const old = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
      writeFileSync(file, JSON.stringify({ ...old, [mode]: report[mode] }, null, 1) + '\n');
    }, 120_000);
  }

  it('the vCPU running the shell has its heap mapped: thousands of user pages compared', () => {
    const busiest = Math.max(...report[mode].vcpus.map((v) => v.userLeaves));
    expect(busiest).toBeGreaterThan(10_000);
  });
});
