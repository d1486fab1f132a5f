'use client';

import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';
import { errorMessage } from '@/components/data-state';

/**
 * The app's form pieces (settings, sign-in, the search and event-log filters), so every field, check box and error
 * looks and reads the same: a label that wraps its control (its text is the control's accessible name), an
 * optional hint below it.
 */

/**
 * A labelled control: `children` is the input or select; `hintId` ties the hint to it for screen readers.
 * `inline`: the compact variant of the filter bars (search, event log).
 */
export function Field({
  label,
  hint,
  hintId,
  inline = false,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  hintId?: string;
  inline?: boolean;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is `children` (every caller passes an input or a select)
    <label className={inline ? 'field inline' : 'field'}>
      <span>{label}</span>
      {children}
      {hint != null ? (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      ) : null}
    </label>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'>;

/** A labelled text or number input that hands its new value to `onValue`. */
export function TextField({
  label,
  hint,
  hintId,
  value,
  onValue,
  ...input
}: InputProps & {
  label: ReactNode;
  hint?: ReactNode;
  hintId?: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field label={label} hint={hint} hintId={hintId}>
      <input value={value} onChange={(e) => onValue(e.target.value)} aria-describedby={hintId} {...input} />
    </Field>
  );
}

/** A choice of a select: its value, shown as is unless it has a label. */
export type SelectOption = string | { value: string; label: string };

/**
 * A select of `options`; `emptyLabel` adds a first option with the empty value ("All", "Any"). Controlled with
 * `value` and `onValue`, or left to the form with `defaultValue` and a `name`.
 */
export function Select({
  options,
  emptyLabel,
  onValue,
  ...select
}: Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange'> & {
  options: readonly SelectOption[];
  emptyLabel?: string;
  onValue?: (value: string) => void;
}) {
  return (
    <select onChange={onValue ? (e) => onValue(e.target.value) : undefined} {...select}>
      {emptyLabel != null ? <option value="">{emptyLabel}</option> : null}
      {options.map((o) => {
        const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
        return (
          <option key={value} value={value}>
            {label}
          </option>
        );
      })}
    </select>
  );
}

/** A labelled input that suggests `suggestions` (a datalist, so any other text is fine too). */
export function SuggestField({
  label,
  listId,
  suggestions,
  inline,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & {
  label: ReactNode;
  listId: string;
  suggestions: readonly string[];
  inline?: boolean;
}) {
  return (
    <>
      <Field inline={inline} label={label}>
        <input list={listId} {...input} />
      </Field>
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </>
  );
}

/** A check box (or, with `type="radio"`, a radio button) with its text after it. */
export function CheckField({
  label,
  onCheckedChange,
  type = 'checkbox',
  ...input
}: Omit<InputProps, 'type'> & {
  label: ReactNode;
  type?: 'checkbox' | 'radio';
  onCheckedChange: (checked: boolean) => void;
}) {
  return (
    <label className="field-check">
      <input type={type} onChange={(e) => onCheckedChange(e.target.checked)} {...input} />
      {label}
    </label>
  );
}

/** Radio buttons for one choice (`name`); each option may carry a test id. */
export function RadioChoices<T extends string>({
  name,
  value,
  options,
  onChoose,
}: {
  name: string;
  value: T;
  options: readonly { value: T; label: ReactNode; testId?: string }[];
  onChoose: (value: T) => void;
}) {
  return (
    <>
      {options.map((o) => (
        <CheckField
          key={o.value}
          type="radio"
          name={name}
          checked={value === o.value}
          onCheckedChange={() => onChoose(o.value)}
          data-testid={o.testId}
          label={o.label}
        />
      ))}
    </>
  );
}

/** Controls that belong together (one row), named for screen readers by `legend`. */
export function FieldGroup({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="form-row" style={{ border: 0, padding: 0, margin: 0 }}>
      <legend className="sr-only">{legend}</legend>
      {children}
    </fieldset>
  );
}

/** A failed submit or mutation, announced: `error` is the message itself or an error to describe. */
export function FormError({ error, id, testId }: { error: unknown; id?: string; testId?: string }) {
  if (!error) return null;
  return (
    <p id={id} className="form-error" role="alert" data-testid={testId}>
      {typeof error === 'string' ? error : errorMessage(error)}
    </p>
  );
}

/** "Saved." for a moment after a form saved (see useTransientState), announced politely. */
export function SavedStatus({ saved }: { saved: boolean }) {
  return (
    <span className="copy-status" role="status" aria-live="polite">
      {saved ? 'Saved.' : ''}
    </span>
  );
}
