/**
 * Write an ELF core in the shape QEMU's dump-guest-memory gives (ELF32 or
 * ELF64, PT_NOTE first with a "CORE" and a "QEMU" note per vCPU, then one
 * PT_LOAD per memory run): for the parser's unit tests, and to save a
 * scenario's memory as a dump. Real guests' dumps come from QEMU itself.
 */
import { EM_386, EM_X86_64 } from './elf';

export interface CoreCpu {
  cr0: bigint;
  cr3: bigint;
  cr4: bigint;
  rflags?: bigint;
  rip?: bigint;
}

export interface CoreSpec {
  elfClass: 32 | 64;
  machine?: number;
  cpus: CoreCpu[];
  /** Memory runs: guest-physical address and bytes; `memSize` may exceed the bytes (the rest reads as 0). */
  loads: { pa: number; bytes: Uint8Array; memSize?: number }[];
  /** Extra or replacement notes, in order (default: CORE + QEMU per vCPU). */
  notes?: { name: string; type: number; desc: Uint8Array }[];
  /** QEMUCPUState size to write (default 440, with kernel_gs_base). */
  stateSize?: number;
  stateVersion?: number;
}

/** QEMUCPUState (arch_dump.c) for one vCPU. */
export function qemuCpuState(c: CoreCpu, size = 440, version = 1): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, version, true);
  v.setUint32(4, size, true);
  const q = (o: number, x: bigint) => {
    if (o + 8 <= size) v.setBigUint64(o, x, true);
  };
  q(136, c.rip ?? 0n);
  q(144, c.rflags ?? 2n);
  [c.cr0, 0n, 0n, c.cr3, c.cr4].forEach((x, i) => q(392 + 8 * i, x));
  return b;
}

function note(name: string, type: number, desc: Uint8Array): Uint8Array {
  const nameBytes = Uint8Array.from(name + '\0', (c) => c.charCodeAt(0) & 0xff);
  const pad = (n: number) => (n + 3) & ~3;
  const out = new Uint8Array(12 + pad(nameBytes.length) + pad(desc.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, nameBytes.length, true);
  v.setUint32(4, desc.length, true);
  v.setUint32(8, type, true);
  out.set(nameBytes, 12);
  out.set(desc, 12 + pad(nameBytes.length));
  return out;
}

/** Build the file's bytes. */
export function writeCore(spec: CoreSpec): Uint8Array {
  const is64 = spec.elfClass === 64;
  const machine = spec.machine ?? (is64 ? EM_X86_64 : EM_386);
  const notes =
    spec.notes ?? spec.cpus.flatMap((c) => [{ name: 'CORE', type: 1, desc: new Uint8Array(is64 ? 336 : 144) }, { name: 'QEMU', type: 0, desc: qemuCpuState(c, spec.stateSize, spec.stateVersion) }]);
  const noteBytes = notes.map((n) => note(n.name, n.type, n.desc));
  const notesSize = noteBytes.reduce((s, n) => s + n.length, 0);
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 1 + spec.loads.length;
  let offset = ehsize + phnum * phentsize;
  const notesAt = offset;
  offset += notesSize;
  const loadAt = spec.loads.map((l) => {
    const at = offset;
    offset += l.bytes.length;
    return at;
  });
  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1], 0);
  v.setUint16(16, 4, true); // ET_CORE
  v.setUint16(18, machine, true);
  v.setUint32(20, 1, true);
  if (is64) {
    v.setBigUint64(32, BigInt(ehsize), true);
    v.setUint16(52, ehsize, true);
    v.setUint16(54, phentsize, true);
    v.setUint16(56, phnum, true);
  } else {
    v.setUint32(28, ehsize, true);
    v.setUint16(40, ehsize, true);
    v.setUint16(42, phentsize, true);
    v.setUint16(44, phnum, true);
  }
  const ph = (i: number, type: number, off: number, pa: number, filesz: number, memsz: number) => {
    const o = ehsize + i * phentsize;
    v.setUint32(o, type, true);
    if (is64) {
      v.setBigUint64(o + 8, BigInt(off), true);
      v.setBigUint64(o + 24, BigInt(pa), true);
      v.setBigUint64(o + 32, BigInt(filesz), true);
      v.setBigUint64(o + 40, BigInt(memsz), true);
    } else {
      v.setUint32(o + 4, off, true);
      v.setUint32(o + 12, pa, true);
      v.setUint32(o + 16, filesz, true);
      v.setUint32(o + 20, memsz, true);
    }
  };
  ph(0, 4, notesAt, 0, notesSize, notesSize);
  let at = notesAt;
  for (const n of noteBytes) {
    out.set(n, at);
    at += n.length;
  }
  spec.loads.forEach((l, i) => {
    ph(i + 1, 1, loadAt[i], l.pa, l.bytes.length, l.memSize ?? l.bytes.length);
    out.set(l.bytes, loadAt[i]);
  });
  return out;
}

/**
 * The bytes of a PhysMem-like memory from `pa` for `size` bytes (little-endian
 * words), to write as one PT_LOAD.
 */
export function memoryBytes(read32: (pa: number) => number, pa: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (let o = 0; o < size; o += 4) {
    const w = read32(pa + o);
    if (w !== 0) v.setUint32(o, w, true);
  }
  return b;
}
