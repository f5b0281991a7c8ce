/** The QEMU dump views, loaded as one chunk when a dump is first opened. */
export { AddressSpace } from './AddressSpace';
export { DumpPanel } from './DumpPanel';
