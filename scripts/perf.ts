/**
 * Speed figures for the production build (a measuring script, not a test):
 *   npm run build && npx tsx scripts/perf.ts
 * Prints: first load to a translated default walk, one step's work, opening a
 * 1,000-table / 100,000-page scenario, pan/zoom frame times there, and the
 * gzipped size of the production JavaScript (what a first load fetches, and all of it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { KiB4, ScenarioBuilder, scenarioToJSON } from '../src/engine';

const PORT = 4181;
const URL = `http://localhost:${PORT}/`;

function bundleSizes(): { file: string; raw: number; gz: number }[] {
  const dir = 'dist/assets';
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => {
      const b = readFileSync(join(dir, f));
      return { file: f, raw: statSync(join(dir, f)).size, gz: gzipSync(b, { level: 9 }).length };
    });
}

/** 1,000 tables mapping 100,000 4 KiB pages: 1 PML4, 1 PDPT, 2 PDs, 996 PTs of ~100 pages each. */
function bigScenario(): string {
  const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x100_0000 });
  const pts = 996;
  const base = Math.floor(100_000 / pts);
  const extra = 100_000 - base * pts;
  let n = 0;
  for (let t = 0; t < pts; t++) {
    for (let i = 0; i < base + (t < extra ? 1 : 0); i++, n++) {
      const va = BigInt(t) * 0x20_0000n + BigInt(i) * 0x1000n;
      b.map(va, 0x1_0000_0000 + n * KiB4, KiB4, { w: true, u: true });
    }
  }
  const json = { id: 'perf-1000-tables', ...scenarioToJSON(b.scenario(), { va: { lo: 0x1234, hi: 0 }, op: 'read', cpl: 0, implicit: false }) };
  return JSON.stringify(json);
}

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(URL);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('vite preview did not start');
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main() {
  if (!existsSync('dist/index.html')) throw new Error('run `npm run build` first');
  const server = spawn('npx', ['vite', 'preview', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
  try {
    await waitForServer();
    const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });

    // 1. First load to a translated default walk (cold page each time, median of 5).
    const loads: number[] = [];
    const starts: number[] = [];
    // The scripts fetched before the default walk is shown (page and worker); the rest are fetched on demand.
    let firstScripts = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const fetched = new Set<string>();
      ctx.on('request', (r) => {
        const f = new globalThis.URL(r.url()).pathname.split('/').pop() ?? '';
        if (f.endsWith('.js')) fetched.add(f);
      });
      const page = await ctx.newPage();
      await page.goto(URL);
      await page.waitForSelector('html[data-ready="true"]');
      firstScripts = new Set(fetched);
      loads.push(await page.evaluate(() => performance.getEntriesByName('pagoda:translated')[0].startTime));
      starts.push(await page.evaluate(() => performance.getEntriesByName('pagoda:start')[0].startTime));
      await ctx.close();
    }

    // 2. One step: keydown → store → React commit → style and layout (median of 40).
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(URL);
    await page.waitForSelector('html[data-ready="true"]');
    // Each step is measured alone (the previous step's inspector update and camera move have settled).
    const stepTimes: number[] = await page.evaluate(`(async () => {
      const out = [];
      for (let i = 0; i < 40; i++) {
        const key = i % 8 < 4 ? 'ArrowLeft' : 'ArrowRight';
        const t0 = performance.now();
        window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
        await Promise.resolve();
        await Promise.resolve();
        void document.body.offsetHeight;
        out.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 400));
      }
      return out;
    })()`);

    // 3. Open a 1,000-table / 100,000-page scenario through Import.
    const dir = mkdtempSync(join(tmpdir(), 'pagoda-perf-'));
    const file = join(dir, 'big.json');
    const text = bigScenario();
    writeFileSync(file, text);
    const t0 = Date.now();
    await page.getByLabel('Import file').setInputFiles(file);
    await page
      .waitForFunction(() => /1,000 tables, 100,000 pages/.test(document.querySelector('.tree-stats')?.textContent ?? ''), null, { timeout: 60_000 })
      .catch(async (e) => {
        console.error('stats:', await page.locator('.tree-stats').textContent(), 'alert:', await page.getByRole('alert').count());
        throw e;
      });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const openMs = Date.now() - t0;
    const stats = await page.locator('.tree-stats').textContent();

    // 4. Pan and zoom there: frame intervals while wheel-zooming and dragging.
    const box = (await page.locator('.tree-viewport').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // A string, so the bundler's helpers (tsx adds __name) do not leak into the page.
    await page.evaluate(`(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__frames.length < 400) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    for (let i = 0; i < 25; i++) await page.mouse.wheel(0, 120);
    for (let i = 0; i < 25; i++) await page.mouse.wheel(0, -120);
    await page.mouse.down();
    for (let i = 0; i < 40; i++) await page.mouse.move(box.x + box.width / 2 + i * 8, box.y + box.height / 2 + i * 5);
    await page.mouse.up();
    const frames: number[] = await page.evaluate('window.__frames.slice(1)');
    const drawn = await page.locator('.tnode').count();
    // 4. A real guest with 1 GiB of RAM (QEMU dump of Debian's 5-level kernel, booted when missing):
    //    Import → first walk shown, and the whole address space folded and drawn.
    // A QEMU dump of Debian's 5-level kernel with 1 GiB of RAM, booted and dumped once.
    const dumpFile = await (await import('../test/guests/dumps')).ensureGuestDump('5', 1024);
    const dumpRuns: { walk: number; fold: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await page.goto(URL);
      await page.waitForSelector('html[data-ready="true"]');
      // Timed in the page, frame by frame, from the file input's change (the user's choice reaching the page)
      // to the first frame showing the walk, then the folded ranges (Playwright's own waits poll too coarsely).
      await page.evaluate(`(() => {
        const rev = document.documentElement.dataset.rev;
        const input = document.querySelector('input[type=file]');
        window.__dump = new Promise((done) => input.addEventListener('change', () => {
          const t0 = performance.now();
          const out = {};
          const tick = () => {
            const t = performance.now() - t0;
            if (out.walk === undefined && document.documentElement.dataset.rev !== rev && /page|#/.test(document.querySelector('.result-title')?.textContent ?? '')) out.walk = t;
            if (out.fold === undefined && document.querySelector('.address-space tbody tr')) out.fold = t;
            if (out.walk !== undefined && out.fold !== undefined) done(out);
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }, { once: true }));
      })()`);
      await page.getByLabel('Import file').setInputFiles(dumpFile);
      const { walk, fold } = (await page.evaluate('window.__dump')) as { walk: number; fold: number };
      dumpRuns.push({ walk: Math.round(walk), fold: Math.round(fold) });
      await ctx.close();
    }
    await browser.close();

    const sizes = bundleSizes();
    const total = sizes.reduce((a, s) => a + s.gz, 0);
    const first = sizes.filter((s) => firstScripts.has(s.file));
    const firstTotal = first.reduce((a, s) => a + s.gz, 0);
    console.log('Pagoda performance (production build, this machine)');
    console.log(`  first load → translated default walk: median ${ms(median(loads))} (runs: ${loads.map((x) => x.toFixed(0)).join(', ')} ms; app script starts at ${ms(median(starts))})`);
    console.log(`  one step (key → commit → layout):     median ${ms(median(stepTimes))}, max ${ms(Math.max(...stepTimes))} (frame = 16.7 ms)`);
    console.log(`  open 1,000 tables / 100,000 pages:   ${openMs} ms (import of a ${(text.length / 1e6).toFixed(1)} MB file → drawn; "${stats?.trim()}")`);
    console.log(`  pan/zoom there: ${frames.length} frames, median ${ms(median(frames))}, p95 ${ms([...frames].sort((a, b) => a - b)[Math.floor(frames.length * 0.95)])}; ${drawn} nodes in the DOM at the end`);
    console.log(`  open a 1 GiB real guest's dump (${(statSync(dumpFile).size / 2 ** 30).toFixed(2)} GiB file) → first walk shown: median ${median(dumpRuns.map((r) => r.walk))} ms after the file is chosen (target < 1000); whole address space folded and listed: median ${median(dumpRuns.map((r) => r.fold))} ms after the file is chosen (runs: ${dumpRuns.map((r) => `${r.walk}/${r.fold}`).join(', ')} ms)`);
    for (const s of sizes) console.log(`  bundle ${s.file}: ${(s.raw / 1024).toFixed(1)} KB, ${(s.gz / 1024).toFixed(1)} KB gzipped${firstScripts.has(s.file) ? '' : ' (on demand)'}`);
    console.log(`  JavaScript a first load fetches: ${(firstTotal / 1024).toFixed(1)} KB gzipped in ${first.length} files (target < 200 KB)`);
    console.log(`  production JavaScript total, on-demand parts included: ${(total / 1024).toFixed(1)} KB gzipped`);
  } finally {
    try {
      process.kill(-server.pid!);
    } catch {
      /* already gone */
    }
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
