import { describe, expect, it } from 'vitest';
import { PhysMem } from './memory';

describe('PhysMem', () => {
  it('reads absent memory as zero without allocating', () => {
    const m = new PhysMem();
    expect(m.read32(0)).toBe(0);
    expect(m.read32(2 ** 51 + 4)).toBe(0);
    m.write32(0x5000, 0);
    expect(m.byteSize()).toBe(0);
    expect(m.hasPage(0x5000)).toBe(false);
  });

  it('stores qwords as two 32-bit halves (low at A, high at A+4)', () => {
    const m = new PhysMem();
    m.write64(0x1008, 0x89abcdef, 0x01234567);
    expect(m.read32(0x1008)).toBe(0x89abcdef);
    expect(m.read32(0x100c)).toBe(0x01234567);
    expect(m.readQword(0x1008)).toEqual({ lo: 0x89abcdef, hi: 0x01234567 });
    expect(m.toJSON()).toEqual({ '0x1008': '0x123456789abcdef' });
    m.write32(0x100c, 0);
    expect(m.toJSON()).toEqual({ '0x1008': '0x89abcdef' });
  });

  it('is sparse: pages far apart, high addresses, byte size by page', () => {
    const m = new PhysMem();
    const addrs = [0x0, 0x1000, 0xfff8, 2 ** 40, 2 ** 40 + 0xff8, 2 ** 51 + 0x123450, 2 ** 52 - 8];
    addrs.forEach((a, i) => m.write64(a, i + 1, 0x80000000 + i));
    addrs.forEach((a, i) => expect(m.readQword(a)).toEqual({ lo: i + 1, hi: 0x80000000 + i }));
    expect(m.byteSize()).toBe(6 * 4096);
    expect(m.countQwords()).toBe(addrs.length);
    expect(m.pageFrames()).toEqual([...m.pageFrames()].sort((a, b) => a - b));
    expect(m.pageFrames().length).toBe(6);
  });

  it('keeps reads right when pages collide in the lookup cache and when a cached absent page is allocated', () => {
    const m = new PhysMem();
    // Same low frame bits, different high bits; and addresses 4 MiB apart.
    const addrs = [0x3000, 0x3000 + 2 ** 40, 0x3000 + 2 ** 44, 0x3000 + 4 * 2 ** 20, 0x3000 + 2 ** 32];
    for (const a of addrs) expect(m.read32(a)).toBe(0); // caches the absent pages
    addrs.forEach((a, i) => m.write32(a + 8, i + 10));
    for (let round = 0; round < 3; round++) addrs.forEach((a, i) => expect(m.read32(a + 8)).toBe(i + 10));
    // Many pages: more than the cache holds.
    for (let p = 0; p < 5000; p++) m.write32(p * 4096 * 3 + 2 ** 33, p + 1);
    for (let p = 0; p < 5000; p++) expect(m.read32(p * 4096 * 3 + 2 ** 33)).toBe(p + 1);
  });

  it('clone is deep', () => {
    const m = new PhysMem();
    m.write32(0x2000, 7);
    const c = m.clone();
    c.write32(0x2000, 8);
    c.write32(0x9000, 9);
    expect(m.read32(0x2000)).toBe(7);
    expect(m.read32(0x9000)).toBe(0);
    expect(c.read32(0x2000)).toBe(8);
    expect(m.pageWords(2)![0]).toBe(7);
    expect(m.pageWords(9)).toBeUndefined();
  });
});
