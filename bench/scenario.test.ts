/** The benchmark scenario is what the bench claims: ~4,000 clustered pages, large pages, every access succeeding. */
import { describe, expect, it } from 'vitest';
import { translate, type Access } from '../src/engine';
import { HOST_OFFSET, nativeScenario, nestedScenario, type BenchScenario } from './scenario';

function check(b: BenchScenario, n: number): void {
  const a = b.accesses;
  let writes = 0;
  for (let i = 0; i < n; i++) {
    const acc: Access = { va: { lo: a.vaLo[i], hi: a.vaHi[i] }, op: a.op[i] ? 'write' : 'read', cpl: a.user[i] ? 3 : 0, implicit: false };
    const r = translate(b.scenario, acc);
    expect(r.outcome).toBe('ok');
    expect(r.pa).toBe(a.pa[i]);
    expect(r.size).toBe(a.size[i]);
    writes += a.op[i];
  }
  expect(writes).toBe(n / 2); // reads and writes alternate
}

describe('bench scenario', () => {
  it('native: 4,000 4 KiB pages in clusters, 2 MiB and 1 GiB pages, kernel and user', () => {
    const b = nativeScenario(4, 2048);
    expect([b.mapped4k, b.mapped2m, b.mapped1g]).toEqual([4000, 24, 4]);
    expect(b.pages.some((p) => p.user) && b.pages.some((p) => !p.user)).toBe(true);
    expect(new Set(Array.from(b.accesses.size)).size).toBe(3);
    check(b, 2048);
    check(nativeScenario(5, 256), 256);
  });

  it('nested: EPT with A/D over every guest page used; addresses are host-physical', () => {
    const b = nestedScenario(5, 5, 512);
    expect(b.scenario.ept).toMatchObject({ levels: 5, ad: true });
    expect(b.accesses.pa.every((pa) => pa >= HOST_OFFSET)).toBe(true);
    check(b, 512);
    check(nestedScenario(4, 4, 256), 256);
  });
});
