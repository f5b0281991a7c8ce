/**
 * Where a QEMU guest's memory shows something the SDM does not allow, found
 * by name so the app can say plainly what differs and why. The walk itself
 * stays exact to the SDM; these only explain, or (opt-in, by name) show what a
 * CPU would have seen.
 *
 * qemu-pae-pdpte-accessed: the SDM reserves bits 2:1 and 8:5 of a PAE PDPTE
 * (vol. 3 §4.4.1, table 4-8) and loads the four PDPTEs into registers at MOV
 * to CR3, where a reserved bit is #GP. QEMU has no PDPTE registers: its TCG
 * walker reads the PDPTE from memory on every walk and sets the accessed flag,
 * bit 5, in it (target/i386/tcg excp_helper.c, mmu_translate; seen in QEMU
 * 7.2's dumps). Linux writes PAE PDPTEs with only P set (arch/x86/mm/pgtable.c,
 * pud_populate), so in a dump every used PDPTE carries a bit the SDM reserves.
 */
import type { Memory } from '../memory';
import type { WalkInput } from '../scenario';
import type { DumpCpu } from './open';

export type DepartureId = 'qemu-pae-pdpte-accessed';

export interface Departure {
  id: DepartureId;
  /** Physical address of the entry, and its value as dumped. */
  pa: number;
  lo: number;
  hi: number;
  text: string;
}

const PDPTE_RSVD_LO = 0x1e6; // bits 8:5 and 2:1
const BIT5 = 0x20;

/** The reserved bits of a present PAE PDPTE that the SDM checks at load (low half). */
const pdpteReservedLo = (lo: number): number => lo & PDPTE_RSVD_LO;

/** Entries in this vCPU's tables that QEMU sets and the SDM reserves. */
export function qemuDepartures(d: DumpCpu): Departure[] {
  const out: Departure[] = [];
  if (d.paging !== 'pae') return out;
  const mem = d.input.memory;
  for (let i = 0; i < 4; i++) {
    const pa = d.root + 8 * i;
    const lo = mem.read32(pa) >>> 0;
    const hi = mem.read32(pa + 4) >>> 0;
    if ((lo & 1) === 0 || pdpteReservedLo(lo) !== BIT5) continue;
    out.push({
      id: 'qemu-pae-pdpte-accessed',
      pa,
      lo,
      hi,
      text:
        `PDPTE ${i} (0x${pa.toString(16)}) has bit 5 set. The SDM reserves bits 2:1 and 8:5 of a PAE PDPTE, and a CPU loading it at MOV to CR3 ` +
        'raises #GP, so the walk stops there. QEMU keeps no PDPTE registers: its walker reads the PDPTE on every walk and sets the accessed flag ' +
        '(bit 5) in it, so a dump of a QEMU guest shows the bit; the guest itself wrote the entry with only P set.',
    });
  }
  return out;
}

/** Memory with some 32-bit words replaced (a view; the dump is not touched). */
class PatchedMemory implements Memory {
  private readonly patched = new Map<number, Uint32Array>();
  constructor(
    private readonly base: Memory,
    words: Map<number, number>,
  ) {
    for (const [pa, v] of words) {
      const key = pa - (pa % 4096);
      let p = this.patched.get(key);
      if (p === undefined) this.patched.set(key, (p = base.pageAt(pa).slice()));
      p[(pa >>> 2) & 1023] = v;
    }
  }
  pageAt(pa: number): Uint32Array {
    return this.patched.get(pa - (pa % 4096)) ?? this.base.pageAt(pa);
  }
  read32(pa: number): number {
    return this.pageAt(pa)[(pa >>> 2) & 1023];
  }
}

/**
 * The walk input with each `qemu-pae-pdpte-accessed` PDPTE as a CPU's PDPTE
 * register would hold it (loaded at MOV to CR3, before QEMU set bit 5):
 * opt-in, for showing what the guest's translation is once that departure is
 * set aside. Every other bit is as dumped.
 */
export function withPdptesAsLoaded(d: DumpCpu): WalkInput {
  const words = new Map<number, number>();
  for (const x of qemuDepartures(d)) if (x.id === 'qemu-pae-pdpte-accessed') words.set(x.pa, (x.lo & ~BIT5) >>> 0);
  return words.size === 0 ? d.input : { ...d.input, memory: new PatchedMemory(d.input.memory, words) };
}
