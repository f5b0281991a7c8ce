/**
 * The share-link codec. `v2.` + base64url(deflate(JSON)) carries a document's
 * recipe: a preset by id and version plus the changes since (short), or an
 * imported case with its memory. `v1.` links (the whole scenario and a view)
 * still open: they decode into the recipe that reproduces what they opened
 * when they were made. Decoding trusts nothing: every stage (version,
 * alphabet, decompression with a size cap, UTF-8, JSON, each field) fails with
 * a Problem naming what is wrong. Decoded text is only ever data.
 */
import { Inflate, deflateSync, strToU8 } from 'fflate';
import { ScenarioError, parseWalkCase, type ScenarioJSON } from '../engine';
import { currentPreset } from '../presets/registry';
import { DEFAULT_NESTED_PRESET } from '../presets/shadow';
import { parseAction, parseLessonRef, parseOrigin, parseView } from '../worker/doc/validate';
import type { Action, Doc, Origin, View } from '../worker/doc/types';
import type { Problem, Result } from '../worker/types';

export const LINK_VERSION = 2;
/** Longest fragment we try to read (characters). */
export const MAX_LINK_CHARS = 8 * 1024 * 1024;
/** Largest JSON a link may inflate to (bytes): stops decompression bombs. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

const fail = (field: string, message: string): { ok: false; problem: Problem } => ({ ok: false, problem: { field, message } });

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The v2 wire form of a document, with short keys: `p`/`pv` a preset and its
 * version, or `c` (+`ct` title, `cp` the preset it came from) a walk case, or
 * `sc` (+`ct`) a shadow case; `a` the changes; `s`, `w`, `ws` the view.
 */
interface Wire {
  p?: string;
  pv?: number;
  c?: unknown;
  sc?: unknown;
  ct?: string;
  cp?: string;
  /** A QEMU dump by name (its file stays on the machine that has it). */
  dp?: { id: string; name: string; size: number };
  /** The lesson this document is a stop of. */
  l?: unknown;
  a?: unknown[];
  s?: number;
  w?: string;
  ws?: number;
}

/**
 * The same recipe, shorter: runs of steps through the operations keep only
 * the last (each seek depends only on where it goes), and runs of access
 * changes merge into one. Both give the same state (history.props.test.ts).
 */
export function compact(actions: Action[]): Action[] {
  const out: Action[] = [];
  for (const a of actions) {
    const prev = out[out.length - 1];
    if (prev && prev.t === 'seek' && a.t === 'seek') out[out.length - 1] = a;
    else if (prev && prev.t === 'access' && a.t === 'access') out[out.length - 1] = { t: 'access', access: { ...prev.access, ...a.access } };
    else out.push(a);
  }
  return out;
}

function toWire(d: Doc): Wire {
  const o = d.origin;
  const w: Wire =
    o.kind === 'preset'
      ? { p: o.id, pv: o.v }
      : o.kind === 'case'
        ? { c: o.case, ct: o.title, ...(o.preset ? { cp: o.preset } : {}) }
        : o.kind === 'shadow-case'
          ? { sc: o.case, ct: o.title }
          : { dp: { id: o.id, name: o.name, size: o.size } };
  const actions = compact(d.actions);
  if (actions.length) w.a = actions;
  if (d.view.step !== -1) w.s = d.view.step;
  if (d.view.walk !== undefined) w.w = d.view.walk;
  if (d.view.walkStep !== undefined) w.ws = d.view.walkStep;
  if (d.lesson) w.l = d.lesson;
  return w;
}

/** Encode a document as a fragment (without the leading '#'). */
export function encodeLink(d: Doc): string {
  return `v${LINK_VERSION}.` + toBase64Url(deflateSync(strToU8(JSON.stringify(toWire(d))), { level: 9 }));
}

