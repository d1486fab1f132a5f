'use client';

import { useState } from 'react';
import { Field, FieldGroup, FormError, RadioChoices, SavedStatus, Select, TextField } from '@/components/form-fields';
import { useSetGracePeriod } from '@/lib/client/hooks/use-signing-keys';
import { useTransientState } from '@/lib/client/hooks/use-transient-state';
import { type GracePeriodDto, MAX_GRACE_SECONDS } from '@/lib/schemas/settings';
import { PanelForm } from '../settings-page';
import { formatSeconds } from '../settings-format';

const UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const;
type Unit = keyof typeof UNITS;
const MODES = [
  { value: 'auto', label: 'Automatic' },
  { value: 'custom', label: 'Fixed', testId: 'grace-custom' },
] as const;

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
  const [saved, setSaved] = useTransientState(false, 3000);

  const seconds = Math.round(Number(amount) * UNITS[unit]);
  const invalid = mode === 'custom' && (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_GRACE_SECONDS);

  function onSubmit() {
    if (invalid) return;
    mutation.mutate({ seconds: mode === 'auto' ? null : seconds }, { onSuccess: () => setSaved(true) });
  }

  const lifetime = grace.maxTokenLifetimeSeconds;
  return (
    <PanelForm
      titleId="grace-title"
      title="Grace period"
      testId="grace-form"
      onSubmit={onSubmit}
      intro={
        <p className="muted">
          How long the previous key keeps verifying after a rotation. Now:{' '}
          <strong data-testid="grace-current">{formatSeconds(grace.seconds)}</strong>
          {grace.auto
            ? ` (automatic: longest token lifetime ${lifetime ? `seen, ${formatSeconds(lifetime)}` : 'default, 1 h'} + ${formatSeconds(grace.marginSeconds)} margin)`
            : ' (set by an admin)'}
          .
        </p>
      }
    >
      <FieldGroup legend="Grace period mode">
        <RadioChoices name="grace-mode" value={mode} options={MODES} onChoose={setMode} />
        <TextField
          label="Amount"
          type="number"
          min={0}
          step="any"
          value={amount}
          onValue={setAmount}
          disabled={mode === 'auto'}
          aria-invalid={invalid}
          data-testid="grace-amount"
        />
        <Field label="Unit">
          <Select
            value={unit}
            disabled={mode === 'auto'}
            onValue={(u) => setUnit(u as Unit)}
            options={Object.keys(UNITS)}
          />
        </Field>
        <button type="submit" className="btn" disabled={mutation.isPending || invalid} data-testid="save-grace">
          Save
        </button>
        <SavedStatus saved={saved} />
      </FieldGroup>
      {invalid ? <p className="form-error">Between 0 and 365 days.</p> : null}
      <FormError error={mutation.error} />
    </PanelForm>
  );
}
