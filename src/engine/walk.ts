/**
 * The one walker. A single loop (`walkLevels`) serves every format — 32-bit,
 * PAE, 4- and 5-level guest paging and 4/5-level EPT — as KVM's
 * FNAME(walk_addr_generic) does; a two-dimensional walk is the guest loop with
 * every table address routed through an EPT walk first (KVM's
 * kvm_translate_gpa), then the final address translated, then the guest A/D
 * updates (FORMAT.md rules 1–8, SDM vol. 3 §4.5–4.8, §28.2/§29.3).
 *
 * The walker never writes memory: A/D updates go to `pending` (word address →
 * new value), which later reads see, and `commit()` applies. With `log` set it
 * records every reference for the trace; without it the loop allocates nothing.
 */
import { frame52 } from './bits';
import { isLeaf, isReserved, type PagingFormat } from './formats';
import { isWritable, zeroPage, type Memory } from './memory';
import { FETCH, WRITE, type OpCode } from './ops';
import { rightsFault } from './rights';

export const OK = 0;
export const GP = 1;
export const PF = 2;
export const EPT_VIOLATION = 3;
export const EPT_MISCONFIG = 4;
export type OutcomeCode = 0 | 1 | 2 | 3 | 4;

export { READ, WRITE, FETCH, type OpCode } from './ops';

/** Page-fault error-code bits (SDM §4.7). */
export const PFEC = { P: 1, W: 2, U: 4, RSVD: 8, ID: 16, PK: 32 } as const;

/** Why a walk stopped; the trace explains it. */
export type FaultReason =
  | 'none'
  | 'canonical'
  | 'not-present'
  | 'reserved'
  | 'pdpte-reserved'
  | 'rights'
  | 'ept-not-present'
  | 'ept-misconfig'
  | 'ept-rights'
  | 'ept-ad-write';

/** One memory reference, as the trace needs it. */
export interface RefRecord {
  kind: 'g' | 'e';
  level: number;
  /** Where it was read (host-physical under EPT). */
  pa: number;
  lo: number;
  hi: number;
  /** g: the entry's guest-physical address; e: the guest-physical address this EPT walk translates. */
  gpa: number;
  /** Base of the table the entry is in (g: guest-physical; e: host-physical). */
  tableBase: number;
  index: number;
  /** e only: the guest level whose table this EPT walk serves, 0 for the final address. */
  target: number;
}

/** The compiled inputs of a walk (see compile.ts). */
export interface WalkConfig {
  guest: PagingFormat;
  /** Guest-physical base of the top guest table. */
  root: number;
  /** Canonical check: arithmetic shift of the high half that must give 0 or -1; 0 = no check. */
  canonShift: number;
  wp: boolean;
  smep: boolean;
  smap: boolean;
  ac: boolean;
  /** Protection keys active (CR4.PKE in 4/5-level paging). */
  pke: boolean;
  pkru: number;
  /** Fetches report I/D (SMEP, or NXE outside 32-bit paging). */
  fetchId: boolean;
  ept: PagingFormat | null;
  eptRoot: number;
  eptAd: boolean;
}

/** 2^32, local: an imported binding can cost a getter call per use in some module loaders. */
const TWO32 = 4294967296;
const INV32 = 1 / 4294967296;

const W_OK = 0;
const W_NP = 1;
const W_RSVD = 2;
const W_NESTED = 3;

/** Field offsets of FlatFormat.d (per level). */
const D_SHIFT = 0;
const D_IDXMASK = 1;
const D_PS = 2;
const D_REGISTER = 3;
const D_R0LO = 4;
const D_R0HI = 5;
const D_R1LO = 6;
const D_R1HI = 7;
const D_FRAMELO = 8;
const D_PSE36 = 9;
const D_OFFLO = 10;

/**
 * A format flattened into per-level typed arrays for the walk loop: the same
 * data as its PagingFormat (reserved masks, frame masks, PS rules), with the
 * format's rights, misconfiguration and leaf-base functions turned into masks
 * so the loop makes no indirect calls. Derived once per format and checked
 * against the format's own functions (see `flatten`).
 */
