/**
 * Which pictures the current mode has, and each built from the store's state
 * (the same data the screen draws from): the tree natively and under EPT, the
 * 2D grid under EPT, the shadow workbench under a shadow MMU.
 */
import type { AppState } from '../../store';
import { gridOf } from './gridModel';
import { gridPicture } from './gridSvg';
import { shadowPicture } from './shadowSvg';
import { PALETTES, type Caption, type Picture } from './svgKit';
import { treePicture } from './treeSvg';

export type PictureKind = 'tree' | 'grid' | 'shadow';

export const PICTURE_NAMES: Record<PictureKind, string> = { tree: 'Page-table tree', grid: '2D walk grid', shadow: 'Shadow workbench' };

export function pictureKinds(s: AppState): PictureKind[] {
  if (s.shadow) return ['shadow'];
  if (!s.trace || !s.layout) return [];
  return (s.trace.eptLevels ?? 0) > 0 ? ['grid', 'tree'] : ['tree'];
}

function captionOf(s: AppState): Caption {
  const title = s.doc?.title ?? 'Pagoda';
  if (s.ops) {
    const at = s.ops.at;
    const last = s.shadow?.last;
    const sentence = at > 0 && last ? `${last.title}: ${last.exits === 0 ? 'no exit' : `${last.exits} exit${last.exits > 1 ? 's' : ''}`}. ${last.outcome}` : 'no guest operation has run yet.';
    return { title, where: `Operation ${at} of ${s.ops.items.length}`, sentence };
  }
  const n = s.trace?.steps.length ?? 0;
  const st = s.step > 0 ? s.trace?.steps[s.step - 1] : undefined;
  const sentence = st ? st.text : `before the walk: CR3 = ${s.doc?.cpu.cr3 ?? ''} (${s.doc?.spaces.guest ?? 'physical'}).`;
  const outcome = s.step === n && s.result ? ` Result: ${s.result.title}.` : '';
  return { title, where: `Reference ${s.step} of ${n}`, sentence: sentence + outcome };
}

export function buildPicture(kind: PictureKind, s: AppState, theme: 'light' | 'dark'): Picture | null {
  const palette = PALETTES[theme];
  const cap = captionOf(s);
  if (kind === 'shadow') {
    if (!s.shadow) return null;
    const walk = (s.trace?.steps ?? []).filter((x) => x.kind === 'g').map((x) => ({ tableBase: x.tableBase, index: x.index }));
    return shadowPicture({ view: s.shadow, walk, caption: cap, palette });
  }
  if (!s.trace || !s.layout) return null;
  if (kind === 'grid') {
    if (s.trace.eptLevels === 0) return null;
    return gridPicture({ grid: gridOf(s.trace), step: s.step, total: s.trace.steps.length, caption: cap, palette });
  }
  return treePicture({ layout: s.layout, targets: s.targets, steps: s.trace.steps, step: s.step, caption: cap, spaces: s.doc?.spaces ?? { guest: 'physical', host: 'physical' }, palette });
}

/** A file name for the picture: the preset or case, the picture, and the step. */
export function pictureName(kind: PictureKind, s: AppState): string {
  const id = (s.doc?.presetId || s.doc?.title || 'pagoda').replace(/[^a-z0-9._-]+/gi, '_').slice(0, 60);
  const at = s.ops ? `op${s.ops.at}` : `ref${s.step}`;
  return `${id}-${kind}-${at}`;
}
