/**
 * Embed in a course page: the `<iframe>` code for the state shown (the same
 * link as Copy link), in the theme and text size shown, to copy or select.
 */
import { useEffect, useState } from 'react';
import { useApp, useAppShallow } from '../context';
import { useEngine } from '../engine';
import { embedCode } from './Embed';

export function EmbedCode() {
  const client = useEngine();
  const { rev, step, title, theme, textScale } = useAppShallow((s) => ({ rev: s.rev, step: s.step, title: s.doc?.title ?? '', theme: s.theme, textScale: s.textScale }));
  const setNotice = useApp((s) => s.setNotice);
  const [code, setCode] = useState<{ text: string; note: string | null } | null>(null);

  useEffect(() => {
    let live = true;
    void client.fragment().then((f) => live && setCode({ text: embedCode('#' + f.link, title, theme, textScale), note: f.note }));
    return () => {
      live = false;
    };
  }, [client, rev, step, title, theme, textScale]);

  const copy = async () => {
    if (!code) return;
    try {
      await navigator.clipboard.writeText(code.text);
      setNotice('The embed code is on the clipboard: paste it into the course page’s HTML.');
    } catch {
      setNotice('The clipboard is not available here: select the embed code and copy it.');
    }
  };

  return (
    <section className="embed-code" aria-labelledby="embed-h">
      <h3 id="embed-h">Embed in a course page</h3>
      <p className="small">
        An iframe with this picture, the step controls and the current sentence, at this step{theme ? `, in the ${theme} theme` : ''}. It has a link back to the full app and saves nothing in the visitor’s browser.
        {code?.note ? ` ${code.note}` : ''}
      </p>
      <textarea className="embed-text" readOnly rows={3} value={code?.text ?? ''} aria-label="Embed code" onFocus={(e) => e.currentTarget.select()} />
      <button type="button" disabled={!code} onClick={() => void copy()}>
        Copy embed code
      </button>
    </section>
  );
}
