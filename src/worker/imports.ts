/**
 * Read an imported file into the cases it holds: one walk or shadow case as
 * JSON, a JSON array of cases, or JSON Lines (a vector file). Every case is
 * validated here, so the list says which can be opened and why not; nothing
 * is opened until one is chosen.
 */
import { ScenarioError, parseWalkCase } from '../engine';
import { parseShadowCase } from '../engine/shadow';
import type { Origin, ShadowCaseJSON } from './doc/types';
import type { FileCase, Problem } from './types';

export interface ParsedCase extends FileCase {
  origin: Origin | null;
}

/** Largest file read (characters): the public vector file is well under this. */
export const MAX_FILE_CHARS = 64 * 1024 * 1024;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readCases(text: string, name: string): { cases: ParsedCase[] } | { problem: Problem } {
  if (text.length > MAX_FILE_CHARS) return { problem: { field: name, message: `the file is larger than ${MAX_FILE_CHARS / 2 ** 20} MiB` } };
  if (text.trim() === '') return { problem: { field: name, message: 'the file is empty' } };
  let items: { json: unknown; where: string }[];
  try {
    const whole = JSON.parse(text) as unknown;
    items = Array.isArray(whole) ? whole.map((json, i) => ({ json, where: `item ${i + 1}` })) : [{ json: whole, where: '' }];
  } catch {
    // JSON Lines: one case per non-empty line.
    items = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      try {
        items.push({ json: JSON.parse(lines[i]), where: `line ${i + 1}` });
      } catch (e) {
        const first = items.length === 0 && lines.filter((l) => l.trim() !== '').length === 1;
        return {
          problem: {
            field: first ? name : `${name} line ${i + 1}`,
            message: first
              ? `the file is not JSON (${(e as Error).message}); Pagoda opens a walk or shadow case, a JSON array of them, or JSON Lines of them`
              : `this line is not JSON (${(e as Error).message})`,
          },
        };
      }
    }
  }
  if (items.length === 0) return { problem: { field: name, message: 'the file holds no cases (an empty list)' } };
  return { cases: items.map((it, index) => parseOne(it.json, it.where, index, name)) };
}

function parseOne(json: unknown, where: string, index: number, name: string): ParsedCase {
  const id = isObj(json) && typeof json.id === 'string' ? json.id : '';
  const label = id || (where ? `${name} ${where}` : name);
  const prefix = where ? `${where}: ` : '';
  if (!isObj(json)) return { index, id: label, kind: 'walk', problem: `${prefix}must be a case object (with cpu, memory and access)`, summary: '', origin: null };
  const shadow = 'ops' in json || 'host' in json;
  try {
    if (shadow) {
      const c = parseShadowCase(json);
      const summary = `shadow case: ${c.cpu.paging === '32' ? '32-bit' : c.cpu.paging === 'pae' ? 'PAE' : `${c.cpu.paging}-level`} guest, ${c.ops.length} operation${c.ops.length === 1 ? '' : 's'}`;
      return { index, id: label, kind: 'shadow', problem: null, summary, origin: { kind: 'shadow-case', case: json as unknown as ShadowCaseJSON, title: label } };
    }
    const c = parseWalkCase(json);
    const s = c.scenario;
    const mode = s.cpu.paging === '32' ? '32-bit' : s.cpu.paging === 'pae' ? 'PAE' : `${s.cpu.paging}-level`;
    const summary = `${mode}${s.ept ? ` under ${s.ept.levels}-level EPT` : ''}${c.access ? `, ${c.access.op}` : ', no access'}`;
    return { index, id: label, kind: 'walk', problem: null, summary, origin: { kind: 'case', case: json as never, title: label } };
  } catch (e) {
    const msg = e instanceof ScenarioError ? `${e.field}: ${e.problem}` : (e as Error).message;
    return { index, id: label, kind: shadow ? 'shadow' : 'walk', problem: `${prefix}${msg}`, summary: '', origin: null };
  }
}
