import type { EngineClient } from '../worker/client';
import type { ClassSlice } from './classSlice';
import type { DocSlice } from './docSlice';
import type { UiSlice } from './uiSlice';
import type { ViewSlice } from './viewSlice';

export type AppState = DocSlice & ViewSlice & UiSlice & ClassSlice;

/** What the store needs from outside: the engine client. */
export interface Deps {
  client: EngineClient;
}
