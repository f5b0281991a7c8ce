/**
 * Teaching presets: each builds a small but whole address space (several
 * tables, not only the walked path) and an access, with a title and one
 * paragraph. Pure: they use the engine's builders and transforms only.
 */
import { GiB1, KiB4, MiB2, MiB4, ScenarioBuilder, type PageFlags } from '../engine/build';
import type { Access, AccessOp, CpuState, Scenario } from '../engine/scenario';
import { enableEpt, setEpt5 } from '../engine/transform';
import { translate } from '../engine/translate';
import type { PresetGroup } from './groups';

export interface Preset {
  id: string;
  /** Bumped whenever build() changes what it builds; links pin it (see registry.ts). */
  version: number;
  title: string;
  paragraph: string;
  group: PresetGroup;
  build(): { scenario: Scenario; access: Access };
}

const access = (va: bigint, op: AccessOp = 'read', cpl: 0 | 3 = 0, implicit = false): Access => ({
  va: { lo: Number(va & 0xffffffffn), hi: Number((va >> 32n) & 0xffffffffn) },
  op,
  cpl,
  implicit,
});

const USER_RW: PageFlags = { w: true, u: true, nx: true, a: true, d: true };
const USER_RX: PageFlags = { u: true, a: true };
const KERNEL_RW: PageFlags = { w: true, nx: true, a: true, d: true, g: true };
const KERNEL_RX: PageFlags = { a: true, g: true };

/**
 * A Linux-like 4-level address space: user code, heap and stack pages, the
 * kernel text as a 2 MiB page and a 1 GiB slice of the direct map.
 */
function linuxLike(cpu: Partial<CpuState> = {}): ScenarioBuilder {
  const b = new ScenarioBuilder({ paging: '4', ...cpu }, { tableBase: 0x10_0000 });
  for (let i = 0n; i < 4n; i++) b.map(0x40_0000n + i * 0x1000n, 0x2a0_0000 + Number(i) * KiB4, KiB4, USER_RX);
  for (let i = 0n; i < 3n; i++) b.map(0x60_1000n + i * 0x1000n, 0x2b0_0000 + Number(i) * KiB4, KiB4, USER_RW);
  b.map(0x7f3a_1b2c_5000n, 0x3a5_c000, KiB4, { w: true, u: true, nx: true });
  b.map(0x7f3a_1b2c_6000n, 0x3a5_d000, KiB4, USER_RW);
  b.map(0x7ffd_e000_0000n, 0x1f0_0000, KiB4, USER_RW);
  b.map(0xffff_ffff_8100_0000n, 0x100_0000 * 2, MiB2, KERNEL_RX);
  b.map(0xffff_8880_0000_0000n, 0, GiB1, KERNEL_RW);
  return b;
}

const DEFAULT_VA = 0x7f3a_1b2c_5123n;

