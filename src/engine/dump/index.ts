/** Real guests: QEMU dump-guest-memory ELF cores, read lazily, and whole-address-space views. */
export * from './source';
export * from './elf';
export * from './qemu-note';
export * from './file-memory';
export * from './open';
export * from './leaves';
export * from './mappings';
export * from './format';
export * from './qemu-departures';
