/** The log `Events`: one listitem per shadow-MMU event, newest at the bottom; exits stand out. */
import { useEffect, useRef } from 'react';
import { useShadow } from './hooks';

export function EventsLog() {
  const { events, dropped } = useShadow((s) => ({ events: s.shadow?.events ?? null, dropped: s.shadow?.eventsDropped ?? 0 }));
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [events]);
  if (!events) return null;
  return (
    <section className="panel shadow-events" aria-labelledby="events-h">
      <h2 id="events-h">
        Events <span className="count">({events.length + dropped})</span>
      </h2>
      {/* The scrolling box is the log (focusable, so the keyboard can scroll it); the list inside keeps list semantics. */}
      <div className="events-scroll" ref={box} tabIndex={0} role="log" aria-label="Events" aria-live="polite">
        {dropped > 0 && <p className="hint small">{dropped} earlier events are not shown.</p>}
        <ol className="events-list">
          {events.map((e) => (
            <li key={e.seq} className={`ev ev-${e.type}${e.exit ? ' ev-exit' : ''}`}>
              <span className="ev-seq mono">{e.seq}</span>
              <span className="ev-type">{e.exit ? 'VM exit' : e.type.replace('sp-', 'page ').replace('spte-', 'SPTE ').replace('wp-', 'write-protect ')}</span>
              <span className="ev-text">{e.text}</span>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
