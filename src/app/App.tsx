import { useEffect } from 'react';
import { AddressBar } from './AddressBar';
import { AlertBanner, Notice } from './Alerts';
import { handleKey } from './actions';
import { useApp, useAppStore } from './context';
import { CpuControls, PresetInfo, VirtualizationControls } from './Controls';
import { Header } from './Header';
import { ExpectPanel } from './ExpectPanel';
import { Inspector } from './Inspector';
import { Embed } from './present/Embed';
import { Presentation } from './present/Presentation';
import { LessonBar } from './teach/LessonBar';
import { PredictPanel } from './teach/PredictPanel';
import { TeachControls } from './teach/TeachControls';
import { TreeCanvas } from './tree/TreeCanvas';
import { ResultStatus, StepControls, StepSentence, WalkSteps } from './Walk';
import { WalkGrid } from './WalkGrid';
import { preloadOnDemand } from './onDemand';
import { dumpParts, exportPart, quizPart, shadowParts } from './parts';

/** The working layout: controls left, the address, walk and picture in the centre, result and inspector right. */
function Workspace() {
  const shadow = useApp((s) => s.shadow !== null);
  const dump = useApp((s) => s.doc?.dump != null);
  const sh = shadowParts.useModule(shadow);
  const dp = dumpParts.useModule(dump);
  return (
    <>
      <Header />
      <AlertBanner />
      <div className="layout">
        <aside className="controls-panel" aria-label="Scenario and controls">
          <PresetInfo />
          {dp && <dp.DumpPanel />}
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
            sh && (
              <>
                <sh.ShadowOps />
                <sh.ShadowWorkbench />
                <div className="shadow-events-strip">
                  <sh.EventsLog />
                </div>
              </>
            )
          ) : (
            <>
              <TreeCanvas />
              {dp && <dp.AddressSpace />}
              <WalkGrid />
            </>
          )}
        </main>
        <aside className="side-panel" aria-label="Result and inspector" tabIndex={0}>
          <PredictPanel />
          <ResultStatus />
          <ExpectPanel />
          {shadow ? (
            sh && (
              <>
                <sh.NestedDepths />
                <sh.ShadowCounters />
                <sh.ShadowWalks />
              </>
            )
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

/** The dialogs, fetched when first opened (or by the background preload); closed, they draw nothing. */
function Dialogs() {
  const ex = exportPart.useModule(useApp((s) => s.exportOpen));
  const qz = quizPart.useModule(useApp((s) => s.quizOpen));
  return (
    <>
      {ex && <ex.ExportDialog />}
      {qz && <qz.QuizDialog />}
    </>
  );
}

export function App() {
  const store = useAppStore();
  const ready = useApp((s) => s.ready);
  const presenting = useApp((s) => s.presenting);
  const embedded = useApp((s) => s.embedded);
  const prompted = useApp((s) => s.doc?.lesson != null || (s.predict.on && s.ops === null));
  // Once the first walk is on screen, fetch the parts it did not need.
  useEffect(() => {
    if (!ready) return;
    const t = setTimeout(preloadOnDemand, 500);
    return () => clearTimeout(t);
  }, [ready]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleKey(store, e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <div className={`app${presenting || embedded ? ' presenting' : ''}${embedded ? ' embedded' : ''}`} aria-busy={!ready}>
      {embedded ? <Embed /> : presenting ? <Presentation prompt={prompted ? <Prompt /> : undefined} /> : <Workspace />}
      <Dialogs />
      <Notice />
    </div>
  );
}
