/**
 * Export picture: the current picture (tree, 2D grid or shadow workbench),
 * with the walked path and the current step marked, saved as SVG or as a PNG
 * 1920 px wide, with a preview. The picture follows the theme shown.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useApp, useAppStore } from '../context';
import { EmbedCode } from '../present/EmbedCode';
import { PICTURE_NAMES, buildPicture, pictureKinds, pictureName, type PictureKind } from './fromState';
import { PNG_WIDTH, saveBlob, svgToPng, svgUrl } from './saveFile';

const themeNow = (t: 'light' | 'dark' | null): 'light' | 'dark' => t ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

export function ExportDialog() {
  const store = useAppStore();
  const open = useApp((s) => s.exportOpen);
  const setOpen = useApp((s) => s.setExportOpen);
  // What the picture shows: read when the dialog opens and while it is open.
  const rev = useApp((s) => (s.exportOpen ? `${s.rev}/${s.step}/${s.layout?.key}/${s.theme}` : ''));
  const dialog = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<PictureKind | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
    setError(null);
  }, [open]);

  const kinds = open ? pictureKinds(store.getState()) : [];
  const chosen = kind && kinds.includes(kind) ? kind : (kinds[0] ?? null);
  const picture = useMemo(() => (open && chosen ? buildPicture(chosen, store.getState(), themeNow(store.getState().theme)) : null), [open, chosen, rev, store]);

  const name = chosen ? pictureName(chosen, store.getState()) : 'pagoda';
  const saveSvg = () => picture && saveBlob(new Blob([picture.svg], { type: 'image/svg+xml' }), `${name}.svg`);
  const savePng = async () => {
    if (!picture) return;
    setBusy(true);
    setError(null);
    try {
      saveBlob(await svgToPng(picture.svg, picture.width, picture.height), `${name}.png`);
    } catch (e) {
      setError(`The PNG could not be made: ${e instanceof Error ? e.message : String(e)}. The SVG can be saved instead.`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="export-dialog" aria-labelledby="export-h" onClose={() => setOpen(false)}>
      {open && (
        <>
          <h2 id="export-h">Export picture</h2>
          {kinds.length > 1 && (
            <fieldset className="segmented export-kinds">
              <legend className="visually-hidden">Picture</legend>
              {kinds.map((k) => (
                <label key={k}>
                  <input type="radio" name="export-kind" checked={chosen === k} onChange={() => setKind(k)} />
                  {PICTURE_NAMES[k]}
                </label>
              ))}
            </fieldset>
          )}
          {picture && chosen ? (
            <>
              <p className="small">
                {PICTURE_NAMES[chosen]} with the walked path and the current step marked, in the {themeNow(store.getState().theme)} theme. SVG scales to any size; the PNG is {PNG_WIDTH} px wide.
              </p>
              <img className="export-preview" src={svgUrl(picture.svg)} alt={`Preview: ${PICTURE_NAMES[chosen]}`} />
            </>
          ) : (
            <p>There is no picture to export here.</p>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="button-group export-actions">
            <button type="button" className="primary" disabled={!picture} onClick={saveSvg}>
              Save SVG
            </button>
            <button type="button" className="primary" disabled={!picture || busy} onClick={() => void savePng()}>
              Save PNG ({PNG_WIDTH} px wide)
            </button>
          </div>
          <EmbedCode />
          <div className="button-group export-actions">
            <button type="button" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
