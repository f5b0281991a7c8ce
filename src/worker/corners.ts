/**
 * States hardware can never be in, named instead of walked silently: a CR3
 * above MAXPHYADDR (MOV to CR3 raises #GP), an EPTP above the host's
 * MAXPHYADDR (VM entry fails), and a guest-physical address beyond what the
 * EPT's page-walk length can translate (the SDM leaves it undefined; KVM
 * avoids it by choosing 5-level EPT when the guest's MAXPHYADDR exceeds 48).
 */
import { hexNum, type WalkInput, type WalkResult } from '../engine';

export interface Corner {
  /** The input that makes the state impossible. */
  field: string;
  title: string;
  text: string;
}

export function corners(s: WalkInput, r: WalkResult): Corner[] {
  const out: Corner[] = [];
  const c = s.cpu;
  const long = c.paging === '4' || c.paging === '5';
  if (long && c.cr3 >= 2 ** c.maxphyaddr) {
    out.push({
      field: 'cpu.cr3',
      title: '#GP(0) at MOV to CR3: CR3 above MAXPHYADDR',
      text: `CR3 ${hexNum(c.cr3)} sets bits at or above MAXPHYADDR (${c.maxphyaddr}); those bits must be 0, so the MOV to CR3 that would load it raises #GP(0) and no walk can start from it (SDM §4.5, MOV to CR3).`,
    });
  }
  if (!long && c.cr3 >= 2 ** 32) {
    out.push({
      field: 'cpu.cr3',
      title: 'CR3 is 32 bits wide outside long mode',
      text: `CR3 ${hexNum(c.cr3)} has bits above 31, which ${c.paging === 'pae' ? 'PAE' : '32-bit'} paging cannot hold: a MOV to CR3 writes only 32 bits, so this value cannot be in CR3.`,
    });
  }
  if (s.ept && s.ept.root >= 2 ** s.ept.maxphyaddr) {
    out.push({
      field: 'ept.root',
      title: 'VM entry fails: EPTP above MAXPHYADDR',
      text: `The EPT root ${hexNum(s.ept.root)} sets bits at or above the host's MAXPHYADDR (${s.ept.maxphyaddr}); VM entry checks the EPTP and fails, so the guest never runs with this EPT.`,
    });
  }
  if (s.ept) {
    const reach = 2 ** (12 + 9 * s.ept.levels);
    const beyond = r.refs.find((x) => x.kind === 'e' && x.gpa >= reach);
    if (beyond) {
      out.push({
        field: 'ept.levels',
        title: `Guest-physical ${hexNum(beyond.gpa)} is beyond ${s.ept.levels}-level EPT`,
        text: `${s.ept.levels}-level EPT translates guest-physical addresses below ${hexNum(reach)} (${12 + 9 * s.ept.levels} bits); what hardware does with ${hexNum(beyond.gpa)} is not defined. KVM never lets it happen: it picks 5-level EPT when the guest's MAXPHYADDR exceeds 48. The walk below uses only its low ${12 + 9 * s.ept.levels} bits.`,
      });
    }
  }
  return out;
}
