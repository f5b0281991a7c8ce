import { describe, expect, it } from 'vitest';
import { ScenarioError, cloneScenario, parseWalkCase, scenarioToJSON } from './scenario';

const CPU = {
  paging: '4',
  cr3: '0x1000',
  wp: true,
  pse: false,
  nxe: true,
  smep: false,
  smap: false,
  ac: false,
  pke: false,
  pkru: '0x0',
  maxphyaddr: 46,
  gbpages: true,
};
const EPT = { levels: 4, root: '0x5000', ad: true, execonly: false, maxphyaddr: 46 };
const ACCESS = { va: '0x1000', op: 'read', cpl: 0, implicit: false };
const base = () => ({ id: 't', cpu: { ...CPU }, ept: null as unknown, memory: { '0x1000': '0x2003' } as Record<string, unknown>, access: { ...ACCESS } as Record<string, unknown> });

const withCpu = (k: string, v: unknown) => ({ ...base(), cpu: { ...CPU, [k]: v } });

describe('parseWalkCase', () => {
  it('parses a valid case', () => {
    const c = parseWalkCase({ ...base(), ept: EPT, tags: ['a'], title: 'x' });
    expect(c.scenario.cpu).toMatchObject({ paging: '4', cr3: 0x1000, maxphyaddr: 46, pkru: 0 });
    expect(c.scenario.ept).toEqual({ levels: 4, root: 0x5000, ad: true, execonly: false, maxphyaddr: 46 });
    expect(c.scenario.memory.readQword(0x1000)).toEqual({ lo: 0x2003, hi: 0 });
    expect(c.access).toEqual({ va: { lo: 0x1000, hi: 0 }, op: 'read', cpl: 0, implicit: false });
    expect(parseWalkCase({ ...base(), access: undefined }).access).toBeNull();
  });

  it('names the bad cpu field', () => {
    const bad: [string, unknown][] = [
      ['maxphyaddr', 53],
      ['maxphyaddr', 31],
      ['maxphyaddr', 40.5],
      ['maxphyaddr', '46'],
      ['paging', 4],
      ['paging', '64'],
      ['cr3', '0x10000000000000'], // 2^52
      ['cr3', -4096],
      ['cr3', 4096.5],
      ['cr3', '0xzz'],
      ['pkru', '0x100000000'],
      ['wp', 1],
      ['smap', 'true'],
      ['gbpages', null],
    ];
    for (const [k, v] of bad) expect(() => parseWalkCase(withCpu(k, v)), `${k}=${JSON.stringify(v)}`).toThrow(`cpu.${k}`);
    const { nxe: _nxe, ...missing } = CPU;
    void _nxe;
    expect(() => parseWalkCase({ ...base(), cpu: missing })).toThrow('cpu.nxe');
    expect(() => parseWalkCase(withCpu('la57', true))).toThrow('cpu.la57');
    expect(() => parseWalkCase({ ...base(), cpu: [] })).toThrow('cpu');
  });

  it('names the bad ept field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...EPT, levels: 3 }, 'ept.levels'],
      [{ ...EPT, root: -12 }, 'ept.root'],
      [{ ...EPT, root: '0x1' + '0'.repeat(13) }, 'ept.root'],
      [{ ...EPT, ad: 'yes' }, 'ept.ad'],
      [{ ...EPT, execonly: 0 }, 'ept.execonly'],
      [{ ...EPT, maxphyaddr: 99 }, 'ept.maxphyaddr'],
      [{ ...EPT, pml5: true }, 'ept.pml5'],
    ];
    for (const [ept, field] of cases) expect(() => parseWalkCase({ ...base(), ept }), field).toThrow(field);
  });

  it('names the bad memory entry and the bad access field', () => {
    expect(() => parseWalkCase({ ...base(), memory: { '0x1004': '0x1' } })).toThrow(/memory\["0x1004"\]/);
    expect(() => parseWalkCase({ ...base(), memory: { '0x1000': true } })).toThrow(/memory\["0x1000"\]/);
    expect(() => parseWalkCase({ ...base(), memory: { '0x1000': '0x10000000000000000' } })).toThrow(/memory\["0x1000"\]/);
    expect(() => parseWalkCase({ ...base(), memory: { zz: '0x1' } })).toThrow(/memory\["zz"\]/);
    expect(() => parseWalkCase({ ...base(), memory: [] })).toThrow('memory');
    const acc = (k: string, v: unknown) => ({ ...base(), access: { ...ACCESS, [k]: v } });
    expect(() => parseWalkCase(acc('op', 'exec'))).toThrow('access.op');
    expect(() => parseWalkCase(acc('cpl', 1))).toThrow('access.cpl');
    expect(() => parseWalkCase(acc('va', 'x4096'))).toThrow('access.va');
    expect(() => parseWalkCase(acc('va', '0x10000000000000000'))).toThrow('access.va');
    expect(() => parseWalkCase(acc('implicit', 'no'))).toThrow('access.implicit');
    expect(() => parseWalkCase({ ...base(), access: { ...ACCESS, op: 'fetch', implicit: true } })).toThrow('access.implicit');
    expect(() => parseWalkCase({ ...withCpu('paging', '32'), access: { ...ACCESS, va: '0x100000000' } })).toThrow('access.va');
  });

  it('names unknown top-level keys, bad id and tags', () => {
    expect(() => parseWalkCase({ ...base(), extra: 1 })).toThrow('extra');
    expect(() => parseWalkCase({ ...base(), id: 5 })).toThrow('id');
    expect(() => parseWalkCase({ ...base(), tags: 'x' })).toThrow('tags');
    expect(() => parseWalkCase(null)).toThrow(ScenarioError);
    try {
      parseWalkCase(withCpu('maxphyaddr', 99));
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as ScenarioError).field).toBe('cpu.maxphyaddr');
    }
  });

  it('scenarioToJSON round-trips and cloneScenario is deep', () => {
    const c = parseWalkCase({ ...base(), ept: EPT, memory: { '0x1000': '0xffffffff00002003', '0x10000000000': '0x1' } });
    const json = scenarioToJSON(c.scenario, c.access!);
    expect(json.memory).toEqual({ '0x1000': '0xffffffff00002003', '0x10000000000': '0x1' });
    const again = parseWalkCase({ ...json, id: 'again' });
    expect(again.scenario.cpu).toEqual(c.scenario.cpu);
    expect(again.scenario.ept).toEqual(c.scenario.ept);
    expect(again.access).toEqual(c.access);
    const k = cloneScenario(c.scenario);
    k.memory.write32(0x1000, 0);
    k.cpu.wp = false;
    expect(c.scenario.memory.read32(0x1000)).toBe(0x2003);
    expect(c.scenario.cpu.wp).toBe(true);
  });
});
