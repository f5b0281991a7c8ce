/**
 * A QEMU dump's facts beside the CPU controls: the file, the vCPU whose
 * registers the walk uses, those registers, what was assumed because the
 * dump does not hold it (NXE, MAXPHYADDR, 1-GiB pages — change them in the
 * CPU controls), and where QEMU's own memory departs from the SDM.
 */
import { useApp } from './context';

const size = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${Math.round(n / 2 ** 20)} MiB`);

export function DumpPanel() {
  const d = useApp((s) => s.doc?.dump ?? null);
  const act = useApp((s) => s.act);
  if (!d) return null;
  return (
    <section className="dump-panel" aria-labelledby="dump-h">
      <h2 id="dump-h">QEMU dump</h2>
      <p className="small">
        <span className="mono">{d.name}</span>: {size(d.size)} file, {size(d.memoryBytes)} of guest-physical memory, read in place (only the pages a walk or a view touches).
      </p>
      <label className="select">
        <span>vCPU</span>
        <select value={d.cpu} onChange={(e) => void act({ t: 'vcpu', n: Number(e.target.value) })} disabled={d.vcpus < 2}>
          {Array.from({ length: d.vcpus }, (_, i) => (
            <option key={i} value={i}>
              vCPU {i}
            </option>
          ))}
        </select>
      </label>
      <dl className="regs small mono">
        <dt>CR0</dt>
        <dd>{d.cr0}</dd>
        <dt>CR3</dt>
        <dd>{d.cr3}</dd>
        <dt>CR4</dt>
        <dd>{d.cr4}</dd>
        <dt>RFLAGS</dt>
        <dd>{d.rflags}</dd>
      </dl>
      <p className="small">
        {d.summary.leaves.toLocaleString('en')} present leaves in {d.summary.ranges.toLocaleString('en')} ranges{d.truncated ? ' (the listing stopped at its limit)' : ''}.
      </p>
      {d.assumptions.length > 0 && (
        <>
          <h3 className="small">Not in the dump, so assumed</h3>
          <ul className="small assumptions">
            {d.assumptions.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </>
      )}
      {d.departures.length > 0 && (
        <>
          <h3 className="small">Where QEMU departs from the SDM</h3>
          <ul className="small departures">
            {d.departures.map((x) => (
              <li key={x.id}>{x.text}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
