/**
 * Open a QEMU dump-guest-memory ELF core: check it, find each vCPU's QEMU
 * note, and back the engine's Memory with the file (nothing but headers and
 * notes is read here). Then turn one vCPU's registers into the engine's CPU
 * state: the paging mode from CR0.PG, CR4.PAE, CR4.LA57 and e_machine (QEMU
 * writes EM_X86_64 exactly when the first vCPU has EFER.LMA set:
 * target/i386/arch_dump.c cpu_get_dump_info), the root from CR3 (SDM vol. 3
 * §4.2, table 4-1), and for what the dump does not hold (EFER.NXE,
 * MAXPHYADDR, 1-GiB page support, PKRU) stated assumptions the caller can
 * override.
 */
import { guestFormat, type GuestPaging, type PagingFormat } from '../formats';
import type { CpuState, WalkInput } from '../scenario';
import { compile, guestRoot } from '../compile';
import type { WalkConfig } from '../walk';
import { EM_X86_64, parseElfCore, type ElfCore } from './elf';
import { FileMemory, type FileMemoryOptions } from './file-memory';
import { QEMU_NOTE_NAME, parseQemuCpuState, type QemuCpuState } from './qemu-note';
import { DumpError, type ByteSource } from './source';

export interface Dump {
  core: ElfCore;
  /** e_machine is EM_X86_64: the vCPUs were in long mode (EFER.LMA = 1). */
  longMode: boolean;
  /** One per vCPU, in note order (QEMU writes them by CPU index). */
  cpus: QemuCpuState[];
  memory: FileMemory;
  /** Bytes of guest-physical memory the dump holds. */
  memoryBytes: number;
}

/** What the user may set that the dump does not say. */
export interface DumpCpuOptions {
  /** vCPU index (default 0). */
  cpu?: number;
  /** EFER.NXE; default on for PAE and 4/5-level paging. */
  nxe?: boolean;
  /** CPUID MAXPHYADDR; default 52. */
  maxphyaddr?: number;
  /** 1-GiB pages supported; default on. */
  gbpages?: boolean;
}

/** One vCPU's view of the dump, ready to walk. */
export interface DumpCpu {
  index: number;
  state: QemuCpuState;
  cpu: CpuState;
  paging: GuestPaging;
  /** The format the walker uses, and the top table's physical base. */
  format: PagingFormat;
  root: number;
  /** CR4.PCIDE and the PCID in CR3[11:0] (4/5-level only), else null. */
  pcid: number | null;
  /** What was assumed rather than read, one sentence each. */
  assumptions: string[];
  /** Input for translate/traceWalk (never written: the memory is read-only). */
  input: WalkInput;
  config: WalkConfig;
}

const hex = (n: number | bigint): string => '0x' + n.toString(16);

/** Open a dump from a byte source (a File in the worker, a file descriptor in Node, bytes in tests). */
export function openDump(src: ByteSource, opts: FileMemoryOptions = {}): Dump {
  const core = parseElfCore(src);
  const cpus = core.notes
    .filter((n) => n.name === QEMU_NOTE_NAME && n.type === 0)
    .map((n, i) => parseQemuCpuState(n.desc, `vCPU ${i}`));
  if (cpus.length === 0) {
    const names = [...new Set(core.notes.map((n) => n.name))];
    throw new DumpError(
      `no "QEMU" CPU-state note (found ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no notes'}): not a QEMU dump-guest-memory file, so the registers (CR0, CR3, CR4) are unknown`,
    );
  }
  if (core.loads.length === 0) throw new DumpError('the dump holds no memory (no PT_LOAD segment)');
  let memory: FileMemory;
  try {
    memory = new FileMemory(
      src,
      core.loads.map((s) => ({ pa: s.paddr, memSize: s.memsz, fileSize: s.filesz, offset: s.offset })),
      opts,
    );
  } catch (e) {
    throw new DumpError(`the memory segments are inconsistent: ${(e as Error).message}`);
  }
  const memoryBytes = core.loads.reduce((n, s) => n + s.memsz, 0);
  return { core, longMode: core.machine === EM_X86_64, cpus, memory, memoryBytes };
}

