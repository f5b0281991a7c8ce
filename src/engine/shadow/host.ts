/**
 * The host side: KVM memory slots mapping guest-physical ranges to
 * host-physical ones (struct kvm_memory_slot reduced to [gpa, hpa, size] plus a
 * read-only flag), and the pool that hands out host pages for shadow tables.
 */

export interface MemSlot {
  gpa: number;
  hpa: number;
  size: number;
  /** KVM_MEM_READONLY: SPTEs for it never get W. */
  readonly?: boolean;
}

export class HostMemory {
  readonly slots: MemSlot[];
  private next: number;
  /** Last slot hit: accesses have locality. */
  private last = 0;

  constructor(slots: MemSlot[]) {
    this.slots = slots.map((s) => ({ ...s }));
    let top = 0;
    for (const s of this.slots) top = Math.max(top, s.hpa + s.size);
    // Shadow tables live above every slot's host memory, 1 GiB aligned.
    this.next = Math.ceil(top / 2 ** 30) * 2 ** 30 + 2 ** 30;
  }

  /** The slot holding guest frame `gfn`, or null (gfn_to_memslot). */
  slotOf(gfn: number): MemSlot | null {
    const gpa = gfn * 4096;
    const l = this.slots[this.last];
    if (l !== undefined && gpa >= l.gpa && gpa < l.gpa + l.size) return l;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (gpa >= s.gpa && gpa < s.gpa + s.size) {
        this.last = i;
        return s;
      }
    }
    return null;
  }

  /** Host-physical address of a guest-physical one, or -1 outside every slot. */
  hpaOf(gpa: number): number {
    const s = this.slotOf(Math.floor(gpa / 4096));
    return s === null ? -1 : s.hpa + (gpa - s.gpa);
  }

  /** A fresh host page for a shadow table (from KVM's per-vCPU caches). */
  allocTable(): number {
    const pa = this.next;
    this.next += 4096;
    return pa;
  }
}
