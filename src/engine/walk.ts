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
import { TWO32 } from './bits';
import type { PagingFormat } from './formats';
import type { PhysMem } from './memory';

export const OK = 0;
export const GP = 1;
export const PF = 2;
export const EPT_VIOLATION = 3;
export const EPT_MISCONFIG = 4;
export type OutcomeCode = 0 | 1 | 2 | 3 | 4;

export const READ = 0;
export const WRITE = 1;
export const FETCH = 2;
export type OpCode = 0 | 1 | 2;

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

const W_OK = 0;
const W_NP = 1;
const W_RSVD = 2;
const W_NESTED = 3;

/** Per-level facts of one format walk, reused across walks. */
class LevelState {
  entryPa = new Float64Array(6);
  entryGpa = new Float64Array(6);
  entryLo = new Uint32Array(6);
  entryHi = new Uint32Array(6);
  /** Guest walks under EPT: the EPT rights of the page holding each entry. */
  eptAcc = new Uint8Array(6);
  acc = 7;
  leafLevel = 0;
  stopLevel = 0;
  pa = 0;
}

const indexOf = (lo: number, hi: number, shift: number, bits: number): number => {
  const m = (1 << bits) - 1;
  if (shift >= 32) return (hi >>> (shift - 32)) & m;
  if (shift + bits <= 32) return (lo >>> shift) & m;
  return ((lo >>> shift) | (hi << (32 - shift))) & m;
};

export class Walker {
  readonly g = new LevelState();
  readonly e = new LevelState();
  readonly pending = new Map<number, number>();
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

  constructor(
    public cfg: WalkConfig,
    public mem: PhysMem,
  ) {}

