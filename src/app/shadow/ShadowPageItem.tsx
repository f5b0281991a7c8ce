/** One live shadow page: level, guest frame and role, its marks (root, unsync, write-protected, direct) and its SPTEs. */
import type { ShadowPageCard } from '../../worker/shadowTypes';

export function ShadowPageItem({ p, fresh, zapped, nested, onHover }: { p: ShadowPageCard; fresh: boolean; zapped?: boolean; nested: boolean; onHover?: (id: number | null) => void }) {
  const lv = `lv${Math.min(5, Math.max(1, p.level))}`;
  const cls = ['sp-card', lv, p.unsync ? 'unsync' : '', p.writeProtected ? 'wp' : '', p.direct ? 'direct' : '', p.root ? 'root' : '', fresh ? 'sp-enter' : '', zapped ? 'sp-zapped' : ''].filter(Boolean).join(' ');
  const Tag = zapped ? 'div' : 'li';
  return (
    <Tag
      className={cls}
      data-sp={p.id}
      data-link={p.guestTable ?? undefined}
      aria-label={zapped ? undefined : p.summary}
      onMouseEnter={() => onHover?.(p.id)}
      onMouseLeave={() => onHover?.(null)}
      onFocus={() => onHover?.(p.id)}
      onBlur={() => onHover?.(null)}
    >
      <div className="sp-head">
        <span className="sp-name">
          {nested ? 'EPT02' : 'SP'} #{p.id} · L{p.level}
        </span>
        {p.guestTable && !zapped ? (
          <a
            className="sp-link mono"
            href={`#${p.guestTable}`}
            title={`Shadows the guest table at frame ${p.gfn}`}
            onClick={(e) => {
              e.preventDefault();
              const gt = document.getElementById(p.guestTable!);
              // The table may sit in the closed list of tables without a shadow page: open it first.
              const list = gt?.closest('details');
              if (list && !list.open) list.open = true;
              gt?.scrollIntoView({ block: 'nearest' });
            }}
          >
            ← gfn {p.gfn}
          </a>
        ) : (
          <span className="mono">gfn {p.gfn}</span>
        )}
        <span className="sp-badges">
          {zapped && <span className="badge zap-badge">zapped</span>}
          {p.currentRoot && <span className="badge root-badge">root</span>}
          {p.root && !p.currentRoot && <span className="badge">cached root</span>}
          {p.unsync && <span className="badge unsync-badge">unsync</span>}
          {p.writeProtected && !zapped && <span className="badge wp-badge">WP</span>}
          {p.direct && <span className="badge">direct</span>}
          {p.unsyncChildren > 0 && <span className="badge unsync-badge">{p.unsyncChildren} unsync below</span>}
        </span>
      </div>
      <div className="sp-role small">{p.role}</div>
      {p.sptes.length > 0 && (
        <div className="sp-sptes">
          {p.sptes.map((s) => (
            <div key={s.index} className="sp-spte" title={s.value}>
              <span className="gi mono">{s.index}</span> <span className="sl">{s.label}</span>
            </div>
          ))}
          {p.moreSptes > 0 && <div className="small">+ {p.moreSptes} more SPTEs</div>}
        </div>
      )}
      {p.sptes.length === 0 && !zapped && <p className="small sp-empty">no present SPTEs</p>}
    </Tag>
  );
}
