'use client';

import { useState } from 'react';
import { DataState } from '@/components/data-state';
import { useAuditLog } from '@/lib/client/hooks/use-audit-log';
import { useTimeFormat } from '@/components/display-zone-provider';

const ACTIONS = [
  'signing_key.create',
  'signing_key.rotate',
  'signing_key.revoke',
  'signing_key.grace_expired',
  'signing_key.grace_period_set',
  'token.mint',
  'api_key.create',
  'api_key.revoke',
  'api_key.bootstrap',
  'staff.create',
  'staff.update',
  'retention.set',
  'dump.download',
];

function detailText(detail: Record<string, unknown>): string {
  const entries = Object.entries(detail).filter(([, v]) => v !== null && v !== undefined);
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}

export function AuditPageClient() {
  const { formatDateTime } = useTimeFormat();
  const [action, setAction] = useState('');
  const query = useAuditLog(action ? { action } : {});
  const entries = query.data?.pages.flatMap((p) => p.entries) ?? [];

  return (
    <section className="page" aria-labelledby="audit-title">
      <div className="page-head page-head-row">
        <div>
          <h1 id="audit-title">Audit log</h1>
          <p className="muted">Every settings change, token mint and raw dump download. It cannot be edited.</p>
        </div>
        <label className="field">
          Action
          <select value={action} onChange={(e) => setAction(e.target.value)} data-testid="audit-action-filter">
            <option value="">All actions</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="panel">
        <DataState
          testId="audit-state"
          isLoading={query.isPending}
          error={query.error}
          onRetry={() => query.refetch()}
          isEmpty={entries.length === 0}
          empty={<span data-testid="audit-empty">No entries{action ? ` for ${action}` : ''}.</span>}
        >
          <div className="table-wrap">
            <table className="table table-compact" data-testid="audit-table">
              <caption className="sr-only">Audit log, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                    <td className="nowrap">
                      <time dateTime={new Date(e.at).toISOString()}>{formatDateTime(e.at)}</time>
                    </td>
                    <td data-testid="audit-actor">{e.actorEmail ?? 'system'}</td>
                    <td className="mono small">{e.action}</td>
                    <td className="kid">{e.target ?? '—'}</td>
                    <td className="audit-detail">{detailText(e.detail)}</td>
                    <td className="mono small">{e.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {query.hasNextPage ? (
            <div className="pager">
              <button
                type="button"
                className="btn"
                onClick={() => query.fetchNextPage()}
                disabled={query.isFetchingNextPage}
                data-testid="audit-more"
              >
                {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </DataState>
      </div>
    </section>
  );
}
