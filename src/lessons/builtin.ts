/**
 * The built-in lessons: a lecture's worth of stops each, narrated in the
 * instructor's voice. Every number a narration quotes is checked against the
 * engine in builtin.test.ts.
 */
import type { Lesson } from './lesson';

export const FOUR_TO_FIVE: Lesson = {
  pagodaLesson: 1,
  id: 'four-to-five',
  title: 'From 4-level to 5-level paging',
  stops: [
    {
      title: 'A 48-bit linear address',
      preset: 'lm4-4k',
      step: 0,
      narration:
        'Under 4-level paging a linear address has 48 significant bits; bits 63:48 copy bit 47 (the address is canonical). Four 9-bit indexes — bits 47:39, 38:30, 29:21 and 20:12 — each pick one entry in one table, and the low 12 bits are the offset into a 4 KiB page. CR3 holds the physical address of the first table, the PML4. Before stepping: how many memory references does the CPU make before it can read the data?',
    },
    {
      title: 'The first reference',
      preset: 'lm4-4k',
      step: 1,
      narration:
        'Bits 47:39 of 0x7f3a1b2c5123 are 0xfe, so the CPU reads PML4[0xfe], eight bytes at CR3 + 0xfe × 8 = 0x1007f0. That entry points to the PDPT at 0x105000. Every entry read is one memory reference.',
    },
    {
      title: 'Four references to the data',
      preset: 'lm4-4k',
      narration:
        'PDPT[0xe8], PD[0xd9] and PT[0xc5] follow. The PT entry maps the 4 KiB page at 0x3a5c000; the offset 0x123 gives physical 0x3a5c123, after 4 references. When the walk succeeds the CPU sets the accessed flag in each entry it used, and the dirty flag in the PTE for a write.',
    },
    {
      title: 'LA57: one more level',
      preset: 'lm4-4k',
      changes: [{ t: 'la57', on: true }],
      step: 1,
      narration:
        'Set CR4.LA57 and a PML5 sits above the PML4, indexed by bits 56:48. This address selects PML5[0x0], which points to the same PML4 as before: the walk takes 5 references and reaches the same physical address, 0x3a5c123.',
    },
    {
      title: 'What 57 bits are for',
      preset: 'la57-kernel',
      step: 1,
      narration:
        '0xff11223344556789 is canonical under LA57 — bits 63:57 copy bit 56 — and selects PML5[0x111]: a part of the address space that 48 bits cannot name. Five references reach physical 0x77789.',
    },
    {
      title: 'The same value under 4-level paging',
      preset: 'la57-kernel',
      changes: [{ t: 'la57', on: false }],
      narration:
        'Turn LA57 off and the same value is not canonical: bits 63:48 are not all copies of bit 47. The CPU raises #GP(0) before it reads any table — no page fault, CR2 unchanged.',
    },
    {
      title: 'And under virtualization',
      preset: 'ept-5x5',
      narration:
        'A 5-level guest on 5-level EPT: 35 references for this one access, each guest table address translated by a full EPT walk first. The next lesson explains the count.',
    },
  ],
};

export const TWO_DIMENSIONAL: Lesson = {
  pagodaLesson: 1,
  id: 'two-dimensional',
  title: 'Two-dimensional walks: why 24, 29 and 35',
  stops: [
    {
      title: 'Guest tables hold guest-physical addresses',
      preset: 'ept-4x4',
      step: 0,
      narration:
        "Under EPT the guest's page tables hold guest-physical addresses, and the CPU cannot read guest-physical memory directly. Every guest-physical address it needs — the guest's CR3 table, each guest table, and the final page — goes through a full EPT walk first. Here guest memory sits at host-physical = guest-physical + 4 GiB.",
    },
    {
      title: 'Four EPT references before the first guest entry',
      preset: 'ept-4x4',
      step: 4,
      narration:
        "References 1 to 4 are the EPT walk of the guest PML4 entry's guest-physical address, 0x1007f0: EPT PML4, EPT PDPT, EPT PD, EPT PT. Only now can the CPU read the guest's own entry.",
    },
    {
      title: 'The guest entry',
      preset: 'ept-4x4',
      step: 5,
      narration:
        'Reference 5 is the guest PML4 entry, at guest-physical 0x1007f0 (host-physical 0x1001007f0). It gives the guest PDPT at guest-physical 0x105000 — which needs its own EPT walk before the CPU can read it.',
    },
    {
      title: '(4 + 1) × (4 + 1) − 1 = 24',
      preset: 'ept-4x4',
      narration:
        'Four guest levels, each needing 4 EPT references plus the guest entry: 20. The final guest-physical address needs 4 more: 24 references, as the 2D grid shows row by row. The result is host-physical 0x103a5c123.',
    },
    {
      title: '5-level EPT: 29',
      preset: 'ept-4x5',
      narration: 'A 5-level EPT adds one reference to every EPT walk: 4 × 6 + 5 = 29 references for the same access.',
    },
    {
      title: '5-level guest on 5-level EPT: 35',
      preset: 'ept-5x5',
      narration:
        'And a 5-level guest on 5-level EPT: 5 × 6 + 5 = 35 references for one memory access, with no TLB and no paging-structure cache — which is why real CPUs cache every level of both walks.',
    },
    {
      title: 'Large pages shorten both dimensions',
      preset: 'lm4-2m',
      changes: [{ t: 'virt', mode: 'ept' }],
      narration:
        'This kernel address ends at a 2 MiB guest PD entry, so only three guest levels need EPT walks: (3 + 1) × (4 + 1) − 1 = 19 references.',
    },
    {
      title: 'EPT A/D: guest table reads count as writes',
      preset: 'ept-violation-table',
      narration:
        "With EPT accessed/dirty flags on, the CPU's accesses to guest page tables count as writes. This EPT maps the page holding the guest PT read-only, so merely reading the guest PTE is an EPT violation: qualification 0xab, bit 7 set (a linear address caused it) and bit 8 clear (a paging-structure access, not the final page).",
    },
  ],
};

