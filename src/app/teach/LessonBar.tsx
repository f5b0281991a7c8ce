/**
 * The lesson being followed: where in it, the stop's narration (the
 * instructor's words), and the way between stops. At the end of a stop's
 * walk, → / Page Down goes on to the next stop too (actions.ts).
 */
import { useApp } from '../context';

export function LessonBar({ large = false }: { large?: boolean }) {
  const l = useApp((s) => s.doc?.lesson ?? null);
  const goStop = useApp((s) => s.goStop);
  const leave = useApp((s) => s.leaveLesson);
  const exportLesson = useApp((s) => s.exportLesson);
  if (!l) return null;
  const save = async () => {
    const text = await exportLesson();
    if (text === null) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    a.download = `${l.id}.lesson.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return (
    <section className={`lesson-bar${large ? ' large' : ''}`} aria-labelledby="lesson-h">
      <div className="lesson-head">
        <h2 id="lesson-h">
          <span className="lesson-title">{l.title}</span> · Stop {l.at + 1} of {l.count}: {l.stop.title}
        </h2>
        <div className="button-group">
          <button type="button" disabled={l.at === 0} onClick={() => void goStop(l.at - 1)}>
            Previous stop
          </button>
          <button type="button" className="primary" disabled={l.at + 1 >= l.count} onClick={() => void goStop(l.at + 1)}>
            Next stop
          </button>
          {!large && (
            <>
              <button type="button" onClick={() => void save()} title="The lesson as a JSON file: edit it, import it, share it">
                Export lesson
              </button>
              <button type="button" onClick={() => void leave()}>
                Leave lesson
              </button>
            </>
          )}
        </div>
      </div>
      {/* Beside the tools the narration keeps to a few lines (it scrolls; focusable so keys scroll it too); presenting, it has the side to itself. */}
      <p className="narration" tabIndex={large ? undefined : 0}>
        {l.stop.narration}
      </p>
      {l.changed && <p className="hint small">You changed this stop since it opened: the narration is about the stop as it opened (Next stop or Previous stop return to the lesson’s states).</p>}
    </section>
  );
}
