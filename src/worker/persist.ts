/**
 * Where the saved state goes: the whole history, written after every change
 * (coalesced), so a reload restores exactly what was shown, however large the
 * scenario (links have a length limit; IndexedDB does not). The worker uses
 * IndexedDB; tests and Node use the in-memory store.
 */
import type { SavedState } from './types';

export interface Persist {
  load(): Promise<unknown>;
  save(s: SavedState): Promise<void>;
}

export class MemoryPersist implements Persist {
  value: SavedState | null = null;
  async load(): Promise<unknown> {
    return this.value === null ? null : structuredClone(this.value);
  }
  async save(s: SavedState): Promise<void> {
    this.value = structuredClone(s);
  }
}

const DB = 'pagoda';
const STORE = 'state';
const KEY = 'last';

/** IndexedDB, as a worker has it. Failures (private mode, quota) lose only the saving, never the session. */
export class IdbPersist implements Persist {
  private db: Promise<IDBDatabase> | null = null;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    return this.db;
  }

  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  load(): Promise<unknown> {
    return this.tx('readonly', (s) => s.get(KEY));
  }

  async save(v: SavedState): Promise<void> {
    await this.tx('readwrite', (s) => s.put(v, KEY));
  }
}
