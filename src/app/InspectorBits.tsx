/**
 * The inspector's bit view: the entry's bits as a strip, each marked with the
 * role the engine decoded for this level and mode (field, reserved, ignored;
 * a set reserved bit is a violation), a legend, and the reserved and ignored
 * bits listed with their reasons. Nothing here knows a paging rule: roles and
 * reasons come from the worker (EntryInfo.roles / reserved / ignored).
 */
import { bit64, parseHex64 } from '../engine/bits';
import { useApp } from './context';
import type { EntryEdit as Edit } from '../store/docSlice';
import type { BitGroup, BitRole, EntryInfo } from '../worker/types';

export function bitSet(value: string, b: number): boolean {
  const v = parseHex64(value)!;
  return bit64(v.lo, v.hi, b);
}

/** The edit that flips bit `b` of the entry. */
export function toggleBitEdit(e: EntryInfo, b: number): Edit {
  const v = parseHex64(e.value)!;
  const big = ((BigInt(v.hi) << 32n) | BigInt(v.lo)) ^ (1n << BigInt(b));
  return { kind: 'entry', tableId: e.tableId, index: e.index, value: '0x' + big.toString(16) };
}

/** "reserved: EFER.NXE=0", "ignored: available to software", "field". */
export const roleText = (r: Pick<BitRole, 'role' | 'reason'>): string => (r.role === 'field' ? 'field' : `${r.role}: ${r.reason}`);

function bitTitle(b: number, r: BitRole, on: boolean): string {
  const name = r.name ? ` ${r.name}` : '';
  if (r.role === 'field') return `bit ${b}${name} = ${on ? 1 : 0}`;
  return `bit ${b}${name} = ${on ? 1 : 0} — ${roleText(r)}${r.role === 'reserved' && on ? ' (set: the walk stops here)' : ''}`;
}

export function BitStrip({ e }: { e: EntryInfo }) {
  const edit = useApp((s) => s.edit);
  const present = e.kind !== 'not-present';
  const row = (top: number) => {
    const cells = [];
    for (let b = top; b > top - 32; b--) {
      const on = bitSet(e.value, b);
      const r = e.roles[b];
      const bad = present && r.role === 'reserved' && on;
      const cls = r.role === 'reserved' ? ' rsvd' : r.role === 'ignored' ? ' ign' : '';
      cells.push(
        <button
          type="button"
          key={b}
          tabIndex={-1}
          className={`bit${on ? ' on' : ''}${cls}${bad ? ' bad' : ''}`}
          aria-label={`Toggle bit ${b}`}
          title={bitTitle(b, r, on)}
          data-role={r.role}
          onClick={() => void edit(toggleBitEdit(e, b))}
        >
          {on ? 1 : 0}
        </button>,
      );
    }
    return (
      <div className="bit-strip-row mono" key={top}>
        <span aria-hidden="true">{top}</span>
        <div className="bit-strip w32">{cells}</div>
        <span aria-hidden="true">{top - 31}</span>
      </div>
    );
  };
  return (
    <div className="bit-strip-wrap">
      {e.entryBytes === 8 ? [row(63), row(31)] : row(31)}
      <ul className="bit-legend" aria-label="Bit roles">
        <li>
          <span className="bit sw" aria-hidden="true" /> field
        </li>
        <li>
          <span className="bit sw rsvd" aria-hidden="true" /> reserved
        </li>
        <li>
          <span className="bit sw bad" aria-hidden="true" /> reserved and set
        </li>
        <li>
          <span className="bit sw ign" aria-hidden="true" /> ignored
        </li>
      </ul>
    </div>
  );
}

/** "bits 63 (EFER.NXE=0), 51:46 (above MAXPHYADDR 46)" */
function groupsText(gs: BitGroup[]): string {
  const many = gs.length > 1 || gs.some((g) => g.bits.length > 1);
  return `bit${many ? 's' : ''} ` + gs.map((g) => `${g.ranges} (${g.reason})`).join(', ');
}

/** The reserved bits with their reasons, the set ones (violations), and the ignored bits with why. */
export function RoleLists({ e }: { e: EntryInfo }) {
  const reserved =
    e.kind === 'not-present' ? 'none checked: the entry is not present' : e.reserved.length ? groupsText(e.reserved) : 'none';
  return (
    <div className="role-lists">
      <p className="rsvd-line">
        Reserved here: {reserved}
        {e.kind !== 'not-present' && e.reserved.length > 0 && <span className="mask mono"> mask {e.rsvdMask}</span>}
      </p>
      {e.reservedSet.length > 0 && (
        <p className="rsvd-line bad" role="note">
          Reserved bits set: {groupsText(e.reservedSet)} — the walk stops here.
        </p>
      )}
      {e.misconfig && (
        <p className="rsvd-line bad" role="note">
          Misconfigured: {e.misconfig} — EPT misconfiguration.
        </p>
      )}
      {e.ignored.length > 0 && <p className="ign-line">Ignored here: {groupsText(e.ignored)}</p>}
    </div>
  );
}
