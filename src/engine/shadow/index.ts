/**
 * The shadow MMU model (issue 4): KVM's shadow paging for 32-bit, PAE, 4- and
 * 5-level guests, and nested EPT with the 2017/2020/today depth rules.
 */
export { ShadowMachine, type ShadowMachineOptions, type ShadowAccessResult, type ShadowSnapshot, type ShadowPageView, type SpteView, type RootView } from './machine';
export { NestedEptMachine, nestedDepths, type NestedEptOptions, type NestedOutcome, type NestedRule, type HwEptStep, type HwEptWalk } from './nested-ept';
export { EventLog, type ShadowEvent, type ShadowEventType, type ExitKind, type ShadowCounters } from './events';
export { type MemSlot } from './host';
export { decodeRole, encodeRole, roleText, type Role } from './role';
export { TlbOracle, type Seen, type TlbEntry } from './oracle';
export { parseShadowCase, runShadowCase, runShadowOps, type ShadowCase, type ShadowOp, type ShadowResultJSON } from './vectors';
