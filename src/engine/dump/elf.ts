/**
 * The ELF core that QEMU's `dump-guest-memory` writes in its default format
 * (dump/dump.c: write_elf32_header / write_elf64_header, write_elf*_load,
 * write_elf*_notes): ELF32 or ELF64, little-endian, ET_CORE, e_machine EM_386
 * or EM_X86_64; PT_LOAD segments whose p_paddr is guest-physical memory, and
 * PT_NOTE segments holding one "CORE" NT_PRSTATUS and one "QEMU" note per
 * vCPU. Only the headers, program headers and notes are read here; memory is
 * read later, page by page (file-memory.ts).
 */
import { DumpError, type ByteSource } from './source';

/** e_machine values QEMU writes: EM_386 when the first vCPU is not in long mode, else EM_X86_64 (arch_dump.c cpu_get_dump_info). */
export const EM_386 = 3;
export const EM_X86_64 = 62;
const ET_CORE = 4;
const PT_LOAD = 1;
const PT_NOTE = 4;
/** e_phnum when the real count is in section header 0's sh_info (ELF gABI; QEMU uses it past 65534 segments). */
const PN_XNUM = 0xffff;
/** Notes larger than this are not QEMU's (its notes are a few hundred bytes a vCPU). */
const MAX_NOTES_BYTES = 16 << 20;

/** A PT_LOAD segment: a run of guest-physical memory and where its bytes are in the file. */
export interface ElfSegment {
  /** Index among the program headers. */
  index: number;
  /** Guest-physical address (p_paddr). */
  paddr: number;
  /** Bytes present in the file (p_filesz) and in memory (p_memsz; the rest reads as 0). */
  filesz: number;
  memsz: number;
  /** Where the bytes start in the file. */
  offset: number;
}

/** One ELF note (name without its NUL, type, descriptor bytes). */
export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

/** What the reader keeps of the file: class, machine, memory segments and notes. */
export interface ElfCore {
  elfClass: 32 | 64;
  machine: number;
  /** PT_LOAD segments in file order. */
  loads: ElfSegment[];
  notes: ElfNote[];
}

const hex = (n: number): string => '0x' + n.toString(16);

/** Little-endian fields of a byte array, with 64-bit values as exact numbers (or an error past 2^53). */
class Reader {
  private readonly v: DataView;
  constructor(
    readonly b: Uint8Array,
    private readonly what: string,
  ) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u16(o: number): number {
    return this.v.getUint16(o, true);
  }
  u32(o: number): number {
    return this.v.getUint32(o, true);
  }
  u64(o: number, field: string): number {
    const lo = this.v.getUint32(o, true);
    const hi = this.v.getUint32(o + 4, true);
    if (hi >= 0x200000) throw new DumpError(`${this.what}: ${field} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`);
    return hi * 4294967296 + lo;
  }
}

/** Read exactly `length` bytes at `offset`, or say the file is truncated. */
function readExact(src: ByteSource, offset: number, length: number, what: string): Uint8Array {
  if (offset + length > src.size) {
    throw new DumpError(`truncated: ${what} needs bytes ${hex(offset)}–${hex(offset + length)} but the file has ${src.size} bytes`);
  }
  const b = src.read(offset, length);
  if (b.length < length) throw new DumpError(`truncated: reading ${what} at byte ${offset} gave ${b.length} of ${length} bytes`);
  return b;
}

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

/** Other dump formats QEMU (and makedumpfile) write, recognised by their signature to say what they are. */
function otherFormat(head: Uint8Array): string | null {
  const s = ascii(head.subarray(0, 12));
  if (s.startsWith('KDUMP   ')) {
    return "this is a kdump-compressed dump (dump-guest-memory's kdump-zlib/-lzo/-snappy formats); Pagoda reads the ELF format: dump again without a format option";
  }
  if (s.startsWith('makedumpfile')) return 'this is a flattened makedumpfile stream, not an ELF core: convert it with makedumpfile -R, or dump again in the ELF format';
  if (s.startsWith('PAGEDU64') || s.startsWith('PAGEDUMP')) return "this is a Windows crash dump (dump-guest-memory's win-dmp format), not an ELF core";
  if (s.startsWith('QEVM')) return 'this is a QEMU migration/savevm stream, not a memory dump: use dump-guest-memory';
  return null;
}

/** Parse the notes of one PT_NOTE segment (4-byte aligned name and descriptor, as QEMU writes them). */
function parseNotes(b: Uint8Array, where: string): ElfNote[] {
  const r = new Reader(b, where);
  const notes: ElfNote[] = [];
  let o = 0;
  while (o + 12 <= b.length) {
    const namesz = r.u32(o);
    const descsz = r.u32(o + 4);
    const type = r.u32(o + 8);
    const nameAt = o + 12;
    const descAt = nameAt + ((namesz + 3) & ~3);
    const end = descAt + ((descsz + 3) & ~3);
    if (descAt + descsz > b.length || nameAt + namesz > b.length) {
      throw new DumpError(`truncated: ${where} holds a note (name ${namesz} bytes, data ${descsz} bytes) that runs past its end`);
    }
    let name = ascii(b.subarray(nameAt, nameAt + namesz));
    if (name.endsWith('\0')) name = name.slice(0, -1);
    notes.push({ name, type, desc: b.subarray(descAt, descAt + descsz) });
    o = end;
  }
  return notes;
}

