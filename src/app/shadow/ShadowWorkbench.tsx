/**
 * Guest tables and shadow pages side by side, with a line from each shadow
 * page to the guest table it shadows. New pages fade in; pages zapped by the
 * last operation stay as struck-out ghosts (outside the live list) until the
 * next one. Motion is off under prefers-reduced-motion (shadow.css).
 */
import { useRef, useState } from 'react';
import { useApp } from '../context';
import { PictureBar } from '../PictureBar';
import { GuestTableCard } from './GuestTableCard';
import { useShadow } from './hooks';
import { ShadowLinks } from './ShadowLinks';
import { ShadowPageItem } from './ShadowPageItem';
import './shadow.css';

export function ShadowWorkbench() {
  const view = useShadow((s) => s.shadow);
  const box = useRef<HTMLDivElement>(null);
  const [hot, setHot] = useState<number | null>(null);
  const presenting = useApp((s) => s.presenting);
  if (!view) return null;
  const nested = view.mode === 'nested';
  const created = new Set(view.created);
  const hotTable = hot === null ? null : (view.pages.find((p) => p.id === hot)?.guestTable ?? null);
  // Both columns in the guest tree's order (each space breadth-first), so the links run mostly level.
  const shadowed = view.guestTables.filter((t) => t.shadowedBy.length > 0);
  const others = view.guestTables.filter((t) => t.shadowedBy.length === 0);
  const order = new Map(shadowed.map((t, k) => [t.id, k]));
  const rank = (p: (typeof view.pages)[number]) => (p.guestTable !== null ? (order.get(p.guestTable) ?? 1e6) : 1e6 + (6 - p.level));
  const pages = [...view.pages].sort((a, b) => rank(a) - rank(b) || a.quadrant - b.quadrant || a.id - b.id);
  const spaceNames = (t: (typeof view.guestTables)[number]) => (view.spaces.length > 1 ? t.spaces.map((k) => view.spaces[k].name) : []);
  return (
    <section className="shadow-workbench" aria-label="Shadow MMU workbench">
      {!presenting && <PictureBar kind="shadow" />}
      <div className="sw-columns" ref={box} data-picture="shadow" tabIndex={0} role="group" aria-label={nested ? 'EPT12 tables beside their EPT02 shadow pages' : 'Guest tables beside their shadow pages'}>
        <ShadowLinks box={box} version={view} hot={hot} />
        <section className="gt-col" aria-labelledby="gt-h">
          <h2 id="gt-h">{nested ? 'EPT12 (L1’s EPT for L2)' : 'Guest page tables'}</h2>
          <p className="hint small">
            {view.guestMode}; {nested ? 'EPT12 lives in L1’s memory, so its addresses are L1-physical' : 'table addresses are guest-physical'}. Click an entry to rewrite it as a{nested ? 'n L1' : ' guest'} store.
          </p>
          <ul className="gt-list" aria-label={nested ? 'Shadowed EPT12 tables' : 'Shadowed guest tables'}>
            {shadowed.map((t) => (
              <GuestTableCard key={t.id} t={t} nested={nested} hot={t.id === hotTable} spaces={spaceNames(t)} />
            ))}
          </ul>
          {others.length > 0 && (
            <details className="gt-others">
              <summary>
                {others.length} {nested ? 'EPT12' : 'guest'} table{others.length === 1 ? '' : 's'} without a shadow page
              </summary>
              <ul className="gt-list" aria-label={nested ? 'EPT12 tables without a shadow page' : 'Guest tables without a shadow page'}>
                {others.map((t) => (
                  <GuestTableCard key={t.id} t={t} nested={nested} hot={false} spaces={spaceNames(t)} />
                ))}
              </ul>
            </details>
          )}
        </section>
        <section className="sp-col" aria-label="Shadow pages">
          <h2>
            {nested ? 'EPT02 shadow pages' : 'Shadow pages'} <span className="count">({view.pages.length} alive)</span>
          </h2>
          <p className="hint small">Shadow pages sit at host-physical addresses; their leaves map to host-physical frames.</p>
          <p className="hint small">
            <span className="badge wp-badge">WP</span> guest table write-protected · <span className="badge unsync-badge">unsync</span> writable, may be stale · <span className="badge">direct</span> no guest table behind it
          </p>
          <ul className="sp-list">
            {pages.map((p) => (
              <ShadowPageItem key={p.id} p={p} fresh={created.has(p.id)} nested={nested} onHover={setHot} />
            ))}
          </ul>
          {view.zapped.length > 0 && (
            <div className="sp-zapped-list" aria-hidden="true">
              {view.zapped.map((p) => (
                <ShadowPageItem key={p.id} p={p} fresh={false} zapped nested={nested} />
              ))}
            </div>
          )}
        </section>
      </div>
    </section>
  );
}
