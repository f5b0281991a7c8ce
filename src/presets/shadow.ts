/**
 * Shadow-MMU presets (issue 4): each builds a guest (or, for nested EPT, an L2
 * guest under L1's EPT12) with the engine's builders, names the address
 * spaces a `Load CR3` switches between, and scripts the guest operations that
 * make its paragraph happen. Pure: engine builders and transforms only.
 */
import { KiB4, MiB2, MiB4, ScenarioBuilder, type PageFlags } from '../engine/build';
import type { PhysMem } from '../engine/memory';
import type { Access, AccessOp, Scenario } from '../engine/scenario';
import type { MemSlot, NestedRule } from '../engine/shadow';
import { enableEpt, setEpt5 } from '../engine/transform';
import { translate } from '../engine/translate';
import type { PresetGroup } from './groups';

/** One scripted guest operation; `note` says what it should show. */
export type GuestOp =
  /** A guest access at a linear address (under nested EPT: an L2-linear address, which L2's own tables translate first). */
  | { kind: 'access'; va: bigint; op: AccessOp; cpl: 0 | 3; implicit?: boolean; note: string }
  /** `width` 8: always a qword store (vector cases); else a 32-bit guest stores 4 bytes when the value fits. */
  | { kind: 'store'; gpa: number; value: bigint; width?: 4 | 8; note: string }
  | { kind: 'invlpg'; va: bigint; note: string }
  | { kind: 'cr3'; space: number; note: string }
  | { kind: 'l2-access'; gpa: number; op: AccessOp; note: string }
  | { kind: 'l1-store'; gpa: number; value: bigint; note: string }
  | { kind: 'invept'; note: string };

export interface ShadowSetup {
  mode: 'shadow';
  /** The guest: CPU state (CR3 = the first space) and guest-physical memory; no EPT. */
  scenario: Scenario;
  access: Access;
  /** Address spaces (CR3 values) `Load CR3` moves between. */
  spaces: { name: string; cr3: number }[];
  slots: MemSlot[];
  script: GuestOp[];
}

export interface NestedSetup {
  mode: 'nested';
  /** L2's walk under EPT12, in L1's memory (the 2D view the rest of the app draws). */
  scenario: Scenario;
  access: Access;
  /** The L2 guest-physical address the scripted L2 accesses touch. */
  l2gpa: number;
  slots: MemSlot[];
  hostEptLevels: 4 | 5;
  l1MaxPhyAddr: number;
  rule: NestedRule;
  exposeEpt5: boolean;
  script: GuestOp[];
}

export interface ShadowPreset {
  id: string;
  /** Bumped whenever build() changes what it builds; links pin it (see registry.ts). */
  version: number;
  title: string;
  paragraph: string;
  group: Extract<PresetGroup, 'Shadow MMU' | 'Nested EPT'>;
  build(): ShadowSetup | NestedSetup;
}

/** Guest-physical memory backed at host-physical = guest-physical + 4 GiB. */
export const GUEST_SLOTS: MemSlot[] = [{ gpa: 0, hpa: 2 ** 32, size: 2 ** 40 }];
/** L1's memory (which holds L2 and EPT12) backed at host-physical + 8 GiB. */
export const L1_SLOTS: MemSlot[] = [{ gpa: 0, hpa: 2 ** 33, size: 2 ** 40 }];

const acc = (va: bigint, op: AccessOp = 'read', cpl: 0 | 3 = 0): Access => ({
  va: { lo: Number(va & 0xffffffffn), hi: Number((va >> 32n) & 0xffffffffn) },
  op,
  cpl,
  implicit: false,
});

const USER_RW: PageFlags = { w: true, u: true, nx: true };
const USER_RX: PageFlags = { u: true };

/** Address of the guest entry of `level` used for `va` (read off the engine's walk). */
export function entryAddr(s: Scenario, va: bigint, level: number): number {
  const r = translate(s, acc(va)).refs.find((x) => x.kind === 'g' && x.level === level);
  if (!r) throw new Error(`preset: no level-${level} entry for ${va.toString(16)}`);
  return r.pa;
}

