/**
 * A dump's bytes in the browser worker: `File.slice` read with FileReaderSync
 * (synchronous, worker-only), so the engine reads only the pages it needs and
 * a 4 GiB dump opens as fast as a small one. Nothing here runs on the main
 * thread.
 */
import { callbackSource, type ByteSource } from '../engine/dump';

export function fileByteSource(file: Blob): ByteSource {
  const reader = new FileReaderSync();
  return callbackSource(file.size, (offset, length) => new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + length))));
}