class FlatFormat {
  readonly isGuest: boolean;
  readonly eb8: boolean;
  readonly entryBytes: number;
  readonly rootLevel: number;
  readonly presentMask: number;
  readonly accessedMask: number;
  readonly dirtyMask: number;
  /** Rights = (lo & rightsLo) | (~hi >>> 31 & rightsXd): x86 X=1 (XD inverted) W=2 U=4; EPT R=1 W=2 X=4. */
  readonly rightsLo: number;
  readonly rightsXd: number;
  /** Bit n set: XWR = n is a misconfiguration (EPT); memory type n is one in a leaf. */
  readonly badXwr: number;
  readonly badMt: number;
  /**
   * Per-level data, 16 words a level (index lvl * 16 + field): see the D_*
   * offsets. One array keeps the loop to one typed-array base.
   */
  readonly d = new Int32Array(6 * 16);
  /** Page size in bytes of a leaf at each level. */
  readonly size = new Float64Array(6);

  constructor(readonly f: PagingFormat) {
    this.isGuest = f.kind === 'x86';
    this.entryBytes = f.entryBytes;
    this.eb8 = f.entryBytes === 8;
    this.rootLevel = f.rootLevel;
    this.presentMask = f.presentMask;
    this.accessedMask = f.accessedMask;
    this.dirtyMask = f.dirtyMask;
    this.rightsLo = this.isGuest ? 6 : 7;
    this.rightsXd = this.isGuest ? 1 : 0;
    let badXwr = 0;
    let badMt = 0;
    if (f.misconfigured !== null) {
      for (let x = 0; x < 8; x++) if (f.misconfigured(x, false)) badXwr |= 1 << x;
      for (let t = 0; t < 8; t++) if (f.misconfigured((t << 3) | 7, true) && !f.misconfigured(7, true)) badMt |= 1 << t;
    }
    this.badXwr = badXwr;
    this.badMt = badMt;
    const d = this.d;
    for (let l = 1; l <= f.rootLevel; l++) {
      const L = f.levels[l];
      const o = l * 16;
      d[o + D_SHIFT] = L.shift;
      d[o + D_IDXMASK] = (1 << L.bits) - 1;
      d[o + D_PS] = L.psLeaf ? 1 : 0;
      d[o + D_REGISTER] = L.register ? 1 : 0;
      d[o + D_R0LO] = L.rsvd[0].lo;
      d[o + D_R0HI] = L.rsvd[0].hi;
      d[o + D_R1LO] = L.rsvd[1].lo;
      d[o + D_R1HI] = L.rsvd[1].hi;
      d[o + D_FRAMELO] = L.frameLoMask;
      if (f.entryBytes === 4 && L.psLeaf) d[o + D_PSE36] = Math.floor(f.leafBase(0x1fe000 | 0x80, 0, l) / TWO32);
      if (L.shift < 32) d[o + D_OFFLO] = (2 ** L.shift - 1) | 0;
      this.size[l] = 2 ** L.shift;
    }
  }

  rsvd(lvl: number, lo: number, hi: number): boolean {
    const o = lvl * 16;
    const d = this.d;
    const big = d[o + D_PS] === 1 && (lo & 0x80) !== 0;
    const leaf = lvl === 1 || big;
    return (
      (lo & d[o + (big ? D_R1LO : D_R0LO)]) !== 0 ||
      (hi & d[o + (big ? D_R1HI : D_R0HI)]) !== 0 ||
      ((this.badXwr >>> (lo & 7)) & 1) !== 0 ||
      (leaf && ((this.badMt >>> ((lo >>> 3) & 7)) & 1) !== 0)
    );
  }

  rights(lo: number, hi: number): number {
    return (lo & this.rightsLo) | ((~hi >>> 31) & this.rightsXd);
  }

  leafBase(lvl: number, lo: number, hi: number): number {
    const o = lvl * 16;
    return ((hi & 0xfffff) | ((lo >>> 13) & this.d[o + D_PSE36])) * TWO32 + ((lo & this.d[o + D_FRAMELO]) >>> 0);
  }
}

const flatCache = new WeakMap<PagingFormat, FlatFormat>();

/** The flat form of `f`, built once per format. */
function flatten(f: PagingFormat): FlatFormat {
  let F = flatCache.get(f);
  if (F === undefined) {
    F = new FlatFormat(f);
    flatCache.set(f, F);
  }
  return F;
}

