/**
 * The per-vCPU "QEMU" note (type 0) of a dump-guest-memory ELF core: QEMU's
 * QEMUCPUState, version 1 (target/i386/arch_dump.c: qemu_get_cpustate). Fields
 * may be appended without a version change (kernel_gs_base was), so the layout
 * is read up to cr[4] and the rest is left alone; `size` says how much there is.
 *
 *   0 version u32, 4 size u32, 8 rax rbx rcx rdx rsi rdi rsp rbp r8..r15 (16×u64),
 *   136 rip, 144 rflags, 152 ten segments {selector u32, limit u32, flags u32,
 *   pad u32, base u64} in the order cs ds es fs gs ss ldt tr gdt idt,
 *   392 cr[0..4] (5×u64), 432 kernel_gs_base (newer QEMU).
 */
import { DumpError } from './source';

export const QEMU_NOTE_NAME = 'QEMU';
const CR_OFFSET = 392;
const MIN_SIZE = CR_OFFSET + 5 * 8;

export const SEGMENT_NAMES = ['cs', 'ds', 'es', 'fs', 'gs', 'ss', 'ldt', 'tr', 'gdt', 'idt'] as const;
export const GPR_NAMES = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

export interface QemuSegment {
  selector: number;
  limit: number;
  flags: number;
  base: bigint;
}

export interface QemuCpuState {
  version: number;
  size: number;
  gprs: Record<(typeof GPR_NAMES)[number], bigint>;
  rip: bigint;
  rflags: bigint;
  segments: Record<(typeof SEGMENT_NAMES)[number], QemuSegment>;
  /** CR0..CR4. */
  cr: [bigint, bigint, bigint, bigint, bigint];
}

/** Parse one QEMU note's descriptor; `which` names it in errors ("vCPU 1"). */
export function parseQemuCpuState(desc: Uint8Array, which: string): QemuCpuState {
  if (desc.length < 8) throw new DumpError(`${which}: the QEMU note has ${desc.length} bytes, too short for QEMUCPUState`);
  const v = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  const version = v.getUint32(0, true);
  const size = v.getUint32(4, true);
  if (version !== 1) throw new DumpError(`${which}: QEMUCPUState version ${version}; Pagoda reads version 1`);
  if (size < MIN_SIZE || desc.length < MIN_SIZE) {
    throw new DumpError(`${which}: QEMUCPUState is ${Math.min(size, desc.length)} bytes, too short to hold CR0–CR4 (${MIN_SIZE})`);
  }
  const q = (o: number) => v.getBigUint64(o, true);
  const gprs = {} as QemuCpuState['gprs'];
  GPR_NAMES.forEach((n, i) => (gprs[n] = q(8 + 8 * i)));
  const segments = {} as QemuCpuState['segments'];
  SEGMENT_NAMES.forEach((n, i) => {
    const o = 152 + 24 * i;
    segments[n] = { selector: v.getUint32(o, true), limit: v.getUint32(o + 4, true), flags: v.getUint32(o + 8, true), base: q(o + 16) };
  });
  const cr = [0, 1, 2, 3, 4].map((i) => q(CR_OFFSET + 8 * i)) as QemuCpuState['cr'];
  return { version, size, gprs, rip: q(136), rflags: q(144), segments, cr };
}
