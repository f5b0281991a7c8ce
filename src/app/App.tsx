import { useEffect } from 'react';
import { AddressBar } from './AddressBar';
import { AlertBanner, Notice } from './Alerts';
import { handleKey } from './actions';
import { useApp, useAppStore } from './context';
import { CpuControls, PresetInfo, VirtualizationControls } from './Controls';
import { Header } from './Header';
import { AddressSpace } from './AddressSpace';
import { DumpPanel } from './DumpPanel';
import { ExpectPanel } from './ExpectPanel';
import { Inspector } from './Inspector';
import { ExportDialog } from './picture/ExportDialog';
import { Presentation } from './present/Presentation';
import { TreeCanvas } from './tree/TreeCanvas';
import { ResultStatus, StepControls, StepSentence, WalkSteps } from './Walk';
import { WalkGrid } from './WalkGrid';
import { EventsLog } from './shadow/EventsLog';
import { NestedDepths } from './shadow/NestedDepths';
import { ShadowCounters } from './shadow/ShadowCounters';
import { ShadowOps } from './shadow/ShadowOps';
import { ShadowWalks } from './shadow/ShadowWalks';
import { ShadowWorkbench } from './shadow/ShadowWorkbench';

/** The working layout: controls left, the address, walk and picture in the centre, result and inspector right. */
function Workspace() {
  const shadow = useApp((s) => s.shadow !== null);
  return (
    <>
      <Header />
      <AlertBanner />
      <div className="layout">
        <aside className="controls-panel" aria-label="Scenario and controls">
          <PresetInfo />
          <DumpPanel />
          <CpuControls />
          <VirtualizationControls />
        </aside>
        <main className="center">
          <AddressBar />
          <section className="walk-bar" aria-label={shadow ? 'Operations' : 'Walk'}>
            <StepControls />
            <StepSentence />
          </section>
          {shadow ? (
            <>
              <ShadowOps />
              <ShadowWorkbench />
              <div className="shadow-events-strip">
                <EventsLog />
              </div>
            </>
          ) : (
            <>
              <TreeCanvas />
              <AddressSpace />
              <WalkGrid />
            </>
          )}
        </main>
        <aside className="side-panel" aria-label="Result and inspector" tabIndex={0}>
          <ResultStatus />
          <ExpectPanel />
          {shadow ? (
            <>
              <NestedDepths />
              <ShadowCounters />
              <ShadowWalks />
            </>
          ) : (
            <>
              <WalkSteps />
              <Inspector />
            </>
          )}
        </aside>
      </div>
    </>
  );
}

export function App() {
  const store = useAppStore();
  const ready = useApp((s) => s.ready);
  const presenting = useApp((s) => s.presenting);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleKey(store, e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <div className={`app${presenting ? ' presenting' : ''}`} aria-busy={!ready}>
      {presenting ? <Presentation /> : <Workspace />}
      <ExportDialog />
      <Notice />
    </div>
  );
}
