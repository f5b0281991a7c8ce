import { describe, expect, it } from 'vitest';
import { ecNames, parseBitsAnswer, parseHexAnswer, parseIntAnswer, parseSetAnswer } from './parse';

const ok = <T>(v: T) => ({ ok: true, value: v });

describe('reading typed answers', () => {
  it('reads hex as people type it', () => {
    for (const t of ['0x3a5c123', '0X3A5C123', '3a5c123', ' 0x3a5c_123 ', '0x3a5c 123', "0x3a5c'123", '3a5c123h']) expect(parseHexAnswer(t)).toEqual(ok(0x3a5c123n));
    expect(parseHexAnswer('0xffffffffffffffff')).toEqual(ok(2n ** 64n - 1n));
    expect(parseHexAnswer('0x0000000000000000001')).toEqual(ok(1n));
  });

  it('says why hex cannot be read', () => {
    expect(parseHexAnswer('0x')).toEqual({ ok: false, message: 'no digits after 0x' });
    expect(parseHexAnswer('0x_')).toEqual({ ok: false, message: 'no digits after 0x' });
    expect(parseHexAnswer('')).toMatchObject({ ok: false, message: expect.stringMatching(/^no answer/) });
    expect(parseHexAnswer('0x3g5')).toEqual({ ok: false, message: '"g" is not a hex digit (0–9, a–f)' });
    expect(parseHexAnswer('0x1_0000_0000_0000_0000')).toEqual({ ok: false, message: '17 hex digits is more than 64 bits' });
    expect(parseHexAnswer('-0x10')).toMatchObject({ ok: false, message: 'an address is never negative' });
  });

  it('reads whole numbers', () => {
    expect(parseIntAnswer('24')).toEqual(ok(24));
    expect(parseIntAnswer(' 1_000 ')).toEqual(ok(1000));
    expect(parseIntAnswer('0x18')).toEqual(ok(24));
    expect(parseIntAnswer('24.5')).toMatchObject({ ok: false, message: 'a count is a whole number (no decimal point)' });
    expect(parseIntAnswer('-3')).toMatchObject({ ok: false, message: 'a count is never negative' });
    expect(parseIntAnswer('twenty')).toMatchObject({ ok: false, message: '"t" is not a decimal digit' });
    expect(parseIntAnswer('')).toMatchObject({ ok: false });
  });

  it('reads error codes by bit names or in hex', () => {
    expect(parseBitsAnswer('P W U')).toEqual(ok(7));
    expect(parseBitsAnswer('p|w/r|u/s')).toEqual(ok(7));
    expect(parseBitsAnswer('U/S, R/W, P')).toEqual(ok(7));
    expect(parseBitsAnswer('RSVD+P')).toEqual(ok(9));
    expect(parseBitsAnswer('I/D P')).toEqual(ok(0x11));
    expect(parseBitsAnswer('PK W U P')).toEqual(ok(0x27));
    expect(parseBitsAnswer('0x7')).toEqual(ok(7));
    expect(parseBitsAnswer('10')).toEqual(ok(0x10)); // a bare number is hex, as error codes are written
    expect(parseBitsAnswer('none')).toEqual(ok(0));
    expect(parseBitsAnswer('0')).toEqual(ok(0));
    expect(parseBitsAnswer('P X')).toMatchObject({ ok: false, message: expect.stringMatching(/^"X" is not an error-code bit/) });
    expect(parseBitsAnswer('D')).toMatchObject({ ok: false, message: expect.stringMatching(/^"D" is not an error-code bit/) });
    expect(parseBitsAnswer('0x')).toEqual({ ok: false, message: 'no digits after 0x' });
    expect(parseBitsAnswer('0x12345')).toMatchObject({ ok: false, message: expect.stringMatching(/is not an error code/) });
    expect(ecNames(0x2d)).toEqual(['P', 'U', 'RSVD', 'PK']);
  });

  it('reads sets of ids in any order', () => {
    expect(parseSetAnswer('#5, #3')).toEqual(ok(['3', '5']));
    expect(parseSetAnswer('{3,5,3}')).toEqual(ok(['3', '5']));
    expect(parseSetAnswer('5 and 3')).toEqual(ok(['3', '5']));
    expect(parseSetAnswer('none')).toEqual(ok([]));
    expect(parseSetAnswer('{}')).toEqual(ok([]));
    expect(parseSetAnswer('')).toMatchObject({ ok: false, message: expect.stringMatching(/^no answer/) });
    expect(parseSetAnswer('#3, PD')).toMatchObject({ ok: false, message: expect.stringMatching(/^"PD" is not an id/) });
  });
});
