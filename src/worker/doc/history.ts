/**
 * One history: the documents shown, in order, and which one is current. Every
 * change pushes the next document (dropping any redo); Undo and Redo move the
 * cursor, so they reach exactly the documents that were shown and no others.
 * Each entry caches its materialized state; old caches are dropped and
 * rebuilt from the recipe when needed.
 */
import type { State } from './materialize';
import type { Doc, View } from './types';

export interface Entry {
  doc: Doc;
  state: State | null;
}

/** Entries kept (the oldest are forgotten first). */
export const HISTORY_LIMIT = 200;
/** Entries that keep their materialized state (memory copies) around. */
const CACHED = 24;

export class History {
  private entries: Entry[] = [];
  private at = -1;

  get current(): Entry | null {
    return this.at >= 0 ? this.entries[this.at] : null;
  }

  get canUndo(): boolean {
    return this.at > 0;
  }

  get canRedo(): boolean {
    return this.at < this.entries.length - 1;
  }

  get size(): number {
    return this.entries.length;
  }

  get index(): number {
    return this.at;
  }

  /** Make `doc` the current document, after the current one. */
  push(doc: Doc, state: State): void {
    this.entries.splice(this.at + 1);
    this.entries.push({ doc, state });
    if (this.entries.length > HISTORY_LIMIT) this.entries.splice(0, this.entries.length - HISTORY_LIMIT);
    this.at = this.entries.length - 1;
    for (let i = 0; i < this.entries.length - CACHED; i++) this.entries[i].state = null;
  }

  undo(): Entry | null {
    if (!this.canUndo) return null;
    return this.entries[--this.at];
  }

  redo(): Entry | null {
    if (!this.canRedo) return null;
    return this.entries[++this.at];
  }

  /** The newest entry whose document matches, or -1. */
  lastIndexWhere(pred: (d: Doc) => boolean): number {
    for (let i = this.entries.length - 1; i >= 0; i--) if (pred(this.entries[i].doc)) return i;
    return -1;
  }

  /** Make entry `i` current (returning to a document the restored history already holds; no new entry). */
  jump(i: number): Entry {
    this.at = Math.max(0, Math.min(i, this.entries.length - 1));
    return this.entries[this.at];
  }

  /** Record what is shown of the current document (its view), without a new entry. */
  setView(view: View): void {
    const e = this.current;
    if (e) e.doc = { ...e.doc, view };
  }

  /** The whole history as plain data (for the saved state). */
  save(): { docs: Doc[]; at: number } {
    return { docs: this.entries.map((e) => e.doc), at: this.at };
  }

  /** Replace everything with saved documents (already validated); states are rebuilt lazily. */
  restore(docs: Doc[], at: number): void {
    this.entries = docs.map((doc) => ({ doc, state: null }));
    this.at = Math.max(0, Math.min(at, docs.length - 1));
  }
}
