/// <reference lib="webworker" />
/** The engine worker: exposes the API object over Comlink; the history is saved in IndexedDB. */
import { expose } from 'comlink';
import { createApi } from './api';
import { IdbPersist } from './persist';
import { Session } from './session';

expose(createApi(new Session(), new IdbPersist()));
