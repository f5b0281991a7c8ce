/**
 * Shadow MMU benchmark (issue 4, "Speed"): shadow page faults handled per
 * second, and a replay of one million random guest operations — accesses with
 * locality, PTE stores, INVLPG and CR3 switches between address spaces — with
 * event collection off (the hot path allocates no event objects). Returns the
 * figures; `bench/bench.ts` prints them.
 */
import { performance } from 'node:perf_hooks';
import { KiB4, MiB2, ScenarioBuilder } from '../src/engine/build';
import { PhysMem } from '../src/engine/memory';
import { OK, PF, READ, WRITE, FETCH, Walker, type OpCode } from '../src/engine/walk';
import { compile } from '../src/engine/compile';
import { ShadowMachine } from '../src/engine/shadow/machine';

const SLOT = { gpa: 0, hpa: 0x1_0000_0000, size: 0x4000_0000 };
const SPACES = 4;
/** Pages per address space: 16 page tables' worth of 4 KiB pages plus some 2 MiB pages. */
const PAGES = 16 * 512;
const LARGE = 32;

interface Space {
  cr3: number;
  va: Float64Array;
  pte: Float64Array;
  /** Addresses of the page-directory entries above the 4 KiB pages. */
  pde: Float64Array;
}

/** Guest with SPACES address spaces over one memory; each maps PAGES 4 KiB pages and LARGE 2 MiB ones. */
function guest(): { mem: PhysMem; spaces: Space[]; cpu: ShadowMachine['cpu'] } {
  const mem = new PhysMem();
  const spaces: Space[] = [];
  let cpu: ShadowMachine['cpu'] | null = null;
  for (let s = 0; s < SPACES; s++) {
    const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x100_0000 + s * 0x40_0000, mem });
    cpu ??= b.cpu;
    const va = new Float64Array(PAGES + LARGE);
    const pte = new Float64Array(PAGES);
    for (let i = 0; i < PAGES; i++) {
      // User pages in low memory, shared kernel-like frames: frames spread over 256 MiB.
      const v = 0x40_0000 + i * KiB4;
      va[i] = v;
      pte[i] = b.map(v, 0x1000_0000 + ((i * 7919 + s * 104729) % 65536) * KiB4, KiB4, { w: true, u: true, a: true, d: i % 3 !== 0 });
    }
    for (let i = 0; i < LARGE; i++) {
      const v = 0x7f00_0000_0000 + i * MiB2;
      va[PAGES + i] = v;
      b.map(v, 0x2000_0000 + i * MiB2, MiB2, { w: true, a: true, d: true });
    }
    const w = new Walker(compile(b.cpu, null), mem);
    const pde = new Float64Array(PAGES / 512);
    for (let t = 0; t < pde.length; t++) {
      w.translate(va[t * 512] % 4294967296, 0, READ, false, false);
      pde[t] = w.g.entryPa[2];
    }
    spaces.push({ cr3: b.cpu.cr3, va, pte, pde });
  }
  return { mem, spaces, cpu: cpu! };
}

/** xorshift32: deterministic and allocation-free. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Faults per second: every first touch of a page exits, walks the guest and builds SPTEs (and tables). */
function faultRate(): { faults: number; ms: number } {
  const g = guest();
  const m = new ShadowMachine({ cpu: g.cpu, slots: [SLOT], memory: g.mem, collectEvents: false });
  const t0 = performance.now();
  let faults = 0;
  for (let s = 0; s < SPACES; s++) {
    m.loadCr3(g.spaces[s].cr3);
    const va = g.spaces[s].va;
    for (let i = 0; i < PAGES; i++) {
      const before = m.counters.pageFaultExits;
      if (m.access(va[i] % 4294967296, Math.floor(va[i] / 4294967296), READ, true, false) !== OK) throw new Error('bench: fault did not resolve');
      faults += m.counters.pageFaultExits - before;
    }
  }
  return { faults, ms: performance.now() - t0 };
}

