/** Paging mode, control-register bits, PKRU, MAXPHYADDR, and virtualization (EPT options). */
import { useEffect, useState, type ReactNode } from 'react';
import { useApp, useAppShallow, useAppStore } from './context';
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

/** A small text/number input that commits on Enter or blur. */
function CommitInput({ label, value, onCommit, width = 8, type = 'text', min, max }: { label: string; value: string; onCommit: (v: string) => void; width?: number; type?: string; min?: number; max?: number }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = () => text !== value && onCommit(text);
  return (
    <label className="commit-input">
      <span>{label}</span>
      <input
        className="mono"
        type={type}
        min={min}
        max={max}
        size={width}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        spellCheck={false}
      />
    </label>
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
  const edit = useApp((s) => s.edit);
  if (!cpu) return null;
  const long = cpu.paging === '4' || cpu.paging === '5';
  return (
    <Group title="CPU">
      <label className="select">
        <span>Paging mode</span>
        <select value={cpu.paging} onChange={(e) => void edit({ kind: 'paging', paging: e.target.value as CpuJSON['paging'] })}>
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
        disabled={!long}
        describedBy="la57-hint"
        onChange={(on) => edit({ kind: 'la57', on })}
      />
      <p id="la57-hint" className="hint small">
        Adds (or removes) a PML5 above the PML4: same physical addresses, one more reference.
      </p>
      <div className="check-grid">
        {FLAGS.map(([k, label, hint]) => (
          <Check key={k} label={label} hint={hint} checked={cpu[k]} onChange={(on) => edit({ kind: 'cpu', patch: { [k]: on } })} />
        ))}
      </div>
      <CommitInput label="PKRU" value={cpu.pkru} onCommit={(v) => void edit({ kind: 'cpu', patch: { pkru: v.startsWith('0x') ? v.toLowerCase() : '0x' + v.toLowerCase() } })} />
      <CommitInput label="MAXPHYADDR" type="number" min={32} max={52} value={String(cpu.maxphyaddr)} width={4} onCommit={(v) => void edit({ kind: 'cpu', patch: { maxphyaddr: Number(v) } })} />
    </Group>
  );
}

export function VirtualizationControls() {
  const { ept, paging, shadowMode } = useAppShallow((s) => ({ ept: s.doc?.ept ?? null, paging: s.doc?.cpu.paging, shadowMode: s.shadow?.mode ?? null }));
  const edit = useApp((s) => s.edit);
  const store = useAppStore();
  const [mode, run] = usePending<string>(shadowMode ?? (ept ? 'ept' : 'none'));
  const choose = async (id: (typeof VIRTUALIZATION)[number]['id']) => {
    const s = store.getState();
    if (id === 'shadow' || id === 'nested') return s.startShadow(id);
    if (s.shadow) await s.stopShadow();
    return edit({ kind: 'virtualization', mode: id });
  };
  if (!paging) return null;
  return (
    <Group title="Virtualization">
      <div role="radiogroup" aria-label="Virtualization" className="radio-row">
        {VIRTUALIZATION.map((v) => (
          <label key={v.id} className="check">
            <input type="radio" name="virtualization" checked={mode === v.id} onChange={() => run(v.id, () => choose(v.id))} />
            {v.label}
          </label>
        ))}
      </div>
      <Check label="EPT5" hint="5-level EPT: an EPT PML5 is inserted whose entry 0 points to the EPT PML4." checked={ept?.levels === 5} disabled={!ept} onChange={(on) => edit({ kind: 'ept5', on })} />
      <Check label="EPT A/D" hint="EPTP bit 6: EPT accessed/dirty flags; guest table accesses count as writes" checked={ept?.ad ?? false} disabled={!ept} onChange={(on) => edit({ kind: 'ept', patch: { ad: on } })} />
      <Check label="Execute-only" hint="execute-only EPT entries supported (else XWR=100 is a misconfiguration)" checked={ept?.execonly ?? false} disabled={!ept} onChange={(on) => edit({ kind: 'ept', patch: { execonly: on } })} />
      {ept && <CommitInput label="Host MAXPHYADDR" type="number" min={32} max={52} value={String(ept.maxphyaddr)} width={4} onCommit={(v) => void edit({ kind: 'ept', patch: { maxphyaddr: Number(v) } })} />}
      {ept && (
        <p className="hint small">
          Guest memory moved to host-physical = guest-physical + 4 GiB; EPT maps it with 4 KiB pages. EPTP = <span className="mono">{ept.root}</span>.
        </p>
      )}
    </Group>
  );
}

export function PresetInfo() {
  const { doc, presets } = useAppShallow((s) => ({ doc: s.doc, presets: s.presets }));
  if (!doc) return null;
  const p = presets.find((x) => x.id === doc.id);
  return (
    <section className="preset-info" aria-labelledby="preset-h">
      <h2 id="preset-h">{p ? p.title : doc.title}</h2>
      <p>{p ? p.paragraph : 'An imported or shared scenario. Edit any entry, toggle the controls, or pick a preset above.'}</p>
    </section>
  );
}