/**
 * Parse and check an ELF core's headers, program headers and notes (ELF gABI;
 * PN_XNUM as QEMU's dump.c writes it past 65534 segments). Throws DumpError
 * naming what is wrong: not ELF (and which other dump format it is, if
 * recognised), not a core, not x86, truncated.
 */
export function parseElfCore(src: ByteSource): ElfCore {
  if (src.size < 16) throw new DumpError(`not an ELF file: only ${src.size} bytes`);
  const ident = src.read(0, Math.min(src.size, 64));
  if (!(ident[0] === 0x7f && ident[1] === 0x45 && ident[2] === 0x4c && ident[3] === 0x46)) {
    throw new DumpError(otherFormat(ident) ?? 'not an ELF file (no \\x7fELF signature at byte 0); Pagoda reads QEMU dump-guest-memory ELF cores');
  }
  const cls = ident[4];
  if (cls !== 1 && cls !== 2) throw new DumpError(`ELF class ${cls} is neither ELF32 (1) nor ELF64 (2)`);
  if (ident[5] !== 1) throw new DumpError('a big-endian ELF file: x86 dumps are little-endian');
  const is64 = cls === 2;
  const ehsize = is64 ? 64 : 52;
  const eh = new Reader(readExact(src, 0, ehsize, 'the ELF header'), 'ELF header');
  const type = eh.u16(16);
  const machine = eh.u16(18);
  if (type !== ET_CORE) throw new DumpError(`an ELF file but not a core dump (e_type ${type}, a core is ${ET_CORE})`);
  if (machine !== EM_386 && machine !== EM_X86_64) {
    throw new DumpError(`an ELF core for e_machine ${machine}, not x86 (EM_386 = 3 or EM_X86_64 = 62)`);
  }
  const phoff = is64 ? eh.u64(32, 'e_phoff') : eh.u32(28);
  const shoff = is64 ? eh.u64(40, 'e_shoff') : eh.u32(32);
  const phentsize = eh.u16(is64 ? 54 : 42);
  let phnum = eh.u16(is64 ? 56 : 44);
  const shentsize = eh.u16(is64 ? 58 : 46);
  const wantPh = is64 ? 56 : 32;
  if (phentsize < wantPh) throw new DumpError(`e_phentsize ${phentsize} is smaller than an ELF${is64 ? 64 : 32} program header (${wantPh})`);
  if (phnum === PN_XNUM) {
    if (shoff === 0 || shentsize < (is64 ? 64 : 40)) throw new DumpError('e_phnum is PN_XNUM but there is no section header 0 with the count');
    const sh = new Reader(readExact(src, shoff, is64 ? 64 : 40, 'section header 0'), 'section header 0');
    phnum = sh.u32(is64 ? 44 : 28);
  }
  if (phnum === 0) throw new DumpError('the ELF core has no program headers (no memory, no notes)');
  const ph = new Reader(readExact(src, phoff, phnum * phentsize, `${phnum} program headers`), 'program headers');
  const loads: ElfSegment[] = [];
  const notes: ElfNote[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    const ptype = ph.u32(o);
    const field = (n: string) => `program header ${i} ${n}`;
    const offset = is64 ? ph.u64(o + 8, field('p_offset')) : ph.u32(o + 4);
    const paddr = is64 ? ph.u64(o + 24, field('p_paddr')) : ph.u32(o + 12);
    const filesz = is64 ? ph.u64(o + 32, field('p_filesz')) : ph.u32(o + 16);
    const memsz = is64 ? ph.u64(o + 40, field('p_memsz')) : ph.u32(o + 20);
    if (ptype === PT_NOTE) {
      if (filesz > MAX_NOTES_BYTES) throw new DumpError(`PT_NOTE segment ${i} is ${filesz} bytes: not a QEMU dump's notes`);
      notes.push(...parseNotes(readExact(src, offset, filesz, `the notes (program header ${i})`), `the notes (program header ${i})`));
    } else if (ptype === PT_LOAD) {
      if (offset + filesz > src.size) {
        throw new DumpError(
          `truncated: memory segment ${i} (guest-physical ${hex(paddr)}–${hex(paddr + memsz)}) ends at byte ${offset + filesz} but the file has ${src.size} bytes`,
        );
      }
      if (paddr + memsz > 2 ** 52) throw new DumpError(`memory segment ${i} reaches ${hex(paddr + memsz)}, past the 52-bit physical address space`);
      loads.push({ index: i, paddr, filesz: Math.min(filesz, memsz), memsz, offset });
    }
  }
  return { elfClass: is64 ? 64 : 32, machine, loads, notes };
}
