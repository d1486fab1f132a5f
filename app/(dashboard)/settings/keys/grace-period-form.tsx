'use client';

import { type FormEvent, useEffect, useState } from 'react';
import { errorMessage } from '@/components/data-state';
import { useSetGracePeriod } from '@/lib/client/hooks/use-signing-keys';
import { type GracePeriodDto, MAX_GRACE_SECONDS } from '@/lib/schemas/settings';
import { formatSeconds } from '../settings-format';

const UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const;
type Unit = keyof typeof UNITS;

function bestUnit(seconds: number): Unit {
  if (seconds % 86_400 === 0) return 'days';
  if (seconds % 3600 === 0) return 'hours';
  return 'minutes';
}

/** The grace period editor: automatic (longest token lifetime seen + margin) or a fixed value. */
export function GracePeriodForm({ grace }: { grace: GracePeriodDto }) {
  const mutation = useSetGracePeriod();
  const [mode, setMode] = useState<'auto' | 'custom'>(grace.auto ? 'auto' : 'custom');
  const initialSeconds = grace.overrideSeconds ?? grace.seconds;
  const [unit, setUnit] = useState<Unit>(bestUnit(initialSeconds));
  const [amount, setAmount] = useState(String(initialSeconds / UNITS[bestUnit(initialSeconds)]));
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 3000);
    return () => clearTimeout(t);
  }, [saved]);

  const seconds = Math.round(Number(amount) * UNITS[unit]);
  const invalid = mode === 'custom' && (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_GRACE_SECONDS);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (invalid) return;
    mutation.mutate({ seconds: mode === 'auto' ? null : seconds }, { onSuccess: () => setSaved(true) });
  }

  const lifetime = grace.maxTokenLifetimeSeconds;
  return (
    <form className="panel form" onSubmit={onSubmit} aria-labelledby="grace-title" data-testid="grace-form">
      <div>
        <h2 id="grace-title" className="panel-title">
          Grace period
        </h2>
        <p className="muted">
          How long the previous key keeps verifying after a rotation. Now:{' '}
          <strong data-testid="grace-current">{formatSeconds(grace.seconds)}</strong>
          {grace.auto
            ? ` (automatic: longest token lifetime ${lifetime ? `seen, ${formatSeconds(lifetime)}` : 'default, 1 h'} + ${formatSeconds(grace.marginSeconds)} margin)`
            : ' (set by an admin)'}
          .
        </p>
      </div>
      <fieldset className="form-row" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="sr-only">Grace period mode</legend>
        <label className="field-check">
          <input type="radio" name="grace-mode" checked={mode === 'auto'} onChange={() => setMode('auto')} />
          Automatic
        </label>
        <label className="field-check">
          <input
            type="radio"
            name="grace-mode"
            checked={mode === 'custom'}
            onChange={() => setMode('custom')}
            data-testid="grace-custom"
          />
          Fixed
        </label>
        <label className="field">
          Amount
          <input
            type="number"
            min={0}
            step="any"
            value={amount}
            disabled={mode === 'auto'}
            onChange={(e) => setAmount(e.target.value)}
            aria-invalid={invalid}
            data-testid="grace-amount"
          />
        </label>
        <label className="field">
          Unit
          <select value={unit} disabled={mode === 'auto'} onChange={(e) => setUnit(e.target.value as Unit)}>
            {Object.keys(UNITS).map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn" disabled={mutation.isPending || invalid} data-testid="save-grace">
          Save
        </button>
        <span className="copy-status" role="status" aria-live="polite">
          {saved ? 'Saved.' : ''}
        </span>
      </fieldset>
      {invalid ? <p className="form-error">Between 0 and 365 days.</p> : null}
      {mutation.error ? (
        <p className="form-error" role="alert">
          {errorMessage(mutation.error)}
        </p>
      ) : null}
    </form>
  );
}