const bit = (v: bigint, b: number): boolean => ((v >> BigInt(b)) & 1n) === 1n;

/** The paging mode a vCPU's control registers select (SDM vol. 3 §4.1.1, table 4-1). */
export function pagingMode(state: QemuCpuState, longMode: boolean, which = 'vCPU'): GuestPaging {
  const [cr0, , , , cr4] = state.cr;
  if (!bit(cr0, 31)) throw new DumpError(`${which}: CR0.PG = 0, paging is off (linear = physical); there are no page tables to walk`);
  if (!bit(cr4, 5)) {
    if (longMode) throw new DumpError(`${which}: e_machine says long mode but CR4.PAE = 0, which long mode cannot have`);
    return '32';
  }
  if (!longMode) return 'pae';
  return bit(cr4, 12) ? '5' : '4';
}

/** Build one vCPU's CPU state and walk inputs. */
export function dumpCpu(d: Dump, opts: DumpCpuOptions = {}): DumpCpu {
  const index = opts.cpu ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= d.cpus.length) {
    throw new DumpError(`there is no vCPU ${index}: the dump has ${d.cpus.length} (0–${d.cpus.length - 1})`);
  }
  const which = `vCPU ${index}`;
  const state = d.cpus[index];
  const paging = pagingMode(state, d.longMode, which);
  const [cr0, , , cr3, cr4] = state.cr;
  const long = paging === '4' || paging === '5';
  const assumptions: string[] = [];
  let nxe = opts.nxe;
  if (nxe === undefined) {
    nxe = paging !== '32';
    if (nxe) assumptions.push('EFER is not in the dump: NXE is taken as on (Linux enables it wherever the CPU has NX); turn it off if this guest runs without NX.');
  }
  const maxphyaddr = opts.maxphyaddr ?? 52;
  if (opts.maxphyaddr === undefined) {
    assumptions.push("MAXPHYADDR (CPUID 0x80000008) is not in the dump: 52 is taken, so no physical-address bit counts as reserved; set the CPU's own value to check those bits.");
  }
  if (!Number.isInteger(maxphyaddr) || maxphyaddr < 32 || maxphyaddr > 52) throw new DumpError(`MAXPHYADDR ${maxphyaddr} is not an integer from 32 to 52`);
  const gbpages = opts.gbpages ?? true;
  if (long && opts.gbpages === undefined) assumptions.push('CPUID is not in the dump: 1-GiB pages are taken as supported.');
  if (bit(cr4, 22)) assumptions.push('PKRU is not in the dump: taken as 0 (every protection key allows every access).');
  // CR3: 4/5-level keep bits 51:12 (PCID or PWT/PCD below; bit 63, LAM bits 62:61 above are not the root);
  // PAE and 32-bit paging use the low 32 bits (the PDPT is 32-byte aligned).
  const cr3Bits = long ? cr3 & 0x000f_ffff_ffff_f000n : cr3 & 0xffff_ffffn;
  const pcide = bit(cr4, 17);
  const cpu: CpuState = {
    paging,
    cr3: Number(cr3Bits),
    wp: bit(cr0, 16),
    pse: bit(cr4, 4),
    nxe,
    smep: bit(cr4, 20),
    smap: bit(cr4, 21),
    ac: bit(state.rflags, 18),
    pke: long && bit(cr4, 22),
    pkru: 0,
    maxphyaddr,
    gbpages,
  };
  const format = guestFormat(cpu);
  const root = guestRoot(cpu);
  const span = paging === 'pae' ? 32 : 4096;
  if (!d.memory.contains(root) || !d.memory.contains(root + span - 1)) {
    const segs = d.memory.ranges.map((r) => `${hex(r.pa)}–${hex(r.pa + r.memSize)}`).join(', ');
    throw new DumpError(`${which}: CR3 ${hex(cr3)} puts the top page table at ${hex(root)}, outside the dumped memory (${segs})`);
  }
  const input: WalkInput = { cpu, ept: null, memory: d.memory };
  return { index, state, cpu, paging, format, root, pcid: long && pcide ? Number(cr3 & 0xfffn) : null, assumptions, input, config: compile(cpu, null) };
}

