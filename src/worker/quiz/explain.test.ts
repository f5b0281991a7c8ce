import { describe, expect, it } from 'vitest';
import { traceWalk, type Trace } from '../../engine';
import { presetById } from '../../presets';
import { eptRuns, eptWalkGpa, finalGpa, indexSentence, offsetSentence, walkStory } from './explain';

/** The preset's own walk, as the app traces it. */
function presetTrace(id: string): Trace {
  const { scenario, access } = presetById(id)!.build();
  return traceWalk(scenario, access);
}

describe('quiz explanations from the trace', () => {
  it('names the index bits and ends with page + offset (the issue’s example, whose PT index is really 0xc5)', () => {
    const t = presetTrace('lm4-4k');
    expect(indexSentence(t, 0)).toBe('bits 47:39 of linear 0x7f3a1b2c5123 are 0xfe, so PML4[0xfe]');
    expect(indexSentence(t, 1)).toBe('bits 38:30 of linear 0x7f3a1b2c5123 are 0xe8, so PDPT[0xe8]');
    const story = walkStory(t);
    expect(story).toHaveLength(4);
    // Each line carries the engine's own sentence for the entry.
    story.forEach((line, k) => expect(line).toContain(t.steps[k].text));
    expect(offsetSentence(t)).toBe('The offset is bits 11:0 of linear 0x7f3a1b2c5123 = 0x123; PT[0xc5] maps the physical page 0x3a5c000, so 0x3a5c000 + 0x123 = physical 0x3a5c123.');
  });

  it('uses the large page’s offset width', () => {
    const t = presetTrace('lm4-1g');
    expect(offsetSentence(t)).toMatch(/^The offset is bits 29:0 of linear 0xffff888012345678 = 0x12345678; PDPT\[0x0\] maps the physical page 0x0/);
    expect(offsetSentence(presetTrace('m32-4m'))).toMatch(/bits 21:0 .* = physical 0x200523456\.$/);
  });

  it('finds the guest-physical address each EPT walk translates (the same the engine says in its sentence)', () => {
    const t = presetTrace('ept-4x4');
    expect(t.steps).toHaveLength(24);
    t.steps.forEach((st, k) => {
      if (st.kind !== 'e') return;
      const m = /translating guest-physical (0x[0-9a-f]+)/.exec(st.text)!;
      expect(eptWalkGpa(t, k)).toBe(BigInt(m[1]));
    });
    expect(finalGpa(t)).toBe(0x3a5c123n);
    const runs = eptRuns(t);
    expect(runs.map((r) => r.steps.length)).toEqual([4, 4, 4, 4, 4]);
    expect(runs.map((r) => r.purpose)).toEqual(['the guest PML4 table', 'the guest PDPT table', 'the guest PD table', 'the guest PT table', 'the final address']);
    expect(indexSentence(t, 0)).toMatch(/^bits 47:39 of guest-physical 0x[0-9a-f]+ are 0x0, so EPT PML4\[0x0\]$/);
    expect(offsetSentence(t)).toMatch(/EPT translates that last: EPT PT\[0x[0-9a-f]+\] maps the 4 KiB host-physical page 0x[0-9a-f]+, and .* = host-physical 0x1_?03a5c123\.$|host-physical 0x103a5c123\.$/);
    expect(walkStory(t)[0]).toMatch(/^EPT walk for the guest PML4 table \(guest-physical 0x[0-9a-f]+\), 4 references: EPT PT\[/);
  });

  it('falls back on the exit’s guest-physical address when the EPT walk failed', () => {
    const t = presetTrace('ept-violation-table');
    const k = t.steps.length - 1;
    expect(t.outcome.outcome).toBe('ept_violation');
    expect(eptWalkGpa(t, k)).toBe(BigInt(t.outcome.gpa!));
    expect(offsetSentence(t)).toBeNull();
  });
});
