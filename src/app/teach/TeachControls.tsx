/** Teaching tools beside the CPU controls: start a lesson, make a quiz. An instructor's lesson file opens with Import. */
import { useEffect, useState } from 'react';
import { useApp } from '../context';

export function TeachControls() {
  const lessons = useApp((s) => s.lessons);
  const load = useApp((s) => s.loadLessons);
  const start = useApp((s) => s.startLesson);
  const setQuizOpen = useApp((s) => s.setQuizOpen);
  const [id, setId] = useState('');
  useEffect(() => {
    void load();
  }, [load]);
  const chosen = id || lessons[0]?.id || '';
  return (
    <fieldset className="control-group teach">
      <legend>Teach</legend>
      <label className="select">
        <span>Lesson</span>
        <select value={chosen} onChange={(e) => setId(e.target.value)}>
          {lessons.map((l) => (
            <option key={l.id} value={l.id}>
              {l.title} ({l.stops} stops)
            </option>
          ))}
        </select>
      </label>
      <div className="button-group">
        <button type="button" onClick={() => void start(chosen)} disabled={!chosen}>
          Start lesson
        </button>
        <button type="button" onClick={() => setQuizOpen(true)}>
          Quiz…
        </button>
      </div>
      <p className="hint small">Your own lesson: a JSON file (Export lesson gives one to start from), opened with Import.</p>
    </fieldset>
  );
}
