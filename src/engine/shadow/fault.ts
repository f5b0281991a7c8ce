/**
 * The shadow-paging fault path, FNAME(page_fault) and FNAME(fetch) of
 * paging_tmpl.h: walk the guest tables with the engine's Walker, inject the
 * guest's fault, or set guest A/D, find or create every shadow page down to
 * the leaf and install the SPTE with guest rights AND host rights AND write
 * protection. Guest large pages are always split: a direct shadow page of
 * 4 KiB SPTEs maps them (KVM's choice whenever the range holds shadowed page
 * tables; Pagoda takes it always, so every leaf SPTE is 4 KiB).
 */
import { ACC_U, ACC_W, ACC_X } from './role';
import type { ShadowPage } from './pages';
import type { ShadowMachine } from './machine';
import { hx } from './events';
import { leafSpte } from './spte';
import { invalidateAddr, rootPageFor, spIndex } from './roots';
import { trackWrite } from './write-track';
import { GP, OK, PF, WRITE, type OpCode, type OutcomeCode } from '../walk';
import { ScenarioError } from '../scenario';
import { hex64 } from '../bits';

const OPS = ['read', 'write', 'fetch'];

/**
 * Run the guest walk for a fault. PAE guests walk with the PDPTE registers
 * loaded at the last CR3 load, not the PDPT in memory: they are swapped in
 * around the walk (the walker reads memory directly).
 */
export function guestWalk(m: ShadowMachine, vaLo: number, vaHi: number, op: OpCode, user: boolean, implicit: boolean): OutcomeCode {
  const w = m.walker;
  if (!m.paeRoot || m.cpu.paging !== 'pae') {
    const code = w.translate(vaLo, vaHi, op, user, implicit);
    if (code === OK) w.commit();
    return code;
  }
  const base = m.pdptBase;
  const saved = new Uint32Array(8);
  for (let k = 0; k < 8; k++) {
    saved[k] = m.mem.read32(base + 4 * k);
    m.mem.write32(base + 4 * k, m.pdpte[k]);
  }
  const code = w.translate(vaLo, vaHi, op, user, implicit);
  if (code === OK) w.commit();
  for (let k = 0; k < 8; k++) if (m.mem.read32(base + 4 * k) === m.pdpte[k]) m.mem.write32(base + 4 * k, saved[k]);
  return code;
}

/**
 * FNAME(page_fault) for an access the shadow tables did not allow. Returns
 * the guest's outcome; on OK, `m.pa` is the host-physical address.
 */
export function pageFault(m: ShadowMachine, vaLo: number, vaHi: number, op: OpCode, user: boolean, implicit: boolean): OutcomeCode {
  const ev = m.ev;
  if (ev.on) ev.exit('page-fault', `exit: page fault at linear ${hex64(vaLo, vaHi)} (${OPS[op]}, cpl ${user ? 3 : 0}${implicit ? ', implicit' : ''}); KVM walks the guest tables`);
  else ev.exit('page-fault', '');
  const w = m.walker;
  const code = guestWalk(m, vaLo, vaHi, op, user, implicit);
  if (code !== OK) {
    ev.counters.injected++;
    m.ec = w.ec;
    if (ev.on) ev.emit('inject', code === PF ? `guest #PF injected, error code ${hx(w.ec)} (${w.reason})` : `guest #GP injected (${w.reason})`);
    // A fault removes the TLB entries for its page (SDM §4.10.4.1): resync this address's SPTE.
    if (code === PF) invalidateAddr(m, vaLo, vaHi, false);
    return code === GP ? GP : PF;
  }
  const g = w.g;
  const f = m.cfg.guest;
  const G = g.leafLevel;
  const gpa = w.pa;
  const gfn = Math.floor(gpa / 4096);
  const slot = m.host.slotOf(gfn);
  if (slot === null) throw new ScenarioError('host.slots', `guest-physical ${hx(gpa)} is in no memory slot`);
  const hpa = slot.hpa + (gfn * 4096 - slot.gpa);
  if (ev.on) ev.emit('guest-ad', `guest walk ok: guest-physical ${hx(gpa)}; accessed${op === WRITE ? '/dirty' : ''} flags set in guest entries`);

  // pt_access[]: rights AND-ed from the top down to and including each level's entry.
  const ptAcc = m.ptAcc;
  let acc = 7;
  for (let l = f.rootLevel; l >= G; l--) {
    if (!f.levels[l].register) acc &= f.rights(g.entryLo[l], g.entryHi[l]);
    ptAcc[l] = acc;
  }
  const writeFault = op === WRITE;
  // protect_clean_gpte: a clean guest leaf is mapped read-only until a write fault sets D.
  if (!writeFault && (g.entryLo[G] & f.dirtyMask) === 0) acc &= ~ACC_W;
  let emulate: string | null = null;
  // CR0.WP=0: a supervisor write to a read-only page gets W and loses U (and X under SMEP).
  if (writeFault && (acc & ACC_W) === 0 && !m.cpu.wp && !(user && !implicit)) {
    // With SMAP the converted page would let implicit supervisor reads through; emulate instead.
    if (m.cpu.smap && (acc & ACC_U) !== 0) emulate = 'CR0.WP=0 write to a user page under SMAP';
    acc = (acc | ACC_W) & ~ACC_U;
    if (m.cpu.smep) acc &= ~ACC_X;
  }
  if (emulate === null && writeFault && m.store.isWriteTracked(gfn)) {
    // page_fault_handle_page_track: a write to a shadowed table is emulated.
    emulate = `write to write-tracked gfn ${ev.on ? hx(gfn) : ''}`;
    trackWrite(m, gpa - (gpa % 4), 4);
  } else if (emulate === null) {
    const pkey = f.entryBytes === 8 ? (g.entryHi[G] >>> 27) & 15 : 0;
    fetch(m, vaLo, vaHi, G, gfn, hpa, acc, pkey, !slot.readonly);
    if (m.hwWalk(vaLo, vaHi, op, user, implicit) < 0) emulate = 'the SPTE still denies the access';
  }
  ev.counters.faultsFixed++;
  if (emulate !== null) {
    ev.counters.emulated++;
    if (ev.on) ev.emit('emulate', `access emulated: ${emulate}`, { gfn });
    m.pa = hpa + (gpa % 4096);
  }
  // Otherwise m.pa is what the CPU found through the new SPTE on the retry.
  return OK;
}

