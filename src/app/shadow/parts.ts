/** The shadow-MMU views, loaded as one chunk when a shadow or nested mode is first shown. */
export { EventsLog } from './EventsLog';
export { NestedDepths } from './NestedDepths';
export { ShadowCounters } from './ShadowCounters';
export { ShadowOps } from './ShadowOps';
export { ShadowWalks } from './ShadowWalks';
export { ShadowWorkbench } from './ShadowWorkbench';
