import { describe, expect, it } from 'vitest';
import { EventLog } from './events';
import { HostMemory } from './host';
import { PageStore, SPTE_PRESENT, type ShadowPage } from './pages';
import { ACC_ALL, childRole, decodeRole, encodeRole, roleText, type Role } from './role';
import { trackWrite, writeMisaligned, writtenSptes } from './write-track';
import type { ShadowMachine } from './machine';

const role = (over: Partial<Role> = {}): number =>
  encodeRole({ level: 4, has4ByteGpte: false, quadrant: 0, direct: false, access: ACC_ALL, invalid: false, eferNx: true, cr0Wp: true, smepAndNotWp: false, smapAndNotWp: false, adDisabled: false, guestMode: false, ...over });

function store() {
  const ev = new EventLog(true);
  const st = new PageStore(new HostMemory([{ gpa: 0, hpa: 0x1_0000_0000, size: 0x4000_0000 }]), ev, 0x827);
  st.owner = { syncSpte: () => {} };
  return { st, ev };
}

describe('role', () => {
  it('round-trips and uses KVM bit positions', () => {
    const r: Role = { level: 2, has4ByteGpte: true, quadrant: 3, direct: true, access: 5, invalid: false, eferNx: true, cr0Wp: false, smepAndNotWp: true, smapAndNotWp: false, adDisabled: true, guestMode: true };
    const w = encodeRole(r);
    expect(decodeRole(w)).toEqual(r);
    expect(w & 0xf).toBe(2);
    expect((w >>> 5) & 3).toBe(3); // quadrant
    expect((w >>> 8) & 7).toBe(5); // access
    expect(roleText(w)).toContain('quadrant 3');
  });
  it('child of a 4-byte-gpte page takes quadrant = parent index & 1', () => {
    const p = role({ level: 2, has4ByteGpte: true, quadrant: 2 });
    expect(decodeRole(childRole(p, false, 3, 7))).toMatchObject({ level: 1, quadrant: 1, access: 3, direct: false });
    expect(decodeRole(childRole(p, true, 5, 6))).toMatchObject({ level: 1, quadrant: 0, access: 5, direct: true });
    expect(decodeRole(childRole(role(), false, 7, 7)).quadrant).toBe(0);
  });
});

describe('page store', () => {
  it('finds pages by (gfn, role), write-tracks upper levels only', () => {
    const { st } = store();
    const a = st.get(0x10, role({ level: 2 }));
    expect(a.created).toBe(true);
    expect(st.get(0x10, role({ level: 2 })).sp).toBe(a.sp);
    const b = st.get(0x10, role({ level: 2, access: 3 }));
    expect(b.sp).not.toBe(a.sp); // same table through other rights: another page
    expect(st.isWriteTracked(0x10)).toBe(true);
    st.get(0x11, role({ level: 1 }));
    expect(st.isWriteTracked(0x11)).toBe(false);
    expect(st.isShadowed(0x11)).toBe(true);
  });

  it('links, write-protects existing mappings, propagates unsync and zaps', () => {
    const { st, ev } = store();
    const root = st.get(1, role({ level: 2 })).sp;
    root.rootCount++;
    const leafPage = st.get(2, role({ level: 1 })).sp;
    st.link(root, 5, leafPage);
    expect(leafPage.parents).toEqual([root]);
    // A writable leaf mapping gfn 3, then gfn 3 becomes a page table: W goes.
    st.setLeaf(leafPage, 9, 0x3000 | 0x807, 1, 3, 7);
    expect(st.rmap.get(3)!.size).toBe(1);
    const pt3 = st.get(3, role({ level: 1 })).sp;
    expect(leafPage.lo[9] & 2).toBe(0);
    // Unsync marks the parent chain; sync clears it.
    st.unsyncPage(leafPage);
    expect(root.unsyncChildren).toBe(1);
    expect(root.unsyncChildBits[5]).toBe(1);
    st.syncChildren(root);
    expect(leafPage.unsync).toBe(false);
    expect(root.unsyncChildren).toBe(0);
    // Zapping the child unlinks it from the parent and drops its leaves.
    const present = ev.counters.sptesPresent;
    st.zap(leafPage, 'test');
    expect(root.isPresent(5)).toBe(false);
    expect(st.rmap.get(3)).toBeUndefined();
    expect(ev.counters.sptesPresent).toBe(present - 2);
    expect(st.byId.has(leafPage.id)).toBe(false);
    // A zapped root stays (invalid) until its last root reference goes.
    st.zap(root, 'test');
    expect(root.invalid).toBe(true);
    expect(st.byId.has(root.id)).toBe(true);
    st.putRoot(root);
    expect(st.byId.has(root.id)).toBe(false);
    expect(st.isShadowed(3)).toBe(true);
    expect(pt3.invalid).toBe(false);
  });

  it('zapping a parent keeps parentless children hashed (KVM), and tryUnsync refuses tracked gfns', () => {
    const { st } = store();
    const p = st.get(1, role({ level: 2 })).sp;
    const c = st.get(2, role({ level: 1 })).sp;
    st.link(p, 0, c);
    st.zap(p, 'test');
    expect(c.parents.length).toBe(0);
    expect(c.invalid).toBe(false);
    expect(st.tryUnsync(2, true)).toBe(true);
    expect(c.unsync).toBe(true);
    st.get(4, role({ level: 2 }));
    expect(st.tryUnsync(4, true)).toBe(false);
    // Reusing an unsync level-1 gfn as a higher-level table zaps the unsync page.
    st.get(2, role({ level: 2 }));
    expect(c.invalid).toBe(true);
  });
});

