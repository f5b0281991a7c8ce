/**
 * The embed view (`?embed` in the address), for an iframe in a course page:
 * the picture of the mode, the step controls and the current sentence — no
 * side panels — and a link back to the full app on the same state. Theme and
 * text size come from the address (`&theme=dark`, `&text=1.3`); nothing is
 * saved in the embedding page's browser storage.
 */
import { AlertBanner } from '../Alerts';
import { useAppShallow } from '../context';
import { StepSentence } from '../Walk';
import { ModePicture } from './ModePicture';
import { PresentLayout } from './PresentLayout';
import { StepButtons } from './StepButtons';

/** The full app's address for what the embed shows (the same link, without `embed`). */
export function fullAppUrl(href: string): string {
  const u = new URL(href);
  u.searchParams.delete('embed');
  u.searchParams.delete('theme');
  u.searchParams.delete('text');
  return u.toString();
}

const fresh = (e: { currentTarget: HTMLAnchorElement }) => {
  e.currentTarget.href = fullAppUrl(location.href);
};

function EmbedBar() {
  // rev and step re-render the link after each change.
  const { title } = useAppShallow((s) => ({ title: s.doc?.title ?? '', rev: s.rev, step: s.step }));
  return (
    <div className="present-bar embed-bar" role="group" aria-label="Embedded walk controls">
      <StepButtons />
      <span className="present-title" title={title}>
        {title}
      </span>
      {/* The address bar follows each step a moment later: read it again when the link is about to be used. */}
      <a className="open-full" href={fullAppUrl(location.href)} target="_blank" rel="noopener noreferrer" onPointerDown={fresh} onFocus={fresh} onClick={fresh}>
        Open in Pagoda ↗
      </a>
    </div>
  );
}

export function Embed() {
  return (
    <>
      <AlertBanner />
      <PresentLayout bar={<EmbedBar />} step={<StepSentence />} picture={<ModePicture />} />
    </>
  );
}

/** The `<iframe>` snippet for a course page: this state, in this theme and text size. */
export function embedCode(fragment: string, title: string, theme: string | null, textScale: number): string {
  const u = new URL(location.href);
  u.hash = fragment;
  u.search = '';
  u.searchParams.set('embed', '');
  if (theme) u.searchParams.set('theme', theme);
  if (textScale !== 1) u.searchParams.set('text', String(textScale));
  const src = u.toString().replace('embed=&', 'embed&').replace(/embed=$/, 'embed').replace('embed=#', 'embed#');
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<iframe src="${esc(src)}" width="960" height="600" style="border:0" loading="lazy" title="${esc(`Pagoda: ${title}`)}"></iframe>`;
}