/** A small 4-level address space: code, heap and stack pages, plus a kernel page. */
function smallSpace(mem: PhysMem | undefined, tableBase: number, dataBase: number): ScenarioBuilder {
  const b = new ScenarioBuilder({ paging: '4' }, { tableBase, mem });
  b.map(0x40_0000n, dataBase, KiB4, USER_RX);
  b.map(0x60_1000n, dataBase + 0x1000, KiB4, USER_RW);
  b.map(0x60_2000n, dataBase + 0x2000, KiB4, USER_RW);
  b.map(0x7ffd_e000_0000n, dataBase + 0x3000, KiB4, USER_RW);
  b.map(0xffff_ffff_8100_0000n, 0x100_0000, MiB2, { g: true });
  return b;
}

const HEAP = 0x60_1234n;

function shadowSetup(b: ScenarioBuilder, a: Access, script: GuestOp[], spaces?: { name: string; cr3: number }[]): ShadowSetup {
  return { mode: 'shadow', scenario: b.scenario(), access: a, spaces: spaces ?? [{ name: 'the guest', cr3: b.cpu.cr3 }], slots: GUEST_SLOTS, script };
}

/** An L2 guest, put under an EPT12 (L1's EPT) of `levels` levels in L1's memory. */
function nestedSetup(rule: NestedRule, hostEptLevels: 4 | 5, levels: 4 | 5, exposeEpt5: boolean): NestedSetup {
  const b = new ScenarioBuilder({ paging: '4' }, { tableBase: 0x10_0000 });
  b.map(0x40_0000n, 0x20_0000, KiB4, USER_RX);
  b.map(0x60_1000n, 0x20_1000, KiB4, USER_RW);
  b.map(0x60_2000n, 0x20_2000, KiB4, USER_RW);
  const native = b.scenario();
  const a = acc(HEAP, 'read', 3);
  const gpa = translate(native, a).pa!;
  let sc = enableEpt(native, { levels: 4, ad: false, maxphyaddr: 52 });
  if (levels === 5) sc = setEpt5(sc, true);
  return {
    mode: 'nested',
    scenario: sc,
    access: a,
    l2gpa: gpa,
    slots: L1_SLOTS,
    hostEptLevels,
    l1MaxPhyAddr: 52,
    rule,
    exposeEpt5,
    script:
      rule === 'v4.14-2020-bug'
        ? [
            { kind: 'l2-access', gpa, op: 'read', note: 'L2 touches its heap page: EPT violation; KVM walks EPT12 and builds a 4-level EPT02, but the CPU walks it as 5 levels, faults again, and again: L2 hangs. Open the Hang stepper.' },
            { kind: 'l2-access', gpa, op: 'read', note: 'Try again: EPT02 is as KVM meant it, and the CPU still cannot use it — the same hang.' },
            { kind: 'l2-access', gpa: gpa + 0x1000, op: 'write', note: 'Any other page hangs the same way: every table the CPU reaches is one level off.' },
          ]
        : [
            { kind: 'l2-access', gpa, op: 'read', note: 'L2 touches its heap page: EPT02 does not map it yet, so an EPT violation exits to KVM, which walks EPT12 and builds EPT02.' },
            { kind: 'l2-access', gpa, op: 'read', note: 'The same access again: EPT02 now maps it, no exit.' },
            { kind: 'l2-access', gpa: gpa + 0x1000, op: 'write', note: 'A write to the next page: one more EPT violation, one more EPT02 leaf; the EPT02 tables above it are reused.' },
          ],
  };
}

