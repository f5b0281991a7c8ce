/** Paging mode, control-register bits, PKRU, MAXPHYADDR, and virtualization (EPT options). */
import { useEffect, useState, type ReactNode } from 'react';
import { parseHexInput, parseIntInput } from '../store/input';
import { useApp, useAppShallow } from './context';
import { byPointer, focusPicture } from './focus';
import { usePending } from './usePending';
import type { CpuJSON } from '../worker/types';

type CpuFlag = 'wp' | 'pse' | 'smep' | 'smap' | 'pke' | 'nxe' | 'ac' | 'gbpages';

const FLAGS: [CpuFlag, string, string][] = [
  ['wp', 'CR0.WP', 'supervisor writes honour read-only pages'],
  ['pse', 'CR4.PSE', '4 MiB pages in 32-bit paging'],
  ['smep', 'CR4.SMEP', 'no supervisor fetches from user pages'],
  ['smap', 'CR4.SMAP', 'no supervisor data access to user pages'],
  ['pke', 'CR4.PKE', 'protection keys for user pages'],
  ['nxe', 'EFER.NXE', 'XD bit enabled'],
  ['ac', 'EFLAGS.AC', 'lifts SMAP for explicit accesses'],
  ['gbpages', '1 GiB pages', 'CPUID 1 GiB page support'],
];

const MODES: [CpuJSON['paging'], string][] = [
  ['32', '32-bit'],
  ['pae', 'PAE'],
  ['4', '4-level'],
  ['5', '5-level'],
];

/** Virtualization choices; the shadow-MMU issue adds its entries here. */
export const VIRTUALIZATION: { id: 'none' | 'ept' | 'shadow' | 'nested'; label: string }[] = [
  { id: 'none', label: 'None' },
  { id: 'ept', label: 'EPT' },
  { id: 'shadow', label: 'Shadow paging' },
  { id: 'nested', label: 'Nested EPT' },
];

function Check({ label, checked, disabled, hint, describedBy, onChange }: { label: string; checked: boolean; disabled?: boolean; hint?: string; describedBy?: string; onChange: (on: boolean) => Promise<unknown> }) {
  const [shown, run] = usePending(checked);
  return (
    <label className="check" title={hint}>
      <input type="checkbox" checked={shown} disabled={disabled} aria-describedby={describedBy} onChange={(e) => run(e.target.checked, () => onChange(e.target.checked))} />
      {label}
    </label>
  );
}

/**
 * A small input that commits on Enter or blur. A value it refuses (here or in
 * the worker) stays in the field with its message until corrected.
 */
