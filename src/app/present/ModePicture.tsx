/** The picture of the mode shown in presentation mode and in an embed: the tree (under EPT with the 2D grid beside it) or the shadow workbench. */
import { useApp } from '../context';
import { shadowParts } from '../parts';
import { TreeCanvas } from '../tree/TreeCanvas';
import { WalkGrid } from '../WalkGrid';

export function ModePicture() {
  const shadow = useApp((s) => s.shadow !== null);
  const ept = useApp((s) => (s.trace?.eptLevels ?? 0) > 0);
  const sh = shadowParts.useModule(shadow);
  if (shadow) return sh && <sh.ShadowWorkbench />;
  return (
    <div className={`present-walk${ept ? ' with-grid' : ''}`}>
      {ept && <WalkGrid />}
      <TreeCanvas />
    </div>
  );
}
