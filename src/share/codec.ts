/**
 * The share-link codec: the whole scenario plus the view state in the URL
 * fragment, as `v1.` + base64url(deflate(JSON)). Decoding trusts nothing: every
 * stage (version, alphabet, decompression with a size cap, UTF-8, JSON, each
 * field) fails with a Problem naming what is wrong. Decoded text is only ever
 * data — parsed by the engine's validators, never evaluated or put in HTML.
 */
import { Inflate, deflateSync, strToU8 } from 'fflate';
import { ScenarioError, parseWalkCase, type ScenarioJSON, type WalkCase } from '../engine';
import type { Problem, Result, ViewState } from '../worker/types';

export const LINK_VERSION = 1;
/** Longest fragment we try to read (characters). */
export const MAX_LINK_CHARS = 8 * 1024 * 1024;
/** Largest JSON a link may inflate to (bytes): stops decompression bombs. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface LinkPayload {
  case: ScenarioJSON;
  view: ViewState;
}

export interface DecodedLink {
  walkCase: WalkCase;
  view: ViewState;
}

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

/** Encode a payload as a fragment (without the leading '#'). */
export function encodeLink(payload: LinkPayload): string {
  const json = JSON.stringify({ case: payload.case, view: payload.view });
  return `v${LINK_VERSION}.` + toBase64Url(deflateSync(strToU8(json), { level: 6 }));
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

/** Decode a fragment (with or without '#'); never throws. */
export function decodeLink(fragment: string, maxJsonBytes = MAX_JSON_BYTES): Result<DecodedLink> {
  const s = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (s.length === 0) return fail('link', 'the link has no scenario after "#"');
  if (s.length > MAX_LINK_CHARS) return fail('link', `the link is too long (${s.length} characters)`);
  const m = /^v(\d{1,6})\.([\s\S]*)$/.exec(s);
  if (m === null) return fail('link.version', 'the link does not start with a version such as "v1."');
  if (Number(m[1]) !== LINK_VERSION) return fail('link.version', `version ${m[1]} is not supported (this app reads version ${LINK_VERSION})`);
  if (!/^[A-Za-z0-9_-]*$/.test(m[2])) return fail('link.data', 'the data contains characters that are not base64url (A–Z, a–z, 0–9, -, _)');
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
  return validatePayload(json);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validate a decoded payload object: `{case, view}`. */
export function validatePayload(json: unknown): Result<DecodedLink> {
  if (!isObj(json)) return fail('link', 'the data is not an object with "case" and "view"');
  for (const k of Object.keys(json)) if (k !== 'case' && k !== 'view') return fail(`link.${k}`, 'unknown key');
  if (!('case' in json)) return fail('link.case', 'missing');
  let walkCase: WalkCase;
  try {
    walkCase = parseWalkCase(json.case);
  } catch (e) {
    if (e instanceof ScenarioError) return fail(`link.case.${e.field}`, e.problem);
    return fail('link.case', 'cannot be read');
  }
  if (walkCase.access === null) return fail('link.case.access', 'missing');
  const view = validateView(json.view);
  if (!view.ok) return view;
  return { ok: true, value: { walkCase, view: view.value } };
}

export function validateView(v: unknown): Result<ViewState> {
  if (v === undefined) return { ok: true, value: { step: -1 } };
  if (!isObj(v)) return fail('link.view', 'must be an object');
  for (const k of Object.keys(v)) if (k !== 'step' && k !== 'virt') return fail(`link.view.${k}`, 'unknown key');
  const step = v.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < -1 || step > 1000) {
    return fail('link.view.step', 'must be an integer from -1 to 1000');
  }
  if (v.virt === undefined) return { ok: true, value: { step } };
  if (v.virt !== 'shadow' && v.virt !== 'nested') return fail('link.view.virt', 'must be "shadow" or "nested"');
  return { ok: true, value: { step, virt: v.virt } };
}
