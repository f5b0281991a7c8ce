/**
 * The one client of the engine worker: owns its lifecycle and gives the store
 * an async API. Requests are answered in order (the worker runs one at a
 * time); `latest` drops answers that a newer request of the same kind has
 * superseded (fragments, inspections), so stale results never land.
 */
import { wrap, releaseProxy, type Remote } from 'comlink';
import type { PagodaApi } from './api';

type Async<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

export type EngineClient = Async<PagodaApi> & {
  /** Run `call` and resolve with its answer, or with `null` when a newer call of `kind` was made meanwhile. */
  latest<R>(kind: string, call: () => Promise<R>): Promise<R | null>;
  dispose(): void;
};

const METHODS: (keyof PagodaApi)[] = ['presets', 'boot', 'openPreset', 'openLink', 'openFile', 'openFileCase', 'act', 'undo', 'redo', 'setView', 'snapshot', 'setExpanded', 'inspect', 'exportCase', 'fragment', 'whenSaved', 'openBlob', 'openBytes', 'mappings', 'reverse', 'walkText', 'openLesson', 'lessonStop', 'leaveLesson', 'exportLesson', 'lessons', 'startQuiz', 'checkQuiz', 'openQuizQuestion', 'predict', 'reveal'];

/** Wrap any API implementation (a Comlink remote, or the plain object in tests). */
export function makeClient(api: Async<PagodaApi> | PagodaApi, dispose: () => void = () => {}): EngineClient {
  const seq = new Map<string, number>();
  const target = api as unknown as Record<string, (...a: unknown[]) => unknown>;
  const client: Record<string, unknown> = {
    async latest<R>(kind: string, call: () => Promise<R>): Promise<R | null> {
      const n = (seq.get(kind) ?? 0) + 1;
      seq.set(kind, n);
      const r = await call();
      return seq.get(kind) === n ? r : null;
    },
    dispose,
  };
  for (const k of METHODS) client[k] = (...a: unknown[]) => Promise.resolve(target[k](...a));
  return client as unknown as EngineClient;
}

/** Start the engine worker and return its client. */
export function startEngine(): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'pagoda-engine' });
  const remote: Remote<PagodaApi> = wrap<PagodaApi>(worker);
  return makeClient(remote as unknown as Async<PagodaApi>, () => {
    remote[releaseProxy]();
    worker.terminate();
  });
}