/**
 * Check the flat form of `f` against the format's own functions on many entry
 * values at every level; returns the first disagreement (a rule the masks
 * cannot express), or null. Run by the tests over every format the engine
 * makes, so the walk loop never checks anything at run time.
 */
export function checkFlatFormat(f: PagingFormat, samples = 2048): string | null {
  const F = new FlatFormat(f);
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (seed ^ (seed >>> 13)) >>> 0;
  };
  for (let l = 1; l <= f.rootLevel; l++) {
    const L = f.levels[l];
    for (let i = 0; i < samples; i++) {
      // Sparse random entries: present or not, bit 7 either way, few high bits.
      let lo = (next() & next() & ~0x80) | (i & 1 ? 0x80 : 0) | (i < samples / 2 ? f.presentMask : 0);
      let hi = next() & next() & next();
      if (f.entryBytes === 4) hi = 0;
      if (i % 3 === 0) lo = lo & ~0x8; // vary memory type / flags
      lo >>>= 0;
      hi >>>= 0;
      const leaf = isLeaf(f, l, lo);
      const rs = isReserved(f, l, lo, hi);
      const at = `format ${f.id} level ${l} entry ${hi.toString(16)}:${lo.toString(16)}`;
      if (rs !== F.rsvd(l, lo, hi)) return `${at}: reserved rule differs`;
      if (rs || (lo & f.presentMask) === 0) continue;
      if (!L.register && F.rights(lo, hi) !== f.rights(lo, hi)) return `${at}: rights differ`;
      if (leaf && F.leafBase(l, lo, hi) !== f.leafBase(lo, hi, l)) return `${at}: leaf base differs`;
      if (!leaf && frame52(lo, hi) !== f.tableBase(lo, hi)) return `${at}: table base differs`;
    }
  }
  return null;
}

/** The shared page every Memory returns for absent memory (a local constant for the loop). */
const ZERO_PAGE = zeroPage();

/** Placeholder for LevelState.pages before a level has read anything (its key never matches). */
const NO_PAGE = new Uint32Array(0);

/** Per-level facts of one format walk, reused across walks. */
class LevelState {
  entryPa = new Float64Array(6);
  entryGpa = new Float64Array(6);
  entryLo = new Uint32Array(6);
  entryHi = new Uint32Array(6);
  /** Guest walks under EPT: the EPT rights of the page holding each entry. */
  eptAcc = new Uint8Array(6);
  /**
   * The page each level last read from, by its base address: a table page
   * stays put once returned (PhysMem never moves or frees one; a dump never
   * changes), so this saves the memory's lookup for the tables a run of walks
   * keeps using.
   * Absent (zero) pages are not kept: a later write allocates a real one.
   */
  pageKey = new Float64Array(6).fill(-1);
  pages: Uint32Array[] = new Array<Uint32Array>(6).fill(NO_PAGE);
  acc = 7;
  /** AND of the low halves of the entries the walk used (their A/D bits all set?). */
  andLo = 0;
  leafLevel = 0;
  stopLevel = 0;
  pa = 0;
}

export class Walker {
  readonly g = new LevelState();
  readonly e = new LevelState();
  readonly pending = new Map<number, number>();
  /** pending is non-empty (a plain field: the walk loop tests it at every reference). Only this class writes pending. */
  private dirty = false;
  log: RefRecord[] | null = null;

  outcome: OutcomeCode = OK;
  reason: FaultReason = 'none';
  pa = 0;
  size = 0;
  ec = 0;
  gpa = 0;
  qual = 0;
  /** Guest level (or 0 = final address) an EPT fault happened for. */
  eptTarget = 0;

  private readonly gf: FlatFormat;
  private readonly ef: FlatFormat | null;

  constructor(
    public readonly cfg: WalkConfig,
    public readonly mem: Memory,
  ) {
    this.gf = flatten(cfg.guest);
    this.ef = cfg.ept === null ? null : flatten(cfg.ept);
  }

  private rd(pa: number): number {
    if (this.dirty) {
      const v = this.pending.get(pa);
      if (v !== undefined) return v;
    }
    return this.mem.read32(pa);
  }

