/**
 * Where a dump's bytes come from: a synchronous read callback, so the engine
 * stays free of I/O APIs. The browser worker builds one on `File.slice` and
 * FileReaderSync, the Node CLI on `fs.readSync`, tests on a byte array.
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Bytes [offset, offset + length); fewer only where the source ends. */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory (tests, small files). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (o, l) => bytes.subarray(Math.min(o, bytes.length), Math.min(o + l, bytes.length)) };
}

/**
 * A source from a bare read callback and a size (what the worker has:
 * `(offset, length) => Uint8Array`).
 */
export function callbackSource(size: number, read: (offset: number, length: number) => Uint8Array): ByteSource {
  return { size, read };
}

/** A problem with the dump itself: the message names what is wrong. */
export class DumpError extends Error {
  override name = 'DumpError';
}