/**
 * FNAME(fetch): from the root down, get or create the indirect shadow page for
 * each guest table on the path (gfn = the table, access = rights above it),
 * then direct pages below a guest large page, then set the leaf SPTE.
 */
function fetch(m: ShadowMachine, vaLo: number, vaHi: number, G: number, gfn: number, hpa: number, acc: number, pkey: number, hostWritable: boolean): void {
  const st = m.store;
  const g = m.walker.g;
  let sp = rootPageFor(m.root!, vaLo)!;
  sp.writeFlooding = 0;
  while (sp.level > G) {
    const i = spIndex(vaLo, vaHi, sp.level);
    sp = st.indirectChild(sp, i, Math.floor(g.entryGpa[sp.level - 1] / 4096), m.ptAcc[sp.level]);
  }
  while (sp.level > 1) sp = st.directChild(sp, spIndex(vaLo, vaHi, sp.level), gfn, acc);
  setLeaf(m, sp, spIndex(vaLo, vaHi, 1), gfn, hpa, acc, pkey, hostWritable, true);
}

/**
 * mmu_set_spte / make_spte for a leaf: W survives only if the host allows it
 * and the gfn is not a shadowed page table, or may go unsync (`canUnsync`).
 */
export function setLeaf(m: ShadowMachine, sp: ShadowPage, i: number, gfn: number, hpa: number, acc: number, pkey: number, hostWritable: boolean, canUnsync: boolean): void {
  let a = acc;
  if (!hostWritable) a &= ~ACC_W;
  let mmuWritable = true;
  if ((a & ACC_W) !== 0 && !m.store.tryUnsync(gfn, canUnsync)) {
    a &= ~ACC_W;
    mmuWritable = false;
  }
  const was = sp.isPresent(i);
  const s = leafSpte(hpa, a, pkey, hostWritable, mmuWritable);
  m.store.setLeaf(sp, i, s.lo, s.hi, gfn, acc);
  if (m.ev.on) {
    const why = (acc & ACC_W) !== 0 && (a & ACC_W) === 0 ? ' (read-only: gfn is a shadowed page table)' : '';
    m.ev.emit(was ? 'spte-update' : 'spte-install', `SPTE #${sp.id}[${i}] ${was ? 'updated' : 'installed'}: gfn ${hx(gfn)} → host ${hx(hpa)} ${rightsText(a)}${why}`, { sp: sp.id, index: i, gfn, level: 1 });
  }
}

const rightsText = (a: number): string => `${a & ACC_U ? 'U' : 'S'}${a & ACC_W ? 'W' : 'R'}${a & ACC_X ? 'X' : 'NX'}`;
