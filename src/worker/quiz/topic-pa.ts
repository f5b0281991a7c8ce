/**
 * "Which physical address does this access reach?" Random address spaces in
 * every paging mode and page size (32-bit with and without PSE 4 MiB pages,
 * PAE, 4- and 5-level with 4 KiB, 2 MiB and 1 GiB pages), and sometimes a
 * guest under EPT, where the question asks for the host-physical address.
 * The access always succeeds; the answer is the engine's pa.
 */
import { GiB1, KiB4, MiB2, MiB4, traceWalk, type Access, type GuestPaging } from '../../engine';
import { caseDoc } from './doc';
import { randomEptPlan, underEpt } from './ept';
import { hx, namesOf, offsetSentence, walkStory } from './explain';
import type { Rng } from './rng';
import { successfulSpace, type Mapping } from './space';
import type { QuestionBody, QuizTrap } from './types';
import { accessPhrase, eptSetting, nativeSetting } from './words';

export const PA_VARIANTS = ['32', '32-pse', 'pae', '4', '5', 'ept'] as const;

export function makePa(rng: Rng, variant: string): QuestionBody | null {
  const ept = variant === 'ept';
  const paging: GuestPaging = ept ? rng.pick(['4', '4', '5', 'pae', '32'] as const) : variant === '32-pse' ? '32' : (variant as GuestPaging);
  const size = variant === '32-pse' ? MiB4 : variant === '32' ? KiB4 : null;
  const drawn = successfulSpace(rng, paging, size, variant === '32-pse' ? { pse: true } : variant === '32' ? { pse: rng.chance(0.5) } : {});
  if (drawn === null) return null;
  const { a } = drawn;
  let s = drawn.s;
  if (ept) s = underEpt(s, randomEptPlan(rng, paging === '4' || paging === '5' ? {} : { page: rng.pick([KiB4, MiB2] as const) }));
  const t = traceWalk(s, a);
  if (t.outcome.outcome !== 'ok' || t.outcome.pa === null) return null;
  const names = namesOf(t);
  const prompt = ept
    ? `${eptSetting(s.cpu, s.ept!)}. Which host-physical address does ${accessPhrase(a)} of linear ${t.va} reach? Give the host-physical address (after EPT), not the guest-physical one.`
    : `${nativeSetting(s.cpu)}. Which physical address does ${accessPhrase(a)} of linear ${t.va} reach?`;
  const explain = [...walkStory(t, names), offsetSentence(t, names) ?? t.outcome.text].join('\n');
  return {
    variant: ept ? `ept-${paging}` : variant,
    prompt,
    answerKind: 'hex',
    answer: t.outcome.pa,
    answerText: `${names.host} ${t.outcome.title}`,
    explain,
    traps: paTraps(t.va, t.outcome.pa, drawn.target, ept ? finalGuestAddr(drawn.target, a) : null),
    doc: caseDoc(s, a, 'Quiz: which physical address?'),
  };
}

const finalGuestAddr = (m: Mapping, a: Access): bigint => {
  const va = (BigInt(a.va.hi) << 32n) | BigInt(a.va.lo);
  return BigInt(m.pa) + (va - m.va);
};

/** Answers people give by mistake, each with why it is wrong (only those that differ from the right one). */
function paTraps(va: string, pa: string, m: Mapping, gpa: bigint | null): QuizTrap[] {
  const right = BigInt(pa);
  const off = BigInt(va) - m.va;
  const traps: QuizTrap[] = [
    { answer: hx(BigInt(va)), why: 'That is the linear address itself; the page tables translate it.' },
    { answer: hx(right - off), why: `That is the page's base: add the offset, the low ${Math.log2(m.size)} bits of the linear address (${hx(off)}).` },
  ];
  if (m.size > KiB4) {
    const base = right - off;
    traps.push({ answer: hx(base + (off & 0xfffn)), why: `That keeps only a 12-bit offset; in a ${m.size === GiB1 ? '1 GiB' : m.size === MiB4 ? '4 MiB' : '2 MiB'} page the offset is bits ${Math.log2(m.size) - 1}:0 of the linear address.` });
  }
  if (gpa !== null) traps.push({ answer: hx(gpa), why: `That is the guest-physical address; EPT then maps it to host-physical ${pa}.` });
  const seen = new Set<string>([pa]);
  return traps.filter((x) => !seen.has(x.answer) && (seen.add(x.answer), true));
}
