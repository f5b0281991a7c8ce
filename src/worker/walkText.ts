/**
 * A walk, to mail or paste: as plain text (one line per reference — level,
 * structure and index, where the entry is and what it holds — then the
 * outcome), or as a small FORMAT.md case of just the entries it read, which
 * is how a walk through a multi-gigabyte dump travels in a link.
 */
import { accessToJSON, cpuToJSON, eptToJSON, hex64, hexNum, translate, type Access, type ScenarioJSON, type WalkInput } from '../engine';
import type { Snapshot } from './types';

/** A walk case holding only the qwords this access's walk read (entries of 32-bit paging come with their qword's other half). */
export function walkCase(input: WalkInput, access: Access): ScenarioJSON & { access: NonNullable<ScenarioJSON['access']> } {
  const r = translate(input, access);
  const memory: Record<string, string> = {};
  for (const ref of r.refs) {
    const q = ref.pa - (ref.pa % 8);
    const lo = input.memory.read32(q);
    const hi = input.memory.read32(q + 4);
    if (lo !== 0 || hi !== 0) memory[hexNum(q)] = hex64(lo, hi);
  }
  return { cpu: cpuToJSON(input.cpu), ept: eptToJSON(input.ept), memory, access: accessToJSON(access) };
}

const PAGING: Record<string, string> = { '32': '32-bit paging', pae: 'PAE paging', '4': '4-level paging', '5': '5-level paging' };

/** The walk of a snapshot as plain text. */
export function walkText(s: Snapshot): string {
  const d = s.doc;
  const a = d.access;
  const n = d.spaces;
  const lines: string[] = [];
  lines.push(`${d.title} (Pagoda)`);
  const mode = `${PAGING[d.cpu.paging]}${d.ept ? ` under ${d.ept.levels}-level EPT` : ''}${d.virt === 'shadow' ? ' under shadow paging' : d.virt === 'nested' ? ' as L2 under nested EPT' : ''}`;
  lines.push(`${mode}; CR3 ${d.cpu.cr3}; ${a.op} of ${n.linear} ${a.va} at CPL ${a.cpl}${a.implicit ? ' (implicit supervisor access)' : ''}`);
  for (const st of s.trace.steps) {
    const where = st.kind === 'e' ? `${n.host} ${st.entryAddr}` : st.entryGpa !== null ? `${n.guest} ${st.entryGpa} (${n.host} ${st.entryAddr})` : `${n.guest} ${st.entryAddr}`;
    lines.push(`${String(st.n).padStart(3)}  L${st.level} ${`${st.structure}[${hexNum(st.index)}]`.padEnd(16)} at ${where} = ${st.value}${st.stop ? '  (the walk stops here)' : ''}`);
  }
  lines.push(`Result: ${s.result.title}`);
  lines.push(s.result.text);
  return lines.join('\n') + '\n';
}
