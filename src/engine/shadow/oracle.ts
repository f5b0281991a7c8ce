/**
 * What bare hardware could show (FORMAT.md "Shadow case" TLB rules), as a
 * checker: a per-address set of translations a TLB could hold — any
 * translation valid at some moment since the last CR3 load (TLBs may cache
 * speculatively), minus those an INVLPG inside their page or a page fault on
 * their page removed — plus the fresh walk. Not-present and reserved states
 * are never cached; PAE PDPTEs are registers loaded at CR3 load. Paging-structure caches are not modelled: the shadow MMU
 * keeps upper levels exact (they are write-tracked), so a result from stale
 * upper entries is reported as a violation. Used by the property tests and
 * available to the UI to explain why a stale result is legal.
 */
import { compile } from '../compile';
import type { PhysMem } from '../memory';
import type { CpuState } from '../scenario';
import { FETCH, OK, PF, READ, WRITE, Walker, type OpCode } from '../walk';
import type { HostMemory } from './host';

export interface TlbEntry {
  /** Linear base and size of the page the translation maps. */
  base: number;
  size: number;
  /** Host-physical address the tracked linear address maps to. */
  pa: number;
  /** Combined rights X=1 W=2 U=4. */
  acc: number;
  dirty: boolean;
  pkey: number;
}

export interface Seen {
  outcome: 'ok' | 'pf' | 'gp';
  pa?: number;
  ec?: number;
}

const key = (lo: number, hi: number): string => `${hi >>> 0}:${lo >>> 0}`;

export class TlbOracle {
  private cache = new Map<string, TlbEntry[]>();
  private walker: Walker;
  /** PAE: the PDPTE registers loaded at the last CR3 load (words), swapped in around each walk. */
  private pdpte: Uint32Array | null = null;

  constructor(
    private cpu: CpuState,
    private readonly mem: PhysMem,
    private readonly host: HostMemory,
    /** The linear addresses whose translations are tracked. */
    readonly vas: { lo: number; hi: number }[],
  ) {
    this.walker = new Walker(compile(cpu, null), mem);
    this.loadPdptes();
    for (const v of vas) this.cache.set(key(v.lo, v.hi), []);
    this.observe();
  }

  private loadPdptes(): void {
    if (this.cpu.paging !== 'pae') {
      this.pdpte = null;
      return;
    }
    const base = this.walker.cfg.root;
    this.pdpte = new Uint32Array(8);
    for (let k = 0; k < 8; k++) this.pdpte[k] = this.mem.read32(base + 4 * k);
  }

  /** A walk with the PDPTE registers in place of the PDPT in memory (no A/D committed). */
  private walk(lo: number, hi: number, op: OpCode, user: boolean, implicit: boolean): number {
    const w = this.walker;
    if (this.pdpte === null) return w.translate(lo, hi, op, user, implicit);
    const base = w.cfg.root;
    const saved = new Uint32Array(8);
    for (let k = 0; k < 8; k++) {
      saved[k] = this.mem.read32(base + 4 * k);
      this.mem.write32(base + 4 * k, this.pdpte[k]);
    }
    const code = w.translate(lo, hi, op, user, implicit);
    for (let k = 0; k < 8; k++) this.mem.write32(base + 4 * k, saved[k]);
    return code;
  }

  /** The fresh walk now, as the guest would see it on a TLB miss. */
  fresh(lo: number, hi: number, op: OpCode, user: boolean, implicit: boolean): Seen {
    const w = this.walker;
    const code = this.walk(lo, hi, op, user, implicit);
    if (code === OK) return { outcome: 'ok', pa: this.host.hpaOf(w.pa) };
    if (code === PF) return { outcome: 'pf', ec: w.ec };
    return { outcome: 'gp' };
  }