export const SHADOW_PAGING: Lesson = {
  pagodaLesson: 1,
  id: 'shadow-paging',
  title: 'Shadow paging: what KVM does without EPT',
  stops: [
    {
      title: 'Tables the CPU can use',
      preset: 'shadow-first-touch',
      step: 0,
      narration:
        "Without EPT the CPU has one level of paging, so it must walk tables that map the guest's linear addresses straight to host-physical memory: KVM's shadow tables. KVM builds them from the guest's own tables, lazily. At the start only the shadow root exists.",
    },
    {
      title: 'The first touch exits',
      preset: 'shadow-first-touch',
      step: 1,
      narration:
        "The first read finds nothing under the shadow root: the CPU's page fault exits to KVM (1 VM exit). KVM walks the guest's four tables, sets their accessed flags, and creates a shadow page for each guest table below the root (PDPT, PD, PT): with the root, 4 shadow pages.",
    },
    {
      title: 'Why the guest’s tables are write-protected',
      preset: 'shadow-first-touch',
      step: 2,
      narration:
        "A shadow page is a copy of a guest table. If the guest changed its table without KVM seeing it, the copy would go on mapping the old page. So KVM write-protects every guest table it shadows: the guest's stores to them exit. The second read needs no exit at all.",
    },
    {
      title: 'A PTE store exits, and the table goes unsync',
      preset: 'shadow-pte-edit',
      step: 2,
      narration:
        'The guest kernel repoints a PTE at another frame. The store hits a write-protected page table and exits. Because it is a last-level table, KVM lets it go unsync: writable again, possibly stale, until the guest flushes.',
    },
    {
      title: 'Stale, and allowed',
      preset: 'shadow-pte-edit',
      step: 3,
      narration:
        'Read again without INVLPG: no exit, and the old frame, host-physical 0x100201234. That is stale — and exactly what the architecture allows: a TLB may keep the old translation until the guest flushes it.',
    },
    {
      title: 'Why INVLPG exits',
      preset: 'shadow-pte-edit',
      step: 4,
      narration:
        "INVLPG is the guest saying \"this translation changed\". KVM intercepts it, re-reads the guest PTE, finds that it now maps another frame, and drops the SPTE.",
    },
    {
      title: 'The new frame',
      preset: 'shadow-pte-edit',
      step: 5,
      narration: "The next read faults once more; KVM rebuilds the SPTE from the guest's new PTE, and the read reaches the new frame, host-physical 0x100205234.",
    },
    {
      title: 'Why CR3 loads exit',
      preset: 'shadow-cr3-switch',
      step: 2,
      narration:
        "CR3 names the guest's page tables, but the CPU must run on a shadow root. So loading CR3 exits: here process B's CR3, for which KVM builds a new shadow root.",
    },
    {
      title: 'The root cache',
      preset: 'shadow-cr3-switch',
      step: 4,
      narration:
        "Back to process A: KVM keeps the current root and three previous ones, so A's whole shadow tree is found again (a root-cache hit) and A's next read needs no exit.",
    },
    {
      title: 'Write flooding',
      preset: 'shadow-write-flood',
      step: 5,
      narration:
        'A page directory never goes unsync — it is not a last-level table — so every guest store to it exits and is emulated. After three stores in a row without the page being used in a walk, KVM stops shadowing it: write flooding zaps the shadow page, and the guest frame is no longer write-protected.',
    },
  ],
};

export const BUILTIN_LESSONS: Lesson[] = [FOUR_TO_FIVE, TWO_DIMENSIONAL, SHADOW_PAGING];

export const builtinLesson = (id: string): Lesson | undefined => BUILTIN_LESSONS.find((l) => l.id === id);