export const SHADOW_PRESETS: ShadowPreset[] = [
  {
    id: 'shadow-first-touch',
    version: 1,
    title: 'Shadow paging: first touch builds the tree',
    group: 'Shadow MMU',
    paragraph:
      "Without EPT, KVM runs the guest on shadow page tables that map guest-virtual straight to host-physical, and builds them lazily. The shadow root (the PML4's shadow page) is built when CR3 is loaded, and it is empty. So the guest's first read of its heap exits: the CPU's page fault goes to KVM, which walks the guest's four tables, sets their accessed flags and creates a shadow page for each table below the root (PDPT, PD, PT), each write-protecting the guest table it shadows. The second read runs with no exit. The page is clean, so the SPTE is read-only: the first write exits once more to set the guest's dirty flag.",
    build: () => {
      const b = smallSpace(undefined, 0x10_0000, 0x20_0000);
      return shadowSetup(b, acc(HEAP, 'read', 3), [
        { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: 'First read: exit, guest walk, three shadow pages created below the root (four in all).' },
        { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: 'Second read: the shadow tables map it, no exit.' },
        { kind: 'access', va: HEAP, op: 'write', cpl: 3, note: 'First write: the SPTE is read-only (guest D=0), so it exits; KVM sets D and makes the SPTE writable.' },
        { kind: 'access', va: HEAP, op: 'write', cpl: 3, note: 'Second write: no exit.' },
        { kind: 'access', va: 0x60_2000n, op: 'read', cpl: 3, note: 'The neighbouring page: one exit, one new SPTE in the existing PT shadow page.' },
      ]);
    },
  },
  {
    id: 'shadow-pte-edit',
    version: 1,
    title: 'Shadow paging: a PTE edit with and without INVLPG',
    group: 'Shadow MMU',
    paragraph:
      "The guest kernel repoints a PTE at another frame. The page table is write-protected, so the store exits once; because it is a last-level table KVM lets it go unsync (writable, possibly stale) instead of emulating every store. Reading the address again still reaches the old frame, with no exit — exactly what a stale TLB entry may do, which the architecture allows until the guest flushes. INVLPG exits; KVM re-reads the guest PTE, finds that it now maps another frame and drops the SPTE, so the next read faults once more and reaches the new frame.",
    build: () => {
      const b = smallSpace(undefined, 0x10_0000, 0x20_0000);
      const pte = entryAddr(b.scenario(), HEAP, 1);
      return shadowSetup(b, acc(HEAP, 'read', 0), [
        { kind: 'access', va: HEAP, op: 'read', cpl: 0, note: 'Read the heap page: the shadow tables are built.' },
        { kind: 'store', gpa: pte, value: 0x20_5000n | 0x27n | (1n << 63n), note: 'The guest kernel stores a new PTE (frame 0x205000): one exit, the PT shadow page goes unsync.' },
        { kind: 'access', va: HEAP, op: 'read', cpl: 0, note: 'Read again without INVLPG: no exit, and still the old frame (stale, like a TLB).' },
        { kind: 'invlpg', va: HEAP, note: 'INVLPG: exit; the guest PTE now maps another frame, so KVM drops the SPTE.' },
        { kind: 'access', va: HEAP, op: 'read', cpl: 0, note: 'Read again: one more exit rebuilds the SPTE, and the read reaches the new frame.' },
      ]);
    },
  },
  {
    id: 'shadow-cr3-switch',
    version: 1,
    title: 'Shadow paging: a CR3 switch hits the root cache',
    group: 'Shadow MMU',
    paragraph:
      'Two processes, two address spaces. Each CR3 load exits; KVM keeps the current shadow root and three previous ones. Switching from process A to B builds a new root for B; switching back to A finds A\'s root in the cache (a hit, reported in the events), so A\'s whole shadow tree is reused and A\'s next access needs no exit. A fifth address space would evict the least recently used root.',
    build: () => {
      const a = smallSpace(undefined, 0x10_0000, 0x20_0000);
      const bB = smallSpace(a.mem, 0x30_0000, 0x40_0000);
      return shadowSetup(
        a,
        acc(HEAP, 'read', 3),
        [
          { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: 'Process A reads its heap: its shadow tree is built.' },
          { kind: 'cr3', space: 1, note: 'Load CR3 for process B: exit; no cached root, a new one is built.' },
          { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: "Process B reads the same address: B's own tree, another frame." },
          { kind: 'cr3', space: 0, note: "Back to A: exit, and A's root is found among the previous roots (a hit)." },
          { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: "A's read needs no exit: its cached tree still maps it." },
        ],
        [
          { name: 'process A', cr3: a.cpu.cr3 },
          { name: 'process B', cr3: bB.cpu.cr3 },
        ],
      );
    },
  },
  {
    id: 'shadow-write-flood',
    version: 1,
    title: 'Shadow paging: write flooding zaps a page',
    group: 'Shadow MMU',
    paragraph:
      "A page directory is above the last level, so it can never go unsync: every guest store to it exits and is emulated, and KVM zaps the SPTE the store hits. A guest that keeps writing a table it no longer uses as one (say, a freed page table reused for data) would exit on every store, so KVM counts writes: the third store in a row without the page being used in a walk zaps the whole shadow page (write flooding): its SPTEs are dropped, the pages below are unlinked, and the guest frame is no longer write-protected.",
    build: () => {
      const b = smallSpace(undefined, 0x10_0000, 0x20_0000);
      const pde = entryAddr(b.scenario(), HEAP, 2);
      const pd = pde - (pde % 4096);
      return shadowSetup(b, acc(HEAP, 'read', 3), [
        { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: 'Build the tree.' },
        { kind: 'access', va: 0x40_0000n, op: 'read', cpl: 3, note: 'Another page under the same PD.' },
        { kind: 'store', gpa: pd + 8 * 100, value: 0n, note: 'Store to the PD: exit, emulated; flooding count 1.' },
        { kind: 'store', gpa: pd + 8 * 101, value: 0n, note: 'Another store: exit, emulated; count 2.' },
        { kind: 'store', gpa: pd + 8 * 102, value: 0n, note: 'Third store in a row: the PD shadow page is zapped (write flooding); its SPTEs go, and the two PT pages below are unlinked.' },
        { kind: 'access', va: HEAP, op: 'read', cpl: 3, note: 'The next access faults, exits, rebuilds the PD shadow page and links the PT page again.' },
      ]);
    },
  },
  {
    id: 'shadow-32bit-quadrants',
    version: 1,
    title: "Shadow paging: a 32-bit guest's quadrants",
    group: 'Shadow MMU',
    paragraph:
      "A 32-bit guest's page directory has 1024 four-byte entries covering 4 GiB, but KVM runs it on the CPU in PAE mode, whose tables have 512 eight-byte entries. So its shadow root is a PAE root of four entries, each pointing to a shadow page for one quadrant (1 GiB, 256 guest PDEs) of the same guest page directory: four shadow pages for one guest frame, told apart by role.quadrant. A 4 MiB guest page becomes a direct shadow page of 4 KiB SPTEs for each 2 MiB half, and a 4 KiB-page table is shadowed in two halves too.",
    build: () => {
      const b = new ScenarioBuilder({ paging: '32', pse: true, nxe: false }, { tableBase: 0x10_0000 });
      b.map(0x0804_8000n, 0x20_0000, KiB4, USER_RX);
      b.map(0xbfff_f000n, 0x30_0000, KiB4, { w: true, u: true });
      b.map(0xc040_0000n, 0x80_0000, MiB4, { w: true });
      return shadowSetup(b, acc(0xc052_3456n), [
        { kind: 'access', va: 0xc052_3456n, op: 'read', cpl: 0, note: 'Kernel read in quadrant 3 (the 4 MiB page): a direct shadow page for its 2 MiB half.' },
        { kind: 'access', va: 0x0804_8000n, op: 'fetch', cpl: 3, note: "User fetch in quadrant 0: the guest PT is shadowed by a 4-byte-entry page for that half." },
        { kind: 'access', va: 0xbfff_f000n, op: 'write', cpl: 3, note: 'User write in quadrant 2 (the stack).' },
      ]);
    },
  },
  {
    id: 'shadow-pae-root',
    version: 1,
    title: "Shadow paging: a PAE guest's PAE root",
    group: 'Shadow MMU',
    paragraph:
      "A PAE guest's CR3 points to four PDPTEs that the CPU loads into registers at MOV CR3. KVM's shadow root is a PAE root whose four entries shadow those registers: one level-2 shadow page per present PDPTE (here only entry 1, for 1–2 GiB). Because the registers, not memory, are what the CPU uses, a guest store that clears the PDPTE in memory changes nothing — not even after INVLPG — until the guest reloads CR3, which rebuilds the PAE root (PAE roots are never cached) and the access faults.",
    build: () => {
      const b = new ScenarioBuilder({ paging: 'pae' }, { tableBase: 0x10_0000 });
      b.map(0x4000_1000n, 0x20_0000, KiB4, { w: true });
      b.map(0x4000_2000n, 0x20_1000, KiB4, { w: true });
      const va = 0x4000_1000n;
      return shadowSetup(b, acc(va), [
        { kind: 'access', va, op: 'read', cpl: 0, note: 'Read at 0x40001000: PDPTE 1 → PD → PT, shadowed under the PAE root.' },
        { kind: 'store', gpa: b.cpu.cr3 + 8, value: 0n, note: 'The guest clears PDPTE 1 in memory.' },
        { kind: 'invlpg', va, note: 'INVLPG: the PDPTE registers are unchanged, so nothing changes.' },
        { kind: 'access', va, op: 'read', cpl: 0, note: 'Still translates (the registers still hold the old PDPTE).' },
        { kind: 'cr3', space: 0, note: 'Reload CR3: the registers are reloaded, the PAE root rebuilt with entry 1 empty.' },
        { kind: 'access', va, op: 'read', cpl: 0, note: 'Now the guest gets a #PF (not present), injected by KVM.' },
      ]);
    },
  },
  {
    id: 'nested-ept4-host5',
    version: 1,
    title: 'Nested EPT: a 4-level EPT12 on a 5-level host',
    group: 'Nested EPT',
    paragraph:
      "L1, a hypervisor, runs L2 with its own 4-level EPT (EPT12) on a host whose EPT has 5 levels (EPT01, for L1). The CPU cannot walk EPT12 and EPT01 together, so KVM builds EPT02, a shadow EPT mapping L2 guest-physical straight to host-physical, on L2's EPT violations: walk EPT12, resolve L1's address through the memslots, install the SPTE. Since Linux 5.7 EPT02 takes EPT12's depth — 4 levels here, and EPTP02 says 4 — so the 5-level host is no problem.",
    build: () => nestedSetup('v5.7+', 5, 4, true),
  },
  {
    id: 'nested-ept5-exposed',
    version: 1,
    title: 'Nested EPT: EPT5 exposed to L1',
    group: 'Nested EPT',
    paragraph:
      "When the host supports 5-level EPT, KVM (since 5.7) offers page-walk length 5 to L1, and L1 may build a 5-level EPT12. EPT02 then has 5 levels too and EPTP02 says 5: the depth of the shadow always follows the depth of the table it shadows. Every EPT12 table on the path, EPT PML5 included, gets a write-protected shadow page whose role says guest mode.",
    build: () => nestedSetup('v5.7+', 5, 5, true),
  },
  {
    id: 'nested-2020-hang',
    version: 1,
    title: 'Nested EPT: the 2020 hang',
    group: 'Nested EPT',
    paragraph:
      "As merged in 2017, nested EPT built EPT02 with 4 levels, but EPTP02 took the host's TDP level, which is 5 on a host with 5-level EPT. So the CPU walked a 4-level EPT02 as if it had 5 levels: the root's entry for bits 56:48 is read as a PML5E, every table one level too high, and the walk ends on the wrong page or none. Each EPT violation exits, KVM finds its EPT02 already correct, re-enters, and the CPU faults again: L2 hangs on its first instruction. Fixed in Linux 5.6 (148d735eb55d), reworked in 5.7.",
    build: () => nestedSetup('v4.14-2020-bug', 5, 4, false),
  },
];

/** The nested preset a v1 link with `virt: "nested"` opened when its case was not a nested preset. */
export const DEFAULT_NESTED_PRESET = 'nested-ept4-host5';

export const shadowPresetById = (id: string): ShadowPreset | undefined => SHADOW_PRESETS.find((p) => p.id === id);