  private rd(pa: number): number {
    if (this.pending.size !== 0) {
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
  private walkLevels(f: PagingFormat, s: LevelState, base: number, aLo: number, aHi: number, nested: boolean): number {
    let acc = 7;
    const log = this.log;
    const isGuest = f.kind === 'x86';
    for (let lvl = f.rootLevel; ; lvl--) {
      const L = f.levels[lvl];
      const idx = indexOf(aLo, aHi, L.shift, L.bits);
      const egpa = base + idx * f.entryBytes;
      let epa = egpa;
      if (nested) {
        epa = this.tableAccess(egpa, lvl, L.register);
        if (epa < 0) return W_NESTED;
        s.eptAcc[lvl] = this.e.acc;
      }
      const lo = this.rd(epa);
      const hi = f.entryBytes === 8 ? this.rd(epa + 4) : 0;
      if (log !== null) {
        log.push({
          kind: isGuest ? 'g' : 'e',
          level: lvl,
          pa: epa,
          lo,
          hi,
          gpa: isGuest ? egpa : aHi * TWO32 + aLo,
          tableBase: base,
          index: idx,
          target: isGuest ? 0 : this.eptTarget,
        });
      }
      s.entryPa[lvl] = epa;
      s.entryGpa[lvl] = egpa;
      s.entryLo[lvl] = lo;
      s.entryHi[lvl] = hi;
      s.stopLevel = lvl;
      if ((lo & f.presentMask) === 0) {
        s.acc = 0;
        return W_NP;
      }
      const leaf = lvl === 1 || (L.psLeaf && (lo & 0x80) !== 0);
      const r = L.rsvd[L.psLeaf ? (lo >>> 7) & 1 : 0];
      if ((lo & r.lo) !== 0 || (hi & r.hi) !== 0 || (f.misconfigured !== null && f.misconfigured(lo, leaf))) {
        return W_RSVD;
      }
      if (!L.register) acc &= f.rights(lo, hi);
      if (leaf) {
        s.acc = acc;
        s.leafLevel = lvl;
        s.pa = f.leafBase(lo, hi, lvl) + ((aLo & ((2 ** L.shift - 1) | 0)) >>> 0);
        return W_OK;
      }
      base = f.tableBase(lo, hi);
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
    const f = this.cfg.ept!;
    const s = this.e;
    this.eptTarget = target;
    const r = this.walkLevels(f, s, this.cfg.eptRoot, gpa >>> 0, Math.floor(gpa / TWO32), false);
    if (r === W_RSVD) return this.exit(EPT_MISCONFIG, 'ept-misconfig', gpa, 0);
    if (r === W_NP) return this.exit(EPT_VIOLATION, 'ept-not-present', gpa, qualAcc | (s.acc << 3) | qualHigh);
    if ((s.acc & need) !== need) return this.exit(EPT_VIOLATION, 'ept-rights', gpa, qualAcc | (s.acc << 3) | qualHigh);
    if (this.cfg.eptAd) {
      for (let lvl = f.rootLevel; lvl >= s.leafLevel; lvl--) {
        this.setBits(s.entryPa[lvl], lvl === s.leafLevel && dirty ? 0x300 : 0x100);
      }
    }
    return s.pa;
  }

  private exit(code: OutcomeCode, reason: FaultReason, gpa: number, qual: number): number {
    this.outcome = code;
    this.reason = reason;
    this.gpa = gpa;
    this.qual = qual;
    return -1;
  }

  private setBits(pa: number, bits: number): void {
    const cur = this.rd(pa);
    const nv = (cur | bits) >>> 0;
    if (nv !== cur) this.pending.set(pa, nv);
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
    const f = c.guest;
    const g = this.g;
    this.pending.clear();
    this.outcome = OK;
    this.reason = 'none';
    this.ec = 0;
    this.qual = 0;
    if (c.canonShift !== 0) {
      const s = (vaHi | 0) >> c.canonShift;
      if (s !== 0 && s !== -1) {
        this.outcome = GP;
        this.reason = 'canonical';
        return GP;
      }
    }
    const userAccess = user && !implicit;
    let ec = (op === WRITE ? PFEC.W : 0) | (userAccess ? PFEC.U : 0) | (op === FETCH && c.fetchId ? PFEC.ID : 0);
    const nested = c.ept !== null;
    const r = this.walkLevels(f, g, c.root, vaLo, f.addressBits > 32 ? vaHi : 0, nested);
    if (r === W_NESTED) return this.outcome;
    if (r === W_NP) return this.pageFault(ec, 'not-present');
    if (r === W_RSVD) {
      if (f.levels[g.stopLevel].register) {
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
    if (!this.guestAccessedDirty(op === WRITE)) return this.outcome;
    this.pa = pa;
    this.size = 2 ** f.levels[g.leafLevel].shift;
    return OK;
  }

  /**
   * Rights over the combined entries (SDM §4.6, KVM permission_fault):
   * returns 0, or P plus PK when the protection key denies the access.
   */
  private permissionFault(op: OpCode, user: boolean, implicit: boolean): number {
    const c = this.cfg;
    const acc = this.g.acc;
    const userAddr = (acc & 4) !== 0;
    const writable = (acc & 2) !== 0;
    const exec = (acc & 1) !== 0;
    let fault = false;
    if (user && !implicit) {
      fault = !userAddr || (op === WRITE && !writable) || (op === FETCH && !exec);
    } else if (op === FETCH) {
      fault = (userAddr && c.smep) || !exec;
    } else {
      fault = (userAddr && c.smap && (implicit || !c.ac)) || (op === WRITE && c.wp && !writable);
    }
    let pk = false;
    if (c.pke && userAddr && op !== FETCH) {
      const key = (this.g.entryHi[this.g.leafLevel] >>> 27) & 0xf;
      const bits = c.pkru >>> (2 * key);
      pk = (bits & 1) !== 0 || ((bits & 2) !== 0 && op === WRITE && (c.wp || (user && !implicit)));
    }
    return fault || pk ? PFEC.P | (pk ? PFEC.PK : 0) : 0;
  }

  /**
   * Guest A/D updates after a successful walk (FORMAT.md rules 3 and 5): A in
   * every entry used but a PDPTE register, D in the leaf on a write. Under EPT
   * they are guest-physical writes; the first to a page EPT maps without W is
   * an EPT violation and then no guest entry changes.
   */
  private guestAccessedDirty(write: boolean): boolean {
    const f = this.cfg.guest;
    const g = this.g;
    const nested = this.cfg.ept !== null;
    for (let pass = nested ? 0 : 1; pass < 2; pass++) {
      for (let lvl = f.rootLevel; lvl >= g.leafLevel; lvl--) {
        if (f.levels[lvl].register) continue;
        const epa = g.entryPa[lvl];
        const want = f.accessedMask | (lvl === g.leafLevel && write ? f.dirtyMask : 0);
        const cur = this.rd(epa);
        if ((cur & want) === want) continue;
        if (pass === 1) {
          this.pending.set(epa, (cur | want) >>> 0);
        } else if ((g.eptAcc[lvl] & 2) === 0) {
          this.eptTarget = lvl;
          this.exit(EPT_VIOLATION, 'ept-ad-write', g.entryGpa[lvl], 0x2 | (g.eptAcc[lvl] << 3) | 0x80);
          return false;
        }
      }
    }
    return true;
  }

  /** Apply the pending A/D updates to memory. */
  commit(): void {
    for (const [pa, v] of this.pending) this.mem.write32(pa, v);
    this.pending.clear();
  }
}
