/**
 * "How many memory references does this two-dimensional walk make?" A guest
 * (4- or 5-level, or PAE, whose PDPTE load is one more EPT-translated read)
 * under 4- or 5-level EPT, sometimes with large guest pages (fewer guest
 * references, so fewer EPT walks) or large EPT pages (every EPT walk
 * shorter). The walk succeeds; the answer is the number of references the
 * engine made — never a formula, which the explanation compares with.
 */
import { GiB1, KiB4, MiB2, sizeName, traceWalk, type GuestPaging, type PageSizeBytes, type Trace } from '../../engine';
import { caseDoc } from './doc';
import { randomEptPlan, underEpt, type EptPlan } from './ept';
import { eptRuns, guestLeaf, hx } from './explain';
import type { Rng } from './rng';
import { successfulSpace } from './space';
import type { QuestionBody, QuizTrap } from './types';
import { accessPhrase, eptSetting } from './words';

export const REFS2D_VARIANTS = ['g4-e4', 'g5-e5', 'mixed', 'pae', 'guest-large', 'ept-large'] as const;

interface Shape {
  paging: GuestPaging;
  levels: 4 | 5;
  guestPage: PageSizeBytes;
  eptPage: EptPlan['page'];
}

function shape(rng: Rng, v: string): Shape {
  const deep = () => rng.pick(['4', '5'] as const);
  const lv = () => rng.pick([4, 5] as const);
  switch (v) {
    case 'g4-e4':
      return { paging: '4', levels: 4, guestPage: KiB4, eptPage: KiB4 };
    case 'g5-e5':
      return { paging: '5', levels: 5, guestPage: KiB4, eptPage: KiB4 };
    case 'mixed': {
      const five = rng.chance(0.5);
      return { paging: five ? '5' : '4', levels: five ? 4 : 5, guestPage: KiB4, eptPage: KiB4 };
    }
    case 'pae':
      return { paging: 'pae', levels: lv(), guestPage: rng.pick([KiB4, MiB2] as const), eptPage: rng.pick([KiB4, KiB4, MiB2] as const) };
    case 'guest-large':
      return { paging: deep(), levels: lv(), guestPage: rng.pick([MiB2, GiB1] as const), eptPage: KiB4 };
    default:
      return { paging: deep(), levels: lv(), guestPage: rng.pick([KiB4, MiB2] as const), eptPage: rng.pick([MiB2, GiB1] as const) };
  }
}

/** What the EPT leaves of this walk map, in words (read off the trace). */
function eptPagesText(t: Trace): string {
  const runs = eptRuns(t);
  const size = (i: number) => 2 ** runs[i].steps[runs[i].steps.length - 1].indexBits[1];
  const tables = runs.map((_, i) => i).filter((i) => runs[i].steps[0].target !== 0);
  const fin = runs.findIndex((r) => r.steps[0].target === 0);
  const ts = new Set(tables.map(size));
  const tableWords = ts.size === 1 ? `${sizeName([...ts][0])} pages` : 'pages of several sizes';
  if (fin < 0) return `EPT maps the guest's tables with ${tableWords}`;
  if (ts.size === 1 && [...ts][0] === size(fin)) return `EPT maps every guest-physical page this walk touches with ${tableWords}`;
  return `EPT maps the guest's tables with ${tableWords} and the accessed page with a ${sizeName(size(fin))} page`;
}

export function makeRefs2d(rng: Rng, variant: string): QuestionBody | null {
  const sh = shape(rng, variant);
  const drawn = successfulSpace(rng, sh.paging, sh.guestPage, { gbpages: true });
  if (drawn === null) return null;
  const s = underEpt(drawn.s, randomEptPlan(rng, { levels: sh.levels, page: sh.eptPage }));
  const t = traceWalk(s, drawn.a);
  if (t.outcome.outcome !== 'ok') return null;
  const n = t.steps.length;
  const leaf = guestLeaf(t)!;
  const guestRefs = t.steps.filter((x) => x.kind === 'g');
  const runs = eptRuns(t);
  const lines = [
    `The guest's own walk reads ${guestRefs.length} entr${guestRefs.length === 1 ? 'y' : 'ies'} (${guestRefs.map((x) => x.structure).join(', ')}) and ends at a ${sizeName(2 ** leaf.indexBits[1])} page${s.cpu.paging === 'pae' ? ' (the PAE PDPTE is loaded from memory too, its address translated by EPT first)' : ''}.`,
    `Each of those entries lives at a guest-physical address that EPT translates first, and so does the final guest-physical address: ${runs.length} EPT walks.`,
    ...runs.map((r) => `EPT walk for ${r.purpose}${r.gpa !== null ? ` (guest-physical ${hx(r.gpa)})` : ''}: ${r.steps.length} references (${r.steps.map((x) => x.structure).join(', ')}), ending at a ${sizeName(2 ** r.steps[r.steps.length - 1].indexBits[1])} EPT page.`),
    `Total: ${guestRefs.length} guest + ${runs.map((r) => r.steps.length).join(' + ')} EPT = ${n} references.`,
  ];
  const g = guestRefs.length;
  const h = t.eptLevels;
  const formula = (g + 1) * (h + 1) - 1;
  lines.push(
    formula === n
      ? `That is (g+1)(h+1)−1 with g = ${g} guest references and h = ${h} EPT levels: every EPT walk here goes down to a 4 KiB EPT page.`
      : `The formula (g+1)(h+1)−1 with g = ${g} and h = ${h} would give ${formula}; it assumes every EPT walk reads all ${h} levels, but here some end early at a large EPT page.`,
  );
  const traps: QuizTrap[] = [];
  const add = (v: number, why: string) => {
    if (v !== n && !traps.some((x) => x.answer === String(v))) traps.push({ answer: String(v), why });
  };
  add(formula, `(g+1)(h+1)−1 = ${formula} counts every EPT walk at full depth (${h} references); large EPT pages end walks early. Count each walk.`);
  const full = (t.guestLevels + 1) * (h + 1) - 1;
  add(full, `(g+1)(h+1)−1 with g = ${t.guestLevels}, the guest's depth, assumes its walk reaches the last level; this one ends at a ${sizeName(2 ** leaf.indexBits[1])} page after ${g} references.`);
  add(g, 'That counts only the guest\'s own references; each of them (and the final address) first needs an EPT walk.');
  add(g * h, `That multiplies the depths; but ${g} guest references plus ${g + 1} EPT walks (one per guest entry and one for the final address) are made.`);
  add(guestRefs.length + runs.slice(0, -1).reduce((k, r) => k + r.steps.length, 0), 'That leaves out the EPT walk for the final guest-physical address, which is translated last.');
  return {
    variant: `${variant}:${sh.paging}x${sh.levels}`,
    prompt: `${eptSetting(s.cpu, s.ept!)}. The guest maps linear ${t.va} with a ${sizeName(2 ** leaf.indexBits[1])} page; ${eptPagesText(t)}. How many memory references (guest paging-structure entries and EPT entries together) does the CPU make for ${accessPhrase(drawn.a)} of linear ${t.va}? The translation succeeds.`,
    answerKind: 'int',
    answer: String(n),
    answerText: `${n} references`,
    explain: lines.join('\n'),
    traps,
    doc: caseDoc(s, drawn.a, 'Quiz: how many references?'),
  };
}