/** One million operations: 90% accesses (a drifting working set), 6% PTE stores (a few PDE rewrites), 3% INVLPG, 1% CR3 loads. */
function replay(n: number, seed: number) {
  const g = guest();
  const m = new ShadowMachine({ cpu: g.cpu, slots: [SLOT], memory: g.mem, collectEvents: false });
  const r = rng(seed);
  let cur = 0;
  let hot = 0;
  let ok = 0;
  let pf = 0;
  const ops: OpCode[] = [READ, READ, READ, WRITE, READ, FETCH, READ, WRITE];
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const x = r();
    const sel = x % 100;
    const sp = g.spaces[cur];
    if (sel < 90 || (sel === 90 && (x & 0x300) !== 0)) {
      // Locality: mostly within 64 pages of a hot spot that drifts.
      if ((x & 0xfff) === 0) hot = r() % (PAGES + LARGE);
      const y = r();
      const i = (y & 7) === 0 ? y % (PAGES + LARGE) : (hot + ((y >>> 3) % 64)) % (PAGES + LARGE);
      const v = sp.va[i] + ((y >>> 9) & 0xff8);
      const code = m.access(v % 4294967296, Math.floor(v / 4294967296), ops[(y >>> 20) & 7], (y & 0x100000) === 0, false);
      if (code === OK) ok++;
      else if (code === PF) pf++;
    } else if (sel === 90 && (x & 0x300) === 0) {
      // Rewrite a page-directory entry (a write-tracked table): exit, emulate, zap the SPTE.
      const a = sp.pde[(x >>> 10) % sp.pde.length];
      m.store64(a, g.mem.read32(a), g.mem.read32(a + 4));
    } else if (sel < 96) {
      // A PTE store: retarget the frame, or toggle W / present.
      const y = r();
      const i = (hot + (y % 96)) % PAGES;
      const a = sp.pte[i];
      const lo = g.mem.read32(a);
      const kind = y >>> 29;
      const nlo = kind < 5 ? ((lo & 0xfff) | (0x1000_0000 + ((y >>> 8) % 65536) * KiB4)) >>> 0 : kind < 7 ? (lo ^ 2) >>> 0 : (lo | 1) >>> 0;
      m.store64(a, nlo, 0);
    } else if (sel < 99) {
      const v = sp.va[(hot + (r() % 64)) % (PAGES + LARGE)];
      m.invlpg(v % 4294967296, Math.floor(v / 4294967296));
    } else {
      cur = r() % SPACES;
      m.loadCr3(g.spaces[cur].cr3);
    }
  }
  const ms = performance.now() - t0;
  return { ms, ok, pf, c: m.counters };
}

export async function shadowBench(): Promise<Record<string, number>> {
  faultRate(); // warm up
  const f = faultRate();
  const run = replay(1_000_000, 0x5eed);
  const c = run.c;
  return {
    'shadow.faults_per_sec': Math.round((f.faults / f.ms) * 1000),
    'shadow.replay_1m_ms': Math.round(run.ms),
    'shadow.replay_ops_per_sec': Math.round(1_000_000 / (run.ms / 1000)),
    'shadow.replay_ok': run.ok,
    'shadow.replay_pf': run.pf,
    'shadow.replay_exits': c.exits,
    'shadow.replay_page_fault_exits': c.pageFaultExits,
    'shadow.replay_tracked_write_exits': c.trackedWriteExits,
    'shadow.replay_invlpg_exits': c.invlpgExits,
    'shadow.replay_cr3_exits': c.cr3Exits,
    'shadow.replay_injected': c.injected,
    'shadow.replay_emulated': c.emulated,
    'shadow.replay_sp_created': c.spCreated,
    'shadow.replay_sp_zapped': c.spZapped,
    'shadow.replay_sp_alive': c.spAlive,
    'shadow.replay_sptes_present': c.sptesPresent,
    'shadow.replay_unsyncs': c.unsyncs,
    'shadow.replay_syncs': c.syncs,
    'shadow.replay_root_hits': c.rootHits,
    'shadow.replay_root_misses': c.rootMisses,
  };
}
