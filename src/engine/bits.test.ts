import { describe, expect, it } from 'vitest';
import { bitRange, bitRanges, field64, frame52, fromBig, hex64, hexNum, joinNum, parseHex64, setBits, splitNum, toBig } from './bits';

describe('bits', () => {
  it('parseHex64: 0x prefix, case, leading zeros, 64-bit limit', () => {
    expect(parseHex64('0x0')).toEqual({ lo: 0, hi: 0 });
    expect(parseHex64('0xFFFFFFFFFFFFFFFF')).toEqual({ lo: 0xffffffff, hi: 0xffffffff });
    expect(parseHex64('0x0000000000000000001')).toEqual({ lo: 1, hi: 0 }); // leading zeros beyond 16 digits are fine
    expect(parseHex64('0x10000000000000000')).toBeNull(); // 2^64
    expect(parseHex64('0x80000000')).toEqual({ lo: 0x80000000, hi: 0 });
    expect(parseHex64('0x100000000')).toEqual({ lo: 0, hi: 1 });
    for (const bad of ['', '0x', '12', '0xg', '-0x1', '0x 1', '0x1.5']) expect(parseHex64(bad), bad).toBeNull();
    expect(parseHex64('ffff_8000', true)).toEqual({ lo: 0xffff8000, hi: 0 });
    expect(parseHex64(' 0x10 ')).toEqual({ lo: 16, hi: 0 });
  });

  it('hex64 and hexNum: lowercase, no leading zeros, high half padded', () => {
    expect(hex64(0, 0)).toBe('0x0');
    expect(hex64(0x1, 0x1)).toBe('0x100000001');
    expect(hex64(0xdeadbeef, 0)).toBe('0xdeadbeef');
    expect(hex64(-1, -1)).toBe('0xffffffffffffffff'); // signed halves are read as unsigned
    expect(hexNum(2 ** 52 - 1)).toBe('0xfffffffffffff');
  });

  it('round-trips through BigInt and numbers', () => {
    for (const v of [0n, 1n, 0xffffffffn, 0x100000000n, 0x8000000000000000n, 0xffffffffffffffffn]) {
      const u = fromBig(v);
      expect(toBig(u)).toBe(v);
      expect(parseHex64('0x' + v.toString(16))).toEqual(u);
    }
    expect(splitNum(2 ** 52 + 5)).toEqual({ lo: 5, hi: 2 ** 20 });
    expect(joinNum(5, 2 ** 20)).toBe(2 ** 52 + 5);
    expect(fromBig(-1n)).toEqual({ lo: 0xffffffff, hi: 0xffffffff });
  });

  it('bitRange, field64, setBits, bitRanges', () => {
    expect(bitRange(63, 63)).toEqual({ lo: 0, hi: 0x80000000 });
    expect(bitRange(51, 46)).toEqual({ lo: 0, hi: 0xfc000 });
    expect(bitRange(33, 30)).toEqual({ lo: 0xc0000000, hi: 0x3 });
    expect(bitRange(31, 0)).toEqual({ lo: 0xffffffff, hi: 0 });
    expect(field64(0x80000000, 0x7, 31, 4)).toBe(0xf); // straddles the halves
    expect(field64(0, 0x78000000, 59, 4)).toBe(0xf);
    expect(field64(0xffffffff, 0, 0, 32)).toBe(0xffffffff);
    expect(setBits(0x81, 0x80000000)).toEqual([0, 7, 63]);
    expect(bitRanges([51, 50, 49, 7, 5, 4])).toBe('51:49, 7, 5:4');
    expect(frame52(0xfffff123, 0xfff12345)).toBe(0x12345 * 2 ** 32 + 0xfffff000);
  });
});