  /**
   * The walk loop shared by every format. Walks `f` from the table at `base`
   * for the address (aLo, aHi); `nested` routes each entry's address through
   * EPT first. Stops at the first not-present entry or reserved bit (SDM
   * §4.7 order: present, then reserved, then descend).
   */
  private walkLevels(f: FlatFormat, s: LevelState, base: number, aLo: number, aHi: number, nested: boolean): number {
    let acc = 7;
    let andLo = -1;
    const log = this.log;
    const mem = this.mem;
    const eb8 = f.eb8;
    const ebShift = eb8 ? 3 : 2;
    const d = f.d;
    for (let lvl = f.rootLevel; ; lvl--) {
      const o = lvl << 4;
      const shift = d[o + D_SHIFT];
      const idx = (shift >= 32 ? aHi >>> (shift - 32) : (aLo >>> shift) | (aHi << (32 - shift))) & d[o + D_IDXMASK];
      const egpa = base + (idx << ebShift);
      let epa = egpa;
      if (nested) {
        epa = this.tableAccess(egpa, lvl, d[o + D_REGISTER] === 1);
        if (epa < 0) return W_NESTED;
        s.eptAcc[lvl] = this.e.acc;
      }
      let lo: number;
      let hi = 0;
      if (!this.dirty) {
        const key = epa - (epa & 4095);
        let p: Uint32Array;
        if (s.pageKey[lvl] === key) p = s.pages[lvl];
        else {
          p = mem.pageAt(epa);
          if (p !== ZERO_PAGE) {
            s.pageKey[lvl] = key;
            s.pages[lvl] = p;
          }
        }
        const wi = (epa >>> 2) & 1023;
        lo = p[wi] | 0;
        if (eb8) hi = p[wi + 1] | 0;
      } else {
        lo = this.rd(epa) | 0;
        if (eb8) hi = this.rd(epa + 4) | 0;
      }
      if (log !== null) {
        log.push({
          kind: f.isGuest ? 'g' : 'e',
          level: lvl,
          pa: epa,
          lo: lo >>> 0,
          hi: hi >>> 0,
          gpa: f.isGuest ? egpa : (aHi >>> 0) * TWO32 + (aLo >>> 0),
          tableBase: base,
          index: idx,
          target: f.isGuest ? 0 : this.eptTarget,
        });
      }
      s.entryPa[lvl] = epa;
      s.entryLo[lvl] = lo;
      if (f.isGuest) {
        // Only guest walks need these (the PK check, EPT exits on guest A/D writes).
        s.entryGpa[lvl] = egpa;
        s.entryHi[lvl] = hi;
      }
      if ((lo & f.presentMask) === 0) {
        s.stopLevel = lvl;
        s.acc = 0;
        return W_NP;
      }
      // Reserved bits: KVM's rsvd_bits_mask[bit 7][level], then EPT's bad XWR / memory type.
      const big = d[o + D_PS] === 1 && (lo & 0x80) !== 0;
      const leaf = big || lvl === 1;
      if (
        (lo & d[o + (big ? D_R1LO : D_R0LO)]) !== 0 ||
        (hi & d[o + (big ? D_R1HI : D_R0HI)]) !== 0 ||
        ((f.badXwr >>> (lo & 7)) & 1) !== 0 ||
        (leaf && ((f.badMt >>> ((lo >>> 3) & 7)) & 1) !== 0)
      ) {
        s.stopLevel = lvl;
        return W_RSVD;
      }
      if (d[o + D_REGISTER] === 0) {
        acc &= (lo & f.rightsLo) | ((~hi >>> 31) & f.rightsXd);
        andLo &= lo;
      }
      if (leaf) {
        s.acc = acc;
        s.andLo = andLo;
        s.leafLevel = lvl;
        s.stopLevel = lvl;
        s.pa = ((hi & 0xfffff) | ((lo >>> 13) & d[o + D_PSE36])) * TWO32 + ((lo & d[o + D_FRAMELO]) >>> 0) + (aLo & d[o + D_OFFLO]);
        return W_OK;
      }
      base = (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0);
    }
  }

