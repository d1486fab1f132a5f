'use client';

import { type FormEvent, useState } from 'react';
import { Field } from '@/components/form-fields';

/**
 * "Try it" for a read (GET, JSON) operation: its path and query parameters as fields, sent from this page with the
 * signed-in staff session (same origin, so no key is pasted anywhere), the status and the answer shown as received.
 * Reads only: writes change data and downloads are audited, so neither is one click away here.
 */

export interface TryItParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
}

type Outcome = { status: number; body: string } | { error: string };

/** The URL for the values given: path parameters encoded into the template, empty query fields left out. */
function requestUrl(path: string, parameters: TryItParameter[], values: Record<string, string>): string {
  let url = path;
  const search = new URLSearchParams();
  for (const p of parameters) {
    const value = values[p.name]?.trim() ?? '';
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(value));
    else if (value) search.set(p.name, value);
  }
  const qs = search.toString();
  return qs ? `${url}?${qs}` : url;
}

const MAX_SHOWN = 20_000;

export function TryIt({
  operationId,
  path,
  parameters,
}: {
  operationId: string;
  path: string;
  parameters: TryItParameter[];
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const url = requestUrl(path, parameters, values);
  const missing = parameters.some((p) => p.required && !values[p.name]?.trim());

  async function send(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      const text = await res.text();
      let body = text;
      try {
        body = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not JSON: shown as received.
      }
      setOutcome({
        status: res.status,
        body: body.length > MAX_SHOWN ? `${body.slice(0, MAX_SHOWN)}\n… (${body.length} characters)` : body,
      });
    } catch (err) {
      setOutcome({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="try-it" onSubmit={send} data-testid={`try-it-${operationId}`}>
      {parameters.length ? (
        <div className="try-it-fields">
          {parameters.map((p) => (
            <Field key={`${p.in}:${p.name}`} label={`${p.name}${p.required ? ' *' : ''} (${p.in})`}>
              <input
                name={p.name}
                value={values[p.name] ?? ''}
                onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))}
                autoComplete="off"
              />
            </Field>
          ))}
        </div>
      ) : null}
      <div className="page-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={busy || missing}>
          {busy ? 'Sending…' : 'Send'}
        </button>
        <code className="small">GET {url}</code>
      </div>
      {outcome ? (
        'error' in outcome ? (
          <p className="form-error" role="alert">
            {outcome.error}
          </p>
        ) : (
          <div className="try-it-result" data-testid="try-it-result" data-status={outcome.status}>
            <div className="small">
              Status <strong>{outcome.status}</strong>
            </div>
            <pre>{outcome.body}</pre>
          </div>
        )
      ) : null}
    </form>
  );
}
