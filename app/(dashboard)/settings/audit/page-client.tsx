'use client';

import { useState } from 'react';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Field, Select } from '@/components/form-fields';
import { Pager } from '@/components/pager';
import { useAuditLog } from '@/lib/client/hooks/use-audit-log';
import type { AuditPage } from '@/lib/schemas/settings';
import { SettingsPage } from '../settings-page';
import { SettingsTable } from '../settings-table';

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
  'webhook.create',
  'webhook.update',
  'webhook.disable',
  'webhook.enable',
  'webhook.delete',
  'webhook.rotate_secret',
  'webhook.test',
  'webhook.redeliver',
];

function detailText(detail: Record<string, unknown>): string {
  const entries = Object.entries(detail).filter(([, v]) => v !== null && v !== undefined);
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ');
}

const COLUMNS = ['When', 'Who', 'Action', 'Target', 'Details', 'From'];

/** The audit log, newest first, filtered by action, 50 entries a page. Read-only: no control inside the table. */
export function AuditPageClient() {
  const [action, setAction] = useState('');
  const query = useAuditLog(action ? { action } : {});
  const entries = query.data?.pages.flatMap((p) => p.entries) ?? [];

  return (
    <SettingsPage
      titleId="audit-title"
      title="Audit log"
      intro="Every settings change, token mint and raw dump download. It cannot be edited."
      actions={
        <Field label="Action">
          <Select
            value={action}
            onValue={setAction}
            emptyLabel="All actions"
            options={ACTIONS}
            data-testid="audit-action-filter"
          />
        </Field>
      }
    >
      <SettingsTable
        query={query}
        stateTestId="audit-state"
        isEmpty={entries.length === 0}
        empty={<span data-testid="audit-empty">No entries{action ? ` for ${action}` : ''}.</span>}
        testId="audit-table"
        caption="Audit log, newest first"
        columns={COLUMNS}
        compact
        footer={
          <Pager
            hasMore={query.hasNextPage}
            isLoading={query.isFetchingNextPage}
            onMore={() => query.fetchNextPage()}
            testId="audit-more"
          />
        }
      >
        {entries.map((e) => (
          <AuditRow key={e.id} entry={e} />
        ))}
      </SettingsTable>
    </SettingsPage>
  );
}

function AuditRow({ entry: e }: { entry: AuditPage['entries'][number] }) {
  const { formatDateTime } = useTimeFormat();
  return (
    <tr data-testid="audit-row" data-action={e.action}>
      <td className="nowrap">
        <time dateTime={new Date(e.at).toISOString()}>{formatDateTime(e.at)}</time>
      </td>
      <td data-testid="audit-actor">{e.actorEmail ?? 'system'}</td>
      <td className="mono small">{e.action}</td>
      <td className="kid">{e.target ?? '—'}</td>
      <td className="audit-detail">{detailText(e.detail)}</td>
      <td className="mono small">{e.ip ?? '—'}</td>
    </tr>
  );
}
