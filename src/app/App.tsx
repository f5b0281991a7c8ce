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
import { Embed } from './present/Embed';
import { Presentation } from './present/Presentation';
import { LessonBar } from './teach/LessonBar';
import { PredictPanel } from './teach/PredictPanel';
import { QuizDialog } from './teach/QuizDialog';
import { TeachControls } from './teach/TeachControls';
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
          <TeachControls />
        </aside>
        <main className="center">
          <LessonBar />
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
          <PredictPanel />
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

/** Beside the picture in presentation mode: the lesson's narration and the prediction, when they are on. */
function Prompt() {
  return (
    <>
      <LessonBar large />
      <PredictPanel />
    </>
  );
}

export function App() {
  const store = useAppStore();
  const ready = useApp((s) => s.ready);
  const presenting = useApp((s) => s.presenting);
  const embedded = useApp((s) => s.embedded);
  const prompted = useApp((s) => s.doc?.lesson != null || (s.predict.on && s.ops === null));
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleKey(store, e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <div className={`app${presenting || embedded ? ' presenting' : ''}${embedded ? ' embedded' : ''}`} aria-busy={!ready}>
      {embedded ? <Embed /> : presenting ? <Presentation prompt={prompted ? <Prompt /> : undefined} /> : <Workspace />}
      <ExportDialog />
      <QuizDialog />
      <Notice />
    </div>
  );
}