function inflateCapped(data: Uint8Array, cap: number): Uint8Array | 'too-big' | null {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let tooBig = false;
  const inf = new Inflate();
  inf.ondata = (chunk) => {
    total += chunk.length;
    if (total > cap) {
      tooBig = true;
      throw new Error('too big');
    }
    chunks.push(chunk);
  };
  try {
    inf.push(data, true);
  } catch {
    return tooBig ? 'too-big' : null;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Decode a fragment (with or without '#') into a document; never throws. Materializing it is the caller's next check. */
export function decodeLink(fragment: string, maxJsonBytes = MAX_JSON_BYTES): Result<Doc> {
  const s = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (s.length === 0) return fail('link', 'the link has no scenario after "#"');
  if (s.length > MAX_LINK_CHARS) return fail('link', `the link is too long (${s.length} characters)`);
  const m = /^v(\d{1,6})\.([\s\S]*)$/.exec(s);
  if (m === null) return fail('link.version', 'the link does not start with a version such as "v2."');
  const version = Number(m[1]);
  if (version !== 1 && version !== 2) return fail('link.version', `version ${m[1]} is not supported (this app reads versions 1 and 2)`);
  if (!/^[A-Za-z0-9_-]*$/.test(m[2])) return fail('link.data', 'the data contains characters that are not base64url (A–Z, a–z, 0–9, -, _): was the link cut or changed?');
  const bytes = fromBase64Url(m[2]);
  if (bytes === null || bytes.length === 0) return fail('link.data', 'the data is truncated (its base64url length is impossible)');
  const raw = inflateCapped(bytes, maxJsonBytes);
  if (raw === 'too-big') return fail('link.data', `the data inflates to more than ${(maxJsonBytes / 2 ** 20).toFixed(0)} MiB`);
  if (raw === null) return fail('link.data', 'the data is truncated or corrupt (it does not decompress)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail('link.data', 'the data is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('link.data', 'the data is not valid JSON (truncated?)');
  }
  try {
    return { ok: true, value: version === 2 ? fromWire(json) : fromV1(json) };
  } catch (e) {
    if (e instanceof ScenarioError) return fail(e.field, e.problem);
    return fail('link', 'cannot be read');
  }
}

/** Run a parser whose field names are relative, naming them under `prefix`. */
export function prefixed<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(e.field ? `${prefix}.${e.field}` : prefix, e.problem);
    throw e;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const WIRE_KEYS = ['p', 'pv', 'c', 'sc', 'ct', 'cp', 'dp', 'a', 's', 'w', 'ws', 'l'];

function fromWire(json: unknown): Doc {
  if (!isObj(json)) throw new ScenarioError('link', 'the data is not a scenario recipe (an object)');
  for (const k of Object.keys(json)) if (!WIRE_KEYS.includes(k)) throw new ScenarioError(`link.${k}`, 'unknown key');
  let origin: Origin;
  if (json.p !== undefined) origin = parseOrigin({ kind: 'preset', id: json.p, v: json.pv }, 'link.preset');
  else if (json.c !== undefined) origin = parseOrigin({ kind: 'case', case: json.c, title: json.ct ?? 'Scenario', ...(json.cp !== undefined ? { preset: json.cp } : {}) }, 'link.case');
  else if (json.sc !== undefined) origin = parseOrigin({ kind: 'shadow-case', case: json.sc, title: json.ct ?? 'Shadow case' }, 'link.case');
  else if (json.dp !== undefined) origin = parseOrigin(isObj(json.dp) ? { kind: 'dump', ...json.dp } : json.dp, 'link.dump');
  else throw new ScenarioError('link', 'names no preset and carries no case');
  const a = json.a ?? [];
  if (!Array.isArray(a)) throw new ScenarioError('link.changes', 'must be a list');
  const actions: Action[] = a.map((x, i) => parseAction(x, `link.changes[${i}]`));
  const view = parseView(
    { step: json.s ?? -1, ...(json.w !== undefined ? { walk: json.w } : {}), ...(json.ws !== undefined ? { walkStep: json.ws } : {}) },
    'link.view',
  );
  const doc: Doc = { origin, actions, view };
  if (json.l !== undefined) doc.lesson = parseLessonRef(json.l, 'link.lesson');
  return doc;
}

/**
 * A v1 link: `{case, view: {step, virt?}}` with the whole scenario. It opens
 * as it did when it was made: the case itself; under `virt` "shadow" a
 * shadow preset's id reopened that preset (from its start) and any other
 * guest ran under shadow paging; "nested" reopened a nested preset, or the
 * default one.
 */
function fromV1(json: unknown): Doc {
  if (!isObj(json)) throw new ScenarioError('link', 'the data is not an object with "case" and "view"');
  for (const k of Object.keys(json)) if (k !== 'case' && k !== 'view') throw new ScenarioError(`link.${k}`, 'unknown key');
  if (!('case' in json)) throw new ScenarioError('link.case', 'missing');
  const c = prefixed('link.case', () => parseWalkCase(json.case));
  if (c.access === null) throw new ScenarioError('link.case.access', 'missing');
  const v = json.view === undefined ? { step: -1 } : json.view;
  if (!isObj(v)) throw new ScenarioError('link.view', 'must be an object');
  for (const k of Object.keys(v)) if (k !== 'step' && k !== 'virt') throw new ScenarioError(`link.view.${k}`, 'unknown key');
  const view: View = parseView({ step: v.step }, 'link.view');
  if (view.step > 1000) throw new ScenarioError('link.view.step', 'must be a whole number from -1 to 1000');
  const virt = v.virt;
  if (virt !== undefined && virt !== 'shadow' && virt !== 'nested') throw new ScenarioError('link.view.virt', 'must be "shadow" or "nested"');
  const p = c.id ? currentPreset(c.id) : undefined;
  const asCase: Origin = { kind: 'case', case: json.case as ScenarioJSON, title: c.id ? (p ? p.title : c.id) : 'Scenario', ...(p ? { preset: p.id } : {}) };
  if (virt === 'shadow') {
    if (p && p.shadow && p.group === 'Shadow MMU') return { origin: { kind: 'preset', id: p.id, v: 1 }, actions: [], view };
    return { origin: asCase, actions: [{ t: 'virt', mode: 'shadow' }], view };
  }
  if (virt === 'nested') {
    const id = p && p.shadow && p.group === 'Nested EPT' ? p.id : DEFAULT_NESTED_PRESET;
    return { origin: { kind: 'preset', id, v: 1 }, actions: [], view };
  }
  return { origin: asCase, actions: [], view };
}
