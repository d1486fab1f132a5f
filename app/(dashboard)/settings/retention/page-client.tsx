'use client';

import { useState } from 'react';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { CheckField, FieldGroup, FormError, SavedStatus, TextField } from '@/components/form-fields';
import { ApiClientError } from '@/lib/client/api-client';
import { useRetention, useSetRetention } from '@/lib/client/hooks/use-retention';
import { useTransientState } from '@/lib/client/hooks/use-transient-state';
import { type RetentionDto, type RetentionInput, retentionInput } from '@/lib/schemas/settings';
import { PanelForm, SettingsPage } from '../settings-page';

const FIELDS = [
  { key: 'rawDumpDays', label: 'Raw dumps', hint: 'The files as received; needed to re-process or download a call.' },
  { key: 'seriesDays', label: 'Series and analysis', hint: 'Per-track charts, summaries and detected issues.' },
  { key: 'sessionDays', label: 'Session rows', hint: 'Search results and the session page; removes everything above.' },
] as const;
type FieldKey = (typeof FIELDS)[number]['key'];
type Draft = Record<FieldKey, { forever: boolean; days: string }>;

function toDraft(r: RetentionDto): Draft {
  const one = (v: number | null) => ({ forever: v === null, days: v === null ? '' : String(v) });
  return { rawDumpDays: one(r.rawDumpDays), seriesDays: one(r.seriesDays), sessionDays: one(r.sessionDays) };
}

function fromDraft(d: Draft): RetentionInput {
  const one = (f: { forever: boolean; days: string }) => (f.forever ? null : Number(f.days));
  return { rawDumpDays: one(d.rawDumpDays), seriesDays: one(d.seriesDays), sessionDays: one(d.sessionDays) };
}

/** Field errors from zod (client side) or the API's 422 `issues` (treeified: {properties: {field: {errors}}}). */
function issuesByField(error: unknown): Partial<Record<FieldKey, string>> {
  if (!(error instanceof ApiClientError)) return {};
  const props = (error.issues as { properties?: Record<string, { errors?: string[] }> } | undefined)?.properties ?? {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.errors?.[0] ?? 'invalid']));
}

/** Retention: how many days each kind of data is kept (or forever), checked here and by the API. */
export function RetentionPageClient() {
  const query = useRetention();
  return (
    <SettingsPage
      titleId="retention-title"
      title="Retention"
      intro="How many days Callscope keeps each kind of data, counted from the end of the call."
    >
      <DataState testId="retention-state" query={query}>
        {query.data ? <RetentionForm retention={query.data.retention} /> : null}
      </DataState>
    </SettingsPage>
  );
}

function RetentionForm({ retention }: { retention: RetentionDto }) {
  const { formatDateTime } = useTimeFormat();
  const mutation = useSetRetention();
  const [draft, setDraft] = useState<Draft>(() => toDraft(retention));
  const [clientErrors, setClientErrors] = useState<Partial<Record<FieldKey, string>>>({});
  const [saved, setSaved] = useTransientState(false, 3000);

  const serverErrors = issuesByField(mutation.error);
  const errors = { ...serverErrors, ...clientErrors };

  function onSubmit() {
    const parsed = retentionInput.safeParse(fromDraft(draft));
    if (!parsed.success) {
      setClientErrors(
        Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) as Partial<
          Record<FieldKey, string>
        >,
      );
      return;
    }
    setClientErrors({});
    mutation.mutate(parsed.data, { onSuccess: () => setSaved(true) });
  }

  return (
    <PanelForm testId="retention-form" noValidate onSubmit={onSubmit}>
      {FIELDS.map((f) => {
        const value = draft[f.key];
        const error = errors[f.key];
        const change = (next: Partial<Draft[FieldKey]>) => setDraft({ ...draft, [f.key]: { ...value, ...next } });
        return (
          <FieldGroup key={f.key} legend={f.label}>
            <TextField
              label={`${f.label} (days)`}
              hint={error ? <span className="form-error">{error}</span> : f.hint}
              hintId={`${f.key}-hint`}
              type="number"
              min={1}
              max={3650}
              step={1}
              value={value.days}
              disabled={value.forever}
              aria-invalid={!!error}
              onValue={(days) => change({ days })}
              data-testid={`retention-${f.key}`}
            />
            <CheckField
              checked={value.forever}
              onCheckedChange={(forever) => change({ forever })}
              data-testid={`retention-${f.key}-forever`}
              label="Keep forever"
            />
          </FieldGroup>
        );
      })}
      <div className="form-row">
        <button type="submit" className="btn btn-primary" disabled={mutation.isPending} data-testid="save-retention">
          Save
        </button>
        <SavedStatus saved={saved} />
        <span className="small muted">
          {retention.updatedAt
            ? `Last changed ${formatDateTime(retention.updatedAt)}`
            : 'Never changed: everything is kept.'}
        </span>
      </div>
      {/* Field errors sit under their fields; only the rest is shown here. */}
      <FormError error={Object.keys(serverErrors).length === 0 ? mutation.error : null} />
    </PanelForm>
  );
}