function FieldInput({ field, label, value, width = 8, parse, onCommit }: { field: string; label: string; value: string; width?: number; parse: (t: string) => { error: string } | { value: unknown }; onCommit: (v: never, text: string) => Promise<boolean> }) {
  const err = useApp((s) => s.fieldErrors[field] ?? null);
  const reject = useApp((s) => s.rejectField);
  const [text, setText] = useState(err?.text ?? value);
  useEffect(() => {
    if (!err) setText(value);
  }, [value, err]);
  const commit = () => {
    if (text === value && !err) return;
    const p = parse(text);
    if ('error' in p) reject(field, text, p.error);
    else void onCommit(p.value as never, text);
  };
  const id = `field-${field.replace(/\W/g, '-')}`;
  return (
    <div className="commit-input">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="mono"
        size={width}
        value={text}
        aria-invalid={err !== null}
        aria-describedby={err ? `${id}-error` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        spellCheck={false}
      />
      {err && (
        <p id={`${id}-error`} className="field-error" aria-live="polite">
          {err.message}
        </p>
      )}
    </div>
  );
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="control-group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

export function CpuControls() {
  const cpu = useApp((s) => s.doc?.cpu ?? null);
  const dump = useApp((s) => s.doc?.origin === 'dump');
  const act = useApp((s) => s.act);
  if (!cpu) return null;
  const long = cpu.paging === '4' || cpu.paging === '5';
  return (
    <Group title="CPU">
      <label className="select">
        <span>Paging mode</span>
        <select value={cpu.paging} disabled={dump} title={dump ? 'From the vCPU’s CR0, CR4 and the dump’s e_machine' : undefined} onChange={(e) => void act({ t: 'paging', paging: e.target.value as CpuJSON['paging'] })}>
          {MODES.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <Check
        label="LA57"
        hint="CR4.LA57: 5-level paging. On: a PML5 is inserted whose entries 0 and 511 point to the PML4."
        checked={cpu.paging === '5'}
        disabled={!long || dump}
        describedBy="la57-hint"
        onChange={(on) => act({ t: 'la57', on })}
      />
      <p id="la57-hint" className="hint small">
        Adds (or removes) a PML5 above the PML4: same physical addresses, one more reference.
      </p>
      <div className="check-grid">
        {FLAGS.map(([k, label, hint]) => (
          <Check key={k} label={label} hint={hint} checked={cpu[k]} onChange={(on) => act({ t: 'cpu', cpu: { [k]: on } })} />
        ))}
      </div>
      <FieldInput field="cpu.pkru" label="PKRU" value={cpu.pkru} parse={(t) => parseHexInput(t, 'PKRU', 32, '0x0')} onCommit={(v: string, t) => act({ t: 'cpu', cpu: { pkru: v } }, 'cpu.pkru', t)} />
      <FieldInput field="cpu.maxphyaddr" label="MAXPHYADDR" value={String(cpu.maxphyaddr)} width={4} parse={(t) => parseIntInput(t, 'MAXPHYADDR', 32, 52)} onCommit={(v: number, t) => act({ t: 'cpu', cpu: { maxphyaddr: v } }, 'cpu.maxphyaddr', t)} />
    </Group>
  );
}

function EptPanel() {
  const { info, nested } = useAppShallow((s) => ({ info: s.doc?.eptInfo ?? null, nested: s.doc?.virt === 'nested' }));
  if (!info) return null;
  return (
    <section className="ept-panel" aria-label={nested ? 'EPT12' : 'EPT'}>
      <p className="small">
        {nested ? 'EPTP12 (L1’s EPTP for L2)' : 'EPTP'} = <span className="mono">{info.eptp}</span>
      </p>
      <table className="eptp-fields small">
        <tbody>
          {info.fields.map((f) => (
            <tr key={f.bits}>
              <th scope="row" className="mono">
                {f.bits}
              </th>
              <td className="mono">{f.value}</td>
              <td>{f.meaning}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {info.layout && <p className="hint small">{info.layout}</p>}
    </section>
  );
}

export function VirtualizationControls() {
  const { ept, virt, dump } = useAppShallow((s) => ({ ept: s.doc?.ept ?? null, virt: s.doc?.virt ?? null, dump: s.doc?.origin === 'dump' }));
  const act = useApp((s) => s.act);
  const [mode, run] = usePending<string>(virt ?? 'none');
  if (!virt) return null;
  const nested = virt === 'nested';
  return (
    <Group title="Virtualization">
      <div role="radiogroup" aria-label="Virtualization" className="radio-row">
        {VIRTUALIZATION.map((v) => (
          <label key={v.id} className="check">
            <input
              type="radio"
              name="virtualization"
              checked={mode === v.id}
              disabled={dump && v.id !== 'none'}
              onChange={(e) => {
                const pointer = byPointer(e);
                run(v.id, () => {
                  const done = act({ t: 'virt', mode: v.id });
                  if (pointer) focusPicture(done);
                  return done;
                });
              }}
            />
            {v.label}
          </label>
        ))}
      </div>
      {dump && <p className="hint small">A dump is the guest’s own memory, read in place: Copy link makes a scenario of this walk’s entries, which can run under EPT or a shadow MMU.</p>}
      {nested && <p className="hint small">The guest runs as L2 under a hypervisor L1, whose EPT for it (EPT12) is set here; KVM shadows it as EPT02.</p>}
      <Check label="EPT5" hint="5-level EPT: an EPT PML5 is inserted whose entry 0 points to the EPT PML4." checked={ept?.levels === 5} disabled={!ept} onChange={(on) => act({ t: 'ept5', on })} />
      <Check label="EPT A/D" hint="EPTP bit 6: EPT accessed/dirty flags; guest table accesses count as writes" checked={ept?.ad ?? false} disabled={!ept} onChange={(on) => act({ t: 'ept', ept: { ad: on } })} />
      <Check label="Execute-only" hint="execute-only EPT entries supported (else XWR=100 is a misconfiguration)" checked={ept?.execonly ?? false} disabled={!ept} onChange={(on) => act({ t: 'ept', ept: { execonly: on } })} />
      {ept && (
        <FieldInput
          field="ept.maxphyaddr"
          label={nested ? 'L1 MAXPHYADDR' : 'Host MAXPHYADDR'}
          value={String(ept.maxphyaddr)}
          width={4}
          parse={(t) => parseIntInput(t, nested ? 'L1 MAXPHYADDR' : 'Host MAXPHYADDR', 32, 52)}
          onCommit={(v: number, t) => act({ t: 'ept', ept: { maxphyaddr: v } }, 'ept.maxphyaddr', t)}
        />
      )}
      <EptPanel />
    </Group>
  );
}

export function PresetInfo() {
  const doc = useApp((s) => s.doc);
  if (!doc) return null;
  return (
    <section className="preset-info" aria-labelledby="preset-h">
      <h2 id="preset-h">{doc.title}</h2>
      <p>
        {doc.paragraph ??
          (doc.origin === 'shadow-case'
            ? 'A shadow case from a vector file: step through its operations; each shows what the case expects beside what the shadow MMU does.'
            : doc.origin === 'dump'
              ? 'The memory of a running guest, as QEMU dumped it: translate any address, browse the folded address space, or find every linear address that maps a physical one.'
              : 'An imported or shared scenario. Edit any entry, toggle the controls, or pick a preset above.')}
      </p>
      {doc.changes > 0 && doc.paragraph && <p className="hint small">Changed since the preset opened ({doc.changes} change{doc.changes === 1 ? '' : 's'}): the paragraph describes the preset as it opened.</p>}
    </section>
  );
}