  /** Record every tracked address's translation valid now (a TLB may cache it at any time). */
  observe(): void {
    const w = this.walker;
    const f = this.walker.cfg.guest;
    for (const v of this.vas) {
      this.walk(v.lo, v.hi, READ, false, true);
      if (!(w.outcome === OK || (w.outcome === PF && w.reason === 'rights'))) continue;
      const g = w.g;
      const leaf = g.leafLevel;
      const size = 2 ** f.levels[leaf].shift;
      const va = (v.hi >>> 0) * 4294967296 + (v.lo >>> 0);
      const e: TlbEntry = {
        base: va - (va % size),
        size,
        pa: this.host.hpaOf(g.pa),
        acc: g.acc,
        dirty: (g.entryLo[leaf] & f.dirtyMask) !== 0,
        pkey: f.entryBytes === 8 ? (g.entryHi[leaf] >>> 27) & 15 : 0,
      };
      const list = this.cache.get(key(v.lo, v.hi))!;
      if (!list.some((x) => x.pa === e.pa && x.acc === e.acc && x.dirty === e.dirty && x.pkey === e.pkey && x.size === e.size)) list.push(e);
    }
  }

  /** MOV CR3 (no global pages): everything goes. */
  loadCr3(cpu: CpuState): void {
    this.cpu = cpu;
    this.walker = new Walker(compile(cpu, null), this.mem);
    this.loadPdptes();
    for (const l of this.cache.values()) l.length = 0;
    this.observe();
  }

  /** INVLPG, or a page fault at `va`: entries whose page holds it go. */
  invalidate(lo: number, hi: number): void {
    const va = (hi >>> 0) * 4294967296 + (lo >>> 0);
    for (const l of this.cache.values()) {
      for (let i = l.length - 1; i >= 0; i--) if (va >= l[i].base && va < l[i].base + l[i].size) l.splice(i, 1);
    }
    this.observe();
  }

  /** Would a TLB entry let this access through (SDM §4.6; a write needs a dirty entry)? */
  private permits(e: TlbEntry, op: OpCode, user: boolean, implicit: boolean): boolean {
    const c = this.cpu;
    const u = (e.acc & 4) !== 0;
    const w = (e.acc & 2) !== 0;
    const x = (e.acc & 1) !== 0;
    if (op === WRITE && !e.dirty) return false;
    if (user && !implicit) {
      if (!u || (op === WRITE && !w) || (op === FETCH && !x)) return false;
    } else if (op === FETCH) {
      if (!x || (u && c.smep)) return false;
    } else {
      if (u && c.smap && (implicit || !c.ac)) return false;
      if (op === WRITE && !w && c.wp) return false;
    }
    const pke = c.pke && (c.paging === '4' || c.paging === '5');
    if (pke && u && op !== FETCH) {
      const bits = (c.pkru >>> 0) >>> (2 * e.pkey);
      if ((bits & 1) !== 0 || ((bits & 2) !== 0 && op === WRITE && (c.wp || (user && !implicit)))) return false;
    }
    return true;
  }

  /**
   * Check a result the guest saw for an access at a tracked address (call
   * before `after`). Returns null when hardware could show it, else why not.
   */
  check(lo: number, hi: number, op: OpCode, user: boolean, implicit: boolean, got: Seen): string | null {
    const fr = this.fresh(lo, hi, op, user, implicit);
    if (fr.outcome === got.outcome && fr.pa === got.pa && fr.ec === got.ec) return null;
    if (got.outcome === 'ok') {
      const l = this.cache.get(key(lo, hi)) ?? [];
      if (l.some((e) => e.pa === got.pa && this.permits(e, op, user, implicit))) return null;
    }
    return `got ${JSON.stringify(got)}, fresh walk gives ${JSON.stringify(fr)} and no TLB entry allows it`;
  }

  /** After an access: a fault removes its page's entries; then record what is valid now. */
  after(lo: number, hi: number, got: Seen): void {
    if (got.outcome === 'pf') this.invalidate(lo, hi);
    else this.observe();
  }
}
