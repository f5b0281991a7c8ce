/**
 * Lessons: an ordered list of stops, each a state of the app (a preset or a
 * link, optional changes, the reference or operation to show) with the
 * instructor's narration. Built-in lessons ship with the app; instructors
 * write their own as a JSON file in this shape:
 *
 *   { "pagodaLesson": 1, "id": "…", "title": "…",
 *     "stops": [ { "title": "…", "narration": "…",
 *                  "preset": "lm4-4k" | "link": "#v2.…",
 *                  "changes": [ …document changes… ],
 *                  "step": 3 } ] }
 *
 * `step` is a reference of the walk (0 = before it, -1 or absent = the whole
 * walk); under a shadow MMU it is the operation to stop after. Validated like
 * every other input: each field here, then each stop opened in full.
 */
import { ScenarioError } from '../engine';
import { parseAction } from '../worker/doc/validate';
import type { Action } from '../worker/doc/types';

export interface LessonStop {
  title: string;
  narration: string;
  preset?: string;
  link?: string;
  changes?: Action[];
  step?: number;
}

export interface Lesson {
  pagodaLesson: 1;
  id: string;
  title: string;
  stops: LessonStop[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, k: string, field: string, max: number, required = true): string | undefined {
  const v = o[k];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') throw new ScenarioError(`${field}.${k}`, v === undefined ? 'missing' : 'must be text');
  if (v.length > max) throw new ScenarioError(`${field}.${k}`, `is longer than ${max} characters`);
  if (required && v.trim() === '') throw new ScenarioError(`${field}.${k}`, 'is empty');
  return v;
}

const STOP_KEYS = ['title', 'narration', 'preset', 'link', 'changes', 'step'];
const LESSON_KEYS = ['pagodaLesson', 'id', 'title', 'stops'];
/** Stops a lesson may have (a lecture's worth, with room). */
export const MAX_STOPS = 200;

/** Check a lesson's shape; each stop's state is checked when it is opened (the session does that for all stops on import). */
export function parseLesson(v: unknown, field = 'lesson'): Lesson {
  if (!isObj(v)) throw new ScenarioError(field, 'must be an object with pagodaLesson, id, title and stops');
  for (const k of Object.keys(v)) if (!LESSON_KEYS.includes(k)) throw new ScenarioError(`${field}.${k}`, 'unknown key');
  if (v.pagodaLesson !== 1) throw new ScenarioError(`${field}.pagodaLesson`, 'must be 1 (the lesson format version)');
  const id = str(v, 'id', field, 80)!;
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(id)) throw new ScenarioError(`${field}.id`, 'may use letters, digits, dots, dashes and underscores');
  const title = str(v, 'title', field, 200)!;
  if (!Array.isArray(v.stops) || v.stops.length === 0) throw new ScenarioError(`${field}.stops`, 'must be a non-empty list of stops');
  if (v.stops.length > MAX_STOPS) throw new ScenarioError(`${field}.stops`, `has ${v.stops.length} stops; at most ${MAX_STOPS}`);
  const stops = v.stops.map((s, i): LessonStop => {
    const f = `${field}.stops[${i}]`;
    if (!isObj(s)) throw new ScenarioError(f, 'must be an object');
    for (const k of Object.keys(s)) if (!STOP_KEYS.includes(k)) throw new ScenarioError(`${f}.${k}`, 'unknown key');
    const stop: LessonStop = { title: str(s, 'title', f, 200)!, narration: str(s, 'narration', f, 4000)! };
    const preset = str(s, 'preset', f, 80, false);
    const link = str(s, 'link', f, 2_000_000, false);
    if ((preset === undefined) === (link === undefined)) throw new ScenarioError(f, 'needs exactly one of "preset" and "link"');
    if (preset !== undefined) stop.preset = preset;
    if (link !== undefined) stop.link = link;
    if (s.changes !== undefined) {
      if (!Array.isArray(s.changes)) throw new ScenarioError(`${f}.changes`, 'must be a list of changes');
      stop.changes = s.changes.map((a, k) => parseAction(a, `${f}.changes[${k}]`));
    }
    if (s.step !== undefined) {
      if (typeof s.step !== 'number' || !Number.isInteger(s.step) || s.step < -1 || s.step > 10_000) throw new ScenarioError(`${f}.step`, 'must be a whole number from -1 to 10000');
      stop.step = s.step;
    }
    return stop;
  });
  return { pagodaLesson: 1, id, title, stops };
}
