/**
 * The EPT panel's facts, read off the actual EPT: the EPTP value and its
 * fields (root, page-walk length, A/D, memory type — SDM §25.6.11/§26.6.11),
 * and the layout its leaves build (page sizes, and guest-physical →
 * host-physical offset when it is one offset throughout).
 */
import { hexNum, leaves, sizeName, type PagingFormat, type WalkInput, type Tree } from '../engine';
import { EPTP_MEMTYPE_WB, eptpValue } from './drawing';
import type { EptInfo } from './types';

export function eptInfo(s: WalkInput, drawn: { tree: Tree; format: PagingFormat } | null): EptInfo | null {
  const e = s.ept;
  if (e === null) return null;
  const eptp = eptpValue(e);
  const fields: EptInfo['fields'] = [
    { bits: '2:0', value: hexNum(EPTP_MEMTYPE_WB), meaning: 'memory type of the EPT tables: write-back (as KVM sets it)' },
    { bits: '5:3', value: hexNum(e.levels - 1), meaning: `page-walk length − 1: a ${e.levels}-level EPT` },
    { bits: '6', value: e.ad ? '1' : '0', meaning: e.ad ? 'EPT accessed/dirty flags on; guest table accesses count as writes' : 'EPT accessed/dirty flags off' },
    { bits: `${e.maxphyaddr - 1}:12`, value: hexNum(e.root - (e.root % 4096)), meaning: `host-physical address of the EPT ${e.levels === 5 ? 'PML5' : 'PML4'}` },
  ];
  let layout: string | null = null;
  if (drawn) {
    const bySize = new Map<number, number>();
    let offset: number | null | undefined;
    for (const l of leaves(drawn.format, drawn.tree)) {
      bySize.set(l.size, (bySize.get(l.size) ?? 0) + 1);
      const d = l.pa - l.va;
      offset = offset === undefined ? d : offset === d ? d : null;
    }
    const counts = [...bySize].sort((a, b) => a[0] - b[0]).map(([size, n]) => `${n} × ${sizeName(size)}`);
    const total = [...bySize.values()].reduce((x, y) => x + y, 0);
    layout =
      total === 0
        ? 'This EPT maps nothing yet.'
        : `${total} EPT leaf ${total === 1 ? 'entry' : 'entries'} (${counts.join(', ')}) in ${drawn.tree.tables.length} EPT table${drawn.tree.tables.length === 1 ? '' : 's'}; ` +
          (offset !== null && offset !== undefined
            ? `each maps guest-physical G to host-physical G ${offset >= 0 ? '+' : '−'} ${hexNum(Math.abs(offset))}.`
            : 'the guest-physical to host-physical offsets differ from leaf to leaf.');
  }
  return { eptp: hexNum(eptp), fields, layout };
}
