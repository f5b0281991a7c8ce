import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeLink, encodeLink, toBase64Url } from './codec';
import type { Doc } from '../worker/doc/types';

const CASE = {
  id: 'lm4-2m-write-sets-d',
  cpu: { paging: '4', cr3: '0x1000', wp: true, pse: false, nxe: true, smep: false, smap: false, ac: false, pke: false, pkru: '0x0', maxphyaddr: 46, gbpages: true },
  ept: null,
  memory: { '0x1000': '0x2003', '0x2008': '0x3003', '0x3008': '0x200083' },
  access: { va: '0x40201234', op: 'write', cpl: 0, implicit: false },
} as const;

const raw = (obj: unknown) => 'v1.' + toBase64Url(deflateSync(strToU8(JSON.stringify(obj))));
const v2 = (obj: unknown) => 'v2.' + toBase64Url(deflateSync(strToU8(JSON.stringify(obj))));

describe('share link codec', () => {
  it('round-trips a recipe: origin, changes and view', () => {
    const doc: Doc = { origin: { kind: 'preset', id: 'lm4-2m', v: 1 }, actions: [{ t: 'cpu', cpu: { smep: true } }, { t: 'access', access: { op: 'write' } }], view: { step: 2, walk: 'guest', walkStep: 1 } };
    const frag = encodeLink(doc);
    expect(frag).toMatch(/^v2\.[A-Za-z0-9_-]+$/);
    expect(decodeLink('#' + frag)).toEqual({ ok: true, value: doc });
    const c: Doc = { origin: { kind: 'case', case: CASE as never, title: 'x' }, actions: [], view: { step: -1 } };
    expect(decodeLink(encodeLink(c))).toEqual({ ok: true, value: c });
  });

  it('reads v1 links into the recipe that opens what they opened', () => {
    const r = decodeLink(raw({ case: CASE, view: { step: 2 } }));
    expect(r).toEqual({ ok: true, value: { origin: { kind: 'case', case: CASE, title: CASE.id }, actions: [], view: { step: 2 } } });
    const sh = decodeLink(raw({ case: CASE, view: { step: -1, virt: 'shadow' } }));
    expect(sh.ok && sh.value.actions).toEqual([{ t: 'virt', mode: 'shadow' }]);
    const ne = decodeLink(raw({ case: CASE, view: { step: -1, virt: 'nested' } }));
    expect(ne.ok && ne.value.origin).toEqual({ kind: 'preset', id: 'nested-ept4-host5', v: 1 });
    const bad = decodeLink(raw({ case: CASE, view: { step: 0, virt: 'xen' } }));
    expect(!bad.ok && bad.problem.field).toBe('link.view.virt');
  });

  it('compresses: a link with memory is much shorter than its JSON', () => {
    const memory: Record<string, string> = {};
    for (let i = 0; i < 512; i++) memory['0x' + (0x2000 + i * 8).toString(16)] = '0x' + (0x100000 + i * 0x1000 + 7).toString(16);
    const frag = encodeLink({ origin: { kind: 'case', case: { ...CASE, memory: { ...CASE.memory, ...memory } } as never, title: 'big' }, actions: [], view: { step: -1 } });
    expect(frag.length).toBeLessThan(JSON.stringify(memory).length / 2.5);
  });

  it('names a bad change by its position and field', () => {
    const r = decodeLink(v2({ p: 'lm4-4k', pv: 1, a: [{ t: 'cpu', cpu: {} }, { t: 'mem', addr: '0x1001', value: 'zz', bytes: 8 }] }));
    expect(!r.ok && r.problem.field).toBe('link.changes[1].value');
    const u = decodeLink(v2({ p: 'lm4-4k', pv: 1, a: [{ t: 'teleport' }] }));
    expect(!u.ok && u.problem.field).toBe('link.changes[0].t');
    const k = decodeLink(v2({ p: 'lm4-4k', pv: 1, x: 1 }));
    expect(!k.ok && k.problem.field).toBe('link.x');
    const n = decodeLink(v2({ a: [] }));
    expect(!n.ok && n.problem.message).toMatch(/no preset/);
  });

  it.each([
    ['', 'link'],
    ['#', 'link'],
    ['#hello', 'link.version'],
    ['#v3.abc', 'link.version'],
    ['#v2.<script>alert(1)</script>', 'link.data'],
    ['#v1.<script>alert(1)</script>', 'link.data'],
    ['#v1.a', 'link.data'],
    ['#v1.AAAA', 'link.data'],
  ])('rejects %j naming %s', (frag, field) => {
    const r = decodeLink(frag);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.field).toBe(field);
  });

  it('rejects a truncated link', () => {
    const frag = raw({ case: CASE, view: { step: 2 } });
    const r = decodeLink(frag.slice(0, Math.floor(frag.length * 0.6)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.field).toBe('link.data');
  });

  it('names the bad field inside the scenario', () => {
    const r = decodeLink(raw({ case: { ...CASE, cpu: { ...CASE.cpu, maxphyaddr: 99 } }, view: { step: 0 } }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.field).toBe('link.case.cpu.maxphyaddr');
      expect(r.problem.message).toMatch(/32 to 52/);
    }
  });

  it('rejects unknown keys, a missing access and a bad step', () => {
    const a = decodeLink(raw({ case: CASE, view: { step: 0 }, evil: '<img src=x onerror=alert(1)>' }));
    expect(!a.ok && a.problem.field).toBe('link.evil');
    const { access: _drop, ...noAccess } = CASE;
    void _drop;
    const b = decodeLink(raw({ case: noAccess, view: { step: 0 } }));
    expect(!b.ok && b.problem.field).toBe('link.case.access');
    const c = decodeLink(raw({ case: CASE, view: { step: 'x' } }));
    expect(!c.ok && c.problem.field).toBe('link.view.step');
    const d = decodeLink(raw({ case: { ...CASE, __proto__: { polluted: true } }, view: { step: 0 } }));
    expect(d.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects data that is not JSON or not UTF-8', () => {
    const notJson = 'v1.' + toBase64Url(deflateSync(strToU8('{"case": ')));
    const r1 = decodeLink(notJson);
    expect(!r1.ok && r1.problem.message).toMatch(/JSON/);
    const bad = 'v1.' + toBase64Url(deflateSync(new Uint8Array([0xff, 0xfe, 0xfd])));
    const r2 = decodeLink(bad);
    expect(!r2.ok && r2.problem.message).toMatch(/UTF-8/);
  });

  it('stops a decompression bomb', () => {
    // Same code path as the 64 MiB production cap, at a size that keeps the test quick.
    const zeros = new Uint8Array(3 * 1024 * 1024);
    const bomb = 'v1.' + toBase64Url(deflateSync(zeros, { level: 9 }));
    expect(bomb.length).toBeLessThan(8000);
    const r = decodeLink(bomb, 2 * 1024 * 1024);
    expect(!r.ok && r.problem.message).toMatch(/more than 2 MiB/);
  });
});