  /** Translate the guest-physical address of a guest paging-structure entry (FORMAT.md rules 3, 7, 8). */
  private tableAccess(egpa: number, glvl: number, register: boolean): number {
    if (register) return this.eptWalk(egpa, 1, 1, false, 0, glvl); // PDPTE load: a plain read
    const ad = this.cfg.eptAd;
    return this.eptWalk(egpa, ad ? 3 : 1, ad ? 3 : 1, ad, 0x80, glvl);
  }

  /**
   * One EPT walk of `gpa` needing rights `need` (R=1, W=2, X=4). On success sets
   * the EPT A flags (and D on the leaf when `dirty`) if EPT A/D is on, and
   * returns the host-physical address; on failure records the exit and returns -1.
   */
  private eptWalk(gpa: number, need: number, qualAcc: number, dirty: boolean, qualHigh: number, target: number): number {
    const f = this.ef!;
    const s = this.e;
    this.eptTarget = target;
    // gpa < 2^52: `| 0` keeps its low 32 bits, and the scale by 2^-32 is exact.
    const r = this.walkLevels(f, s, this.cfg.eptRoot, gpa | 0, (gpa * INV32) | 0, false);
    if (r === W_RSVD) return this.exit(EPT_MISCONFIG, 'ept-misconfig', gpa, 0);
    if (r === W_NP) return this.exit(EPT_VIOLATION, 'ept-not-present', gpa, qualAcc | (s.acc << 3) | qualHigh);
    if ((s.acc & need) !== need) return this.exit(EPT_VIOLATION, 'ept-rights', gpa, qualAcc | (s.acc << 3) | qualHigh);
    // A/D bits are only ever set during a walk, so entries read with A (and the
    // leaf with D) already set need nothing: the common steady state.
    if (this.cfg.eptAd && ((s.andLo & 0x100) === 0 || (dirty && (s.entryLo[s.leafLevel] & 0x200) === 0))) {
      const leafLevel = s.leafLevel;
      for (let lvl = f.rootLevel; lvl >= leafLevel; lvl--) {
        const bits = lvl === leafLevel && dirty ? 0x300 : 0x100;
        // With nothing pending, memory still holds what this walk just read.
        const cur = this.dirty ? this.rd(s.entryPa[lvl]) : s.entryLo[lvl];
        if ((cur & bits) !== bits) {
          this.pending.set(s.entryPa[lvl], (cur | bits) >>> 0);
          this.dirty = true;
        }
      }
    }
    return s.pa;
  }

  /** Start a walk: nothing pending, no outcome yet. */
  private reset(): void {
    if (this.dirty) {
      this.pending.clear();
      this.dirty = false;
    }
    this.outcome = OK;
    this.reason = 'none';
    this.ec = 0;
    this.qual = 0;
  }

  private exit(code: OutcomeCode, reason: FaultReason, gpa: number, qual: number): number {
    this.outcome = code;
    this.reason = reason;
    this.gpa = gpa;
    this.qual = qual;
    return -1;
  }

  private pageFault(ec: number, reason: FaultReason): OutcomeCode {
    this.outcome = PF;
    this.reason = reason;
    this.ec = ec;
    return PF;
  }

  /**
   * Translate a linear address. `user` is CPL 3; `implicit` an implicit
   * supervisor access. Results are left in the fields; returns the outcome.
   */
  translate(vaLo: number, vaHi: number, op: OpCode, user: boolean, implicit: boolean): OutcomeCode {
    const c = this.cfg;
    const f = this.gf;
    const g = this.g;
    this.reset();
    if (c.canonShift !== 0) {
      const s = (vaHi | 0) >> c.canonShift;
      if (s !== 0 && s !== -1) {
        this.outcome = GP;
        this.reason = 'canonical';
        return GP;
      }
    }
    const userAccess = user && !implicit;
    const ec = (op === WRITE ? PFEC.W : 0) | (userAccess ? PFEC.U : 0) | (op === FETCH && c.fetchId ? PFEC.ID : 0);
    const nested = this.ef !== null;
    const r = this.walkLevels(f, g, c.root, vaLo | 0, f.eb8 && c.guest.addressBits > 32 ? vaHi | 0 : 0, nested);
    if (r === W_NESTED) return this.outcome;
    if (r === W_NP) return this.pageFault(ec, 'not-present');
    if (r === W_RSVD) {
      if (f.d[(g.stopLevel << 4) + D_REGISTER] === 1) {
        this.outcome = GP;
        this.reason = 'pdpte-reserved';
        return GP;
      }
      return this.pageFault(ec | PFEC.P | PFEC.RSVD, 'reserved');
    }
    const perm = this.permissionFault(op, user, implicit);
    if (perm !== 0) return this.pageFault(ec | perm, 'rights');

    let pa = g.pa;
    if (nested) {
      const need = op === WRITE ? 2 : op === FETCH ? 4 : 1;
      pa = this.eptWalk(g.pa, need, need, op === WRITE, 0x180, 0);
      if (pa < 0) return this.outcome;
    }
    const want = f.accessedMask | (op === WRITE ? f.dirtyMask : 0);
    if (((g.andLo & f.accessedMask) === 0 || (g.entryLo[g.leafLevel] & want) !== want) && !this.guestAccessedDirty(op === WRITE)) {
      return this.outcome;
    }
    this.pa = pa;
    this.size = f.size[g.leafLevel];
    return OK;
  }

