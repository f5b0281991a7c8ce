/// <reference lib="webworker" />
/** The engine worker: exposes the API object over Comlink. */
import { expose } from 'comlink';
import { createApi } from './api';

expose(createApi());