export const PRESETS: Preset[] = [
  {
    id: 'lm4-4k',
    version: 1,
    title: '4-level walk to a 4 KiB page',
    group: 'Basics',
    paragraph:
      'A user-space heap address in a 4-level (48-bit) address space. CR3 points to the PML4; bits 47:39 of the address pick a PML4 entry, 38:30 a PDPT entry, 29:21 a PD entry and 20:12 a PT entry, whose frame plus the 12-bit offset is the physical address. Four memory references; after a successful walk the CPU sets the accessed flag in every entry it used, and the dirty flag in the PTE for a write.',
    build: () => ({ scenario: linuxLike().scenario(), access: access(DEFAULT_VA) }),
  },
  {
    id: 'lm4-2m',
    version: 1,
    title: '2 MiB page: the walk stops at the PD',
    group: 'Large pages',
    paragraph:
      'The kernel text is mapped by a PD entry with PS=1, so the walk ends after three references and the low 21 bits of the address are the offset into a 2 MiB page. Bits 20:13 of a 2 MiB PDE are reserved (the frame must be 2 MiB-aligned), and bit 12 is the PAT bit.',
    build: () => ({ scenario: linuxLike().scenario(), access: access(0xffff_ffff_8103_4567n, 'fetch') }),
  },
  {
    id: 'lm4-1g',
    version: 1,
    title: '1 GiB page in the direct map',
    group: 'Large pages',
    paragraph:
      "Linux maps physical memory at 0xffff888000000000 with 1 GiB pages where the CPU supports them (CPUID gbpages). A PDPT entry with PS=1 ends the walk after two references; bits 29:13 of that entry are reserved. Without 1 GiB support, the same PS bit would be a reserved-bit fault.",
    build: () => ({ scenario: linuxLike().scenario(), access: access(0xffff_8880_1234_5678n, 'write') }),
  },
  {
    id: 'pf-not-present',
    version: 1,
    title: 'Not-present page fault',
    group: 'Faults and protection',
    paragraph:
      'The next page of the stack has never been touched: its PT entry is 0. The walk stops at the first entry with P=0 and raises #PF with error code bit 0 clear (not present); W/R and U/S describe the access, here a user-mode write, so the error code is 0x6 and CR2 holds the address. A fault changes no accessed or dirty flag.',
    build: () => ({ scenario: linuxLike().scenario(), access: access(0x7ffd_e000_1008n, 'write', 3) }),
  },
  {
    id: 'pf-rsvd-maxphyaddr',
    version: 1,
    title: 'Reserved bit above MAXPHYADDR',
    group: 'Faults and protection',
    paragraph:
      'This CPU has MAXPHYADDR = 39, so physical-address bits 51:39 are reserved in every entry. The PT entry names a frame at 0x8000005000 (bit 39 set): the walk stops there with #PF, error code P|RSVD (0x9) for a supervisor read. Reserved bits are checked only in present entries, after the P check.',
    build: () => {
      const b = linuxLike({ maxphyaddr: 39 });
      b.map(0x7f3a_1b2c_7000n, 2 ** 39 + 0x5000, KiB4, USER_RW);
      return { scenario: b.scenario(), access: access(0x7f3a_1b2c_7010n) };
    },
  },
  {
    id: 'pf-smep',
    version: 1,
    title: 'SMEP: the kernel may not run user code',
    group: 'Faults and protection',
    paragraph:
      'With CR4.SMEP=1 a supervisor-mode instruction fetch from a user-mode page (U/S=1 at every level) faults, even though the page is executable. This blocks the classic ret2usr exploit. Error code: P, I/D (0x11).',
    build: () => ({ scenario: linuxLike({ smep: true }).scenario(), access: access(0x40_1000n, 'fetch', 0) }),
  },
  {
    id: 'pf-smap',
    version: 1,
    title: 'SMAP: the kernel may not touch user data',
    group: 'Faults and protection',
    paragraph:
      'With CR4.SMAP=1 an explicit supervisor-mode read of a user-mode page faults unless EFLAGS.AC=1 (the kernel sets it with STAC around copy_from_user). Implicit supervisor accesses, such as reading a descriptor table, fault regardless of AC. Error code: P (0x1).',
    build: () => ({ scenario: linuxLike({ smap: true }).scenario(), access: access(0x60_1010n, 'read', 0) }),
  },
  {
    id: 'pf-pkey',
    version: 1,
    title: 'Protection key denies a write',
    group: 'Faults and protection',
    paragraph:
      'With CR4.PKE=1, bits 62:59 of the leaf give a user page a protection key. PKRU holds two bits per key: AD (access disable) and WD (write disable). Key 1 has WD set here, so a user-mode write to a writable page faults with error code P|W|U|PK (0x27). Keys never affect instruction fetches, and apply to supervisor accesses of user pages too.',
    build: () => {
      const b = linuxLike({ pke: true, pkru: 0b1000 });
      b.map(0x7f3a_1b2c_8000n, 0x3a6_0000, KiB4, { ...USER_RW, pkey: 1 });
      return { scenario: b.scenario(), access: access(0x7f3a_1b2c_8040n, 'write', 3) };
    },
  },
  {
    id: 'la57-kernel',
    version: 1,
    title: '57-bit kernel address under LA57',
    group: 'LA57',
    paragraph:
      'With CR4.LA57=1, linear addresses have 57 significant bits and a PML5 sits above the PML4 (bits 56:48 index it). Canonical means bits 63:57 equal bit 56. This kernel address lies beyond the 48-bit range, in PML5 entry 0x111, so five references reach the page. The same value would be non-canonical with 4-level paging (#GP).',
    build: () => {
      const b = new ScenarioBuilder({ paging: '5' }, { tableBase: 0x10_0000 });
      b.map(0x40_0000n, 0x2a0_0000, KiB4, USER_RX);
      b.map(0xff11_2233_4455_6000n, 0x7_7000, KiB4, KERNEL_RW);
      b.map(0xffff_ffff_8100_0000n, 0x200_0000, MiB2, KERNEL_RX);
      return { scenario: b.scenario(), access: access(0xff11_2233_4455_6789n, 'read', 0) };
    },
  },
  {
    id: 'pae',
    version: 1,
    title: 'PAE: four PDPTE registers, then PD and PT',
    group: 'PAE and 32-bit',
    paragraph:
      'PAE paging translates 32-bit addresses with 8-byte entries. CR3 points to a 32-byte table of four PDPTEs that the CPU loads into registers when CR3 is written; bits 31:30 pick one. A PDPTE has no R/W, U/S or accessed flag, and a reserved bit there is #GP at the CR3 load, not #PF. Bits 29:21 index the PD, 20:12 the PT. The XD bit (63) works when EFER.NXE=1.',
    build: () => {
      const b = new ScenarioBuilder({ paging: 'pae', maxphyaddr: 36 }, { tableBase: 0x10_0000 });
      b.map(0x0804_8000n, 0x20_0000, KiB4, USER_RX);
      b.map(0x0804_9000n, 0x20_1000, KiB4, USER_RW);
      b.map(0xbfff_f000n, 0x30_0000, KiB4, USER_RW);
      b.map(0xc000_0000n, 0, MiB2, KERNEL_RW);
      return { scenario: b.scenario(), access: access(0xbfff_f123n, 'write', 3) };
    },
  },
  {
    id: 'm32-4m',
    version: 1,
    title: '32-bit paging with a 4 MiB page (PSE-36)',
    group: 'PAE and 32-bit',
    paragraph:
      'Classic 2-level 32-bit paging: 4-byte entries, 10 index bits per level. With CR4.PSE=1 a PDE with PS=1 maps a 4 MiB page; PSE-36 lets its bits (M′−20):13 carry physical-address bits (M′−1):32, M′ = min(MAXPHYADDR, 40), so this page sits above 4 GiB although the linear address has 32 bits; bits 21:(M′−19) are reserved (21:17 here, with MAXPHYADDR 36).',
    build: () => {
      const b = new ScenarioBuilder({ paging: '32', pse: true, nxe: false, maxphyaddr: 36 }, { tableBase: 0x10_0000 });
      b.map(0x0804_8000n, 0x20_0000, KiB4, USER_RX);
      b.map(0xbfff_f000n, 0x30_0000, KiB4, USER_RW);
      b.map(0xc040_0000n, 0x2_0040_0000, MiB4, KERNEL_RW);
      return { scenario: b.scenario(), access: access(0xc052_3456n, 'read', 0) };
    },
  },
  ...([
    [4, 4, 24],
    [4, 5, 29],
    [5, 5, 35],
  ] as const).map(
    ([g, h, n]): Preset => ({
      id: `ept-${g}x${h}`,
      version: 1,
      title: `2D walk: ${g}-level guest on ${h}-level EPT (${n} references)`,
      group: 'EPT and 2D walks',
      paragraph: `Under EPT every guest-physical address the guest walk uses — the CR3 table, each guest table, and the final page — is itself translated by a full ${h}-level EPT walk before it can be read. ${g} guest levels each need ${h} EPT references plus the guest entry, and the final address needs ${h} more: (${g}+1)×(${h}+1)−1 = ${n} references without TLBs or paging-structure caches. Guest memory here sits at host-physical = guest-physical + 4 GiB.`,
      build: () => {
        const b = g === 5 ? new ScenarioBuilder({ paging: '5' }, { tableBase: 0x10_0000 }) : linuxLike();
        if (g === 5) {
          b.map(0x7f3a_1b2c_5000n, 0x3a5_c000, KiB4, USER_RW);
          b.map(0x40_0000n, 0x2a0_0000, KiB4, USER_RX);
        }
        let sc = enableEpt(b.scenario(), { levels: 4, ad: true });
        if (h === 5) sc = setEpt5(sc, true);
        return { scenario: sc, access: access(DEFAULT_VA, 'read', 3) };
      },
    }),
  ),
  {
    id: 'ept-misconfig',
    version: 1,
    title: 'EPT misconfiguration: write without read',
    group: 'EPT and 2D walks',
    paragraph:
      'An EPT entry that is present (some of R, W, X set) but impossible — here W=1 with R=0 — is a misconfiguration, a different VM exit from a violation. So are reserved bits, execute-only without CPU support, and memory types 2, 3 and 7 in a leaf. KVM uses this on purpose: it marks MMIO pages with W+X and no R so that accesses take the fast misconfiguration exit.',
    build: () => {
      const sc = enableEpt(linuxLike().scenario(), { levels: 4, ad: false });
      const a = access(DEFAULT_VA, 'read', 3);
      // The EPT PTE for the guest's data page becomes write+execute, no read.
      const e = eptLeafFor(sc, a, 0);
      sc.memory.write32(e, (sc.memory.read32(e) & ~7) | 6);
      return { scenario: sc, access: a };
    },
  },
  {
    id: 'ept-violation-table',
    version: 1,
    title: 'EPT violation on a guest page-table access',
    group: 'EPT and 2D walks',
    paragraph:
      "The hypervisor has made the page holding the guest's PT read-only in EPT (as it might to track writes). With EPT A/D enabled, the CPU's accesses to guest paging structures count as writes, so reading the guest PTE already needs EPT write permission: the walk exits with an EPT violation whose qualification has bit 7 set (a linear address caused it) and bit 8 clear (the access was to a paging-structure entry, not the final page).",
    build: () => {
      const sc = enableEpt(linuxLike().scenario(), { levels: 4, ad: true });
      const a = access(DEFAULT_VA, 'read', 3);
      const e = eptLeafFor(sc, a, 1);
      sc.memory.write32(e, sc.memory.read32(e) & ~2);
      return { scenario: sc, access: a };
    },
  },
];

/**
 * Host address of the EPT PTE used when `a` translates the guest table of
 * `guestLevel` (0 = the final page), read off the engine's own walk.
 */
function eptLeafFor(sc: Scenario, a: Access, guestLevel: number): number {
  const ref = translate(sc, a).refs.find((r) => r.kind === 'e' && r.level === 1 && r.target === guestLevel);
  if (!ref) throw new Error(`preset: no EPT PTE for guest level ${guestLevel}`);
  return ref.pa;
}

export const DEFAULT_PRESET_ID = 'lm4-4k';

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
