'use client';

import { type FormEvent, useEffect, useState } from 'react';
import { DataState, errorMessage } from '@/components/data-state';
import { ApiClientError } from '@/lib/client/api-client';
import { useRetention, useSetRetention } from '@/lib/client/hooks/use-retention';
import { type RetentionDto, type RetentionInput, retentionInput } from '@/lib/schemas/settings';
import { useTimeFormat } from '@/components/display-zone-provider';

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

export function RetentionPageClient() {
  const query = useRetention();
  return (
    <section className="page" aria-labelledby="retention-title">
      <div className="page-head">
        <h1 id="retention-title">Retention</h1>
        <p className="muted">How many days Callscope keeps each kind of data, counted from the end of the call.</p>
      </div>
      <DataState
        testId="retention-state"
        isLoading={query.isPending}
        error={query.error}
        onRetry={() => query.refetch()}
      >
        {query.data ? <RetentionForm retention={query.data.retention} /> : null}
      </DataState>
    </section>
  );
}

function RetentionForm({ retention }: { retention: RetentionDto }) {
  const { formatDateTime } = useTimeFormat();
  const mutation = useSetRetention();
  const [draft, setDraft] = useState<Draft>(() => toDraft(retention));
  const [clientErrors, setClientErrors] = useState<Partial<Record<FieldKey, string>>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 3000);
    return () => clearTimeout(t);
  }, [saved]);

  const errors = { ...issuesByField(mutation.error), ...clientErrors };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
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
    <form className="panel form" onSubmit={onSubmit} data-testid="retention-form" noValidate>
      {FIELDS.map((f) => {
        const value = draft[f.key];
        const error = errors[f.key];
        return (
          <fieldset key={f.key} className="form-row" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="sr-only">{f.label}</legend>
            <label className="field">
              {f.label} (days)
              <input
                type="number"
                min={1}
                max={3650}
                step={1}
                value={value.days}
                disabled={value.forever}
                aria-invalid={!!error}
                aria-describedby={`${f.key}-hint`}
                onChange={(e) => setDraft({ ...draft, [f.key]: { ...value, days: e.target.value } })}
                data-testid={`retention-${f.key}`}
              />
              <span id={`${f.key}-hint`} className="field-hint">
                {error ? <span className="form-error">{error}</span> : f.hint}
              </span>
            </label>
            <label className="field-check">
              <input
                type="checkbox"
                checked={value.forever}
                onChange={(e) => setDraft({ ...draft, [f.key]: { ...value, forever: e.target.checked } })}
                data-testid={`retention-${f.key}-forever`}
              />
              Keep forever
            </label>
          </fieldset>
        );
      })}
      <div className="form-row">
        <button type="submit" className="btn btn-primary" disabled={mutation.isPending} data-testid="save-retention">
          Save
        </button>
        <span className="copy-status" role="status" aria-live="polite">
          {saved ? 'Saved.' : ''}
        </span>
        <span className="small muted">
          {retention.updatedAt
            ? `Last changed ${formatDateTime(retention.updatedAt)}`
            : 'Never changed: everything is kept.'}
        </span>
      </div>
      {mutation.error && Object.keys(issuesByField(mutation.error)).length === 0 ? (
        <p className="form-error" role="alert">
          {errorMessage(mutation.error)}
        </p>
      ) : null}
    </form>
  );
}