  /** Rights over the combined guest entries (rights.ts); the key comes from the leaf. */
  private permissionFault(op: OpCode, user: boolean, implicit: boolean): number {
    const g = this.g;
    return rightsFault(g.acc, (g.entryHi[g.leafLevel] >>> 27) & 0xf, op, user, implicit, this.cfg);
  }

  /**
   * Guest A/D updates after a successful walk (FORMAT.md rules 3 and 5): A in
   * every entry used but a PDPTE register, D in the leaf on a write. Under EPT
   * they are guest-physical writes; the first to a page EPT maps without W is
   * an EPT violation and then no guest entry changes.
   */
  private guestAccessedDirty(write: boolean): boolean {
    const f = this.gf;
    const g = this.g;
    const nested = this.ef !== null;
    for (let pass = nested ? 0 : 1; pass < 2; pass++) {
      for (let lvl = f.rootLevel; lvl >= g.leafLevel; lvl--) {
        if (f.d[(lvl << 4) + D_REGISTER] === 1) continue;
        const epa = g.entryPa[lvl];
        const want = f.accessedMask | (lvl === g.leafLevel && write ? f.dirtyMask : 0);
        // With nothing pending, memory still holds what the walk read.
        const cur = this.dirty ? this.rd(epa) : g.entryLo[lvl];
        if ((cur & want) === want) continue;
        if (pass === 1) {
          this.pending.set(epa, (cur | want) >>> 0);
          this.dirty = true;
        } else if ((g.eptAcc[lvl] & 2) === 0) {
          this.eptTarget = lvl;
          this.exit(EPT_VIOLATION, 'ept-ad-write', g.entryGpa[lvl], 0x2 | (g.eptAcc[lvl] << 3) | 0x80);
          return false;
        }
      }
    }
    return true;
  }

  /**
   * An EPT walk on its own: translate guest-physical `gpa` for an access of
   * kind `op` through the configured EPT (KVM walks a nested guest's EPT12 this
   * way, paging_tmpl.h with PTTYPE_EPT). EPT A/D flags, when enabled, go to
   * `pending` like any walk's. Leaves `pa`, `size`, the `e` level state, or the
   * exit (`gpa`, `qual` bits 0–5) in the fields.
   */
  translateGpa(gpa: number, op: OpCode): OutcomeCode {
    if (this.ef === null) throw new Error('translateGpa needs an EPT');
    this.reset();
    const need = op === WRITE ? 2 : op === FETCH ? 4 : 1;
    const pa = this.eptWalk(gpa, need, need, op === WRITE, 0, 0);
    if (pa < 0) return this.outcome;
    this.pa = pa;
    this.size = this.ef.size[this.e.leafLevel];
    return OK;
  }

  /**
   * Apply the pending A/D updates to memory. A read-only memory (a dump) takes
   * no writes: calling this with updates pending there is an error.
   */
  commit(): void {
    if (!this.dirty) return;
    const mem = this.mem;
    if (!isWritable(mem)) throw new Error('this memory is read-only (a dump): the A/D updates stay pending');
    for (const [pa, v] of this.pending) mem.write32(pa, v);
    this.pending.clear();
    this.dirty = false;
  }
}
