/**
 * Lines from each shadow page to the guest table it shadows, drawn over the
 * two columns. Positions are measured from the DOM after layout (the cards
 * are plain HTML), again whenever the container resizes or scrolls content.
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

interface Link {
  sp: number;
  d: string;
}

export function ShadowLinks({ box, version, hot }: { box: RefObject<HTMLDivElement | null>; version: unknown; hot: number | null }) {
  const [links, setLinks] = useState<Link[]>([]);
  const [size, setSize] = useState({ w: 0, h: 0 });
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      const r = el.getBoundingClientRect();
      const out: Link[] = [];
      // Live pages only (a zapped ghost shadows nothing any more), and only to a table that is drawn (not in a closed list).
      el.querySelectorAll<HTMLElement>('.sp-list [data-link]').forEach((sp) => {
        const gt = el.querySelector<HTMLElement>(`[data-gt="${sp.dataset.link}"]`);
        if (!gt || gt.getClientRects().length === 0) return;
        const a = gt.getBoundingClientRect();
        const b = sp.getBoundingClientRect();
        const x1 = a.right - r.left + el.scrollLeft;
        const y1 = a.top - r.top + el.scrollTop + 14;
        const x2 = b.left - r.left + el.scrollLeft;
        const y2 = b.top - r.top + el.scrollTop + 14;
        const mx = (x1 + x2) / 2;
        out.push({ sp: Number(sp.dataset.sp), d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` });
      });
      setLinks(out);
      setSize({ w: el.scrollWidth, h: el.scrollHeight });
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    el.querySelectorAll('.gt-col, .sp-col').forEach((c) => ro.observe(c));
    return () => ro.disconnect();
  }, [box, version]);
  return (
    <svg className="shadow-links" width={size.w} height={size.h} aria-hidden="true">
      {links.map((l) => (
        <path key={l.sp} d={l.d} className={hot === l.sp ? 'hot' : ''} />
      ))}
    </svg>
  );
}