describe('write tracking', () => {
  const page = (r: number): ShadowPage => ({ role: r, level: r & 15 }) as ShadowPage;
  it('detect_write_misaligned', () => {
    const p8 = page(role({ level: 1 }));
    const p4 = page(role({ level: 1, has4ByteGpte: true }));
    expect(writeMisaligned(p8, 0x1008, 8)).toBe(false);
    expect(writeMisaligned(p8, 0x100c, 4)).toBe(false);
    expect(writeMisaligned(p8, 0x100c, 8)).toBe(true);
    expect(writeMisaligned(p8, 0x1008, 1)).toBe(false);
    expect(writeMisaligned(p8, 0x1009, 1)).toBe(true);
    expect(writeMisaligned(p4, 0x1008, 8)).toBe(true); // a qword spans two 32-bit entries
    expect(writeMisaligned(p4, 0x1004, 4)).toBe(false);
  });
  it('get_written_sptes: 32-bit quadrants and PDE pairs', () => {
    const pt = page(role({ level: 1, has4ByteGpte: true, quadrant: 1 }));
    expect(writtenSptes(pt, 0x1000 + 0x800 + 4 * 3)).toEqual({ index: 3, count: 1 });
    expect(writtenSptes(pt, 0x1000 + 4 * 3)).toBeNull();
    const pd = page(role({ level: 2, has4ByteGpte: true, quadrant: 2 }));
    // PDE 0x205 lies in quadrant 2 (entries 0x200-0x2ff) and maps shadow PDEs 10 and 11.
    expect(writtenSptes(pd, 0x205 * 4)).toEqual({ index: 10, count: 2 });
    expect(writtenSptes(page(role({ level: 3 })), 0x18)).toEqual({ index: 3, count: 1 });
  });
  it('zaps the written SPTE, and the whole page on the third write in a row (flooding)', () => {
    const { st, ev } = store();
    const pd = st.get(7, role({ level: 2 })).sp;
    const pt = st.get(8, role({ level: 1 })).sp;
    st.link(pd, 1, pt);
    st.link(pd, 2, st.get(9, role({ level: 1 })).sp);
    const m = { store: st, ev } as unknown as ShadowMachine;
    trackWrite(m, 7 * 4096 + 8, 8);
    expect(pd.isPresent(1)).toBe(false);
    expect(pd.isPresent(2)).toBe(true);
    trackWrite(m, 7 * 4096 + 8 * 40, 8);
    expect(pd.invalid).toBe(false);
    trackWrite(m, 7 * 4096 + 8 * 41, 8);
    expect(pd.invalid).toBe(true);
    expect(ev.counters.floods).toBe(1);
    expect(ev.events.some((e) => e.type === 'flood')).toBe(true);
    expect((pt.lo[0] & SPTE_PRESENT) === 0).toBe(true);
  });
});
