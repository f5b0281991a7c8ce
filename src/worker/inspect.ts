/**
 * The inspector's view of one entry, built from the engine's own decoding
 * (decodeEntry / bitRoles) for the entry's level and the scenario's mode, so
 * the inspector says exactly what the walk does with every bit.
 */
import { bitGroups, compile, decodeContext, decodeEntry, hex64, hexNum, type PagingFormat, type WalkInput } from '../engine';
import type { EntryInfo } from './types';

/** Where an entry is: its table, index, tree and format level, and its addresses. */
export interface EntryLocation {
  tableId: string;
  index: number;
  tree: 'guest' | 'ept';
  format: PagingFormat;
  level: number;
  bytes: 4 | 8;
  /** Host-physical address of the entry. */
  addr: number;
  /** Guest-physical address (guest entries). */
  gpa: number;
}

/** Decode the entry at `loc` in scenario `s`, with the mode inputs (CR4.PKE, EPT A/D) the walk compiles from it. */
export function entryInfo(s: WalkInput, loc: EntryLocation): EntryInfo {
  const lo = s.memory.read32(loc.addr);
  const hi = loc.bytes === 8 ? s.memory.read32(loc.addr + 4) : 0;
  const d = decodeEntry(loc.format, loc.level, lo, hi, decodeContext(compile(s.cpu, s.ept)));
  return {
    tableId: loc.tableId,
    index: loc.index,
    tree: loc.tree,
    structure: loc.format.levels[loc.level].name,
    level: loc.level,
    entryBytes: loc.bytes,
    addr: hexNum(loc.addr),
    gpa: loc.tree === 'guest' && s.ept ? hexNum(loc.gpa) : null,
    value: hex64(lo, hi),
    kind: d.kind,
    leaf: d.leaf,
    fields: d.fields,
    target: d.kind === 'leaf' || d.kind === 'table' ? hexNum(d.target) : null,
    rsvdMask: hex64(d.rsvdLo, d.rsvdHi),
    rsvdSet: d.rsvdSet,
    misconfig: d.misconfig,
    roles: d.roles,
    spans: d.spans,
    // Not present: the walk checks no reserved bit, so none is listed.
    reserved: d.kind === 'not-present' ? [] : bitGroups(d, 'reserved'),
    reservedSet: bitGroups(d, 'reserved', 'set'),
    ignored: bitGroups(d, 'ignored'),
  };
}
