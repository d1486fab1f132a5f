'use client';

import { useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useTimeFormat } from '@/components/display-zone-provider';
import { CheckField, FieldGroup, FormError, RadioChoices, TextField } from '@/components/form-fields';
import { Pager } from '@/components/pager';
import {
  useCreateWebhook,
  useDeleteWebhook,
  useRedeliver,
  useRotateWebhookSecret,
  useTestWebhook,
  useUpdateWebhook,
  useWebhookDeliveries,
  useWebhooks,
} from '@/lib/client/hooks/use-webhooks';
import { MONITORING_EVENTS, type MonitoringEventName } from '@/lib/schemas/monitoring';
import type { WebhookAttemptResponse, WebhookDeliveryDto, WebhookEndpointDto } from '@/lib/schemas/webhooks';
import { SecretBox } from '../secret-box';
import { formatRelative } from '../settings-format';
import { PanelForm, SettingsPage } from '../settings-page';
import { ACTIONS_COLUMN, RowButton, SettingsTable, StateBadge } from '../settings-table';
import { WebhooksDisabledBanner } from './disabled-banner';

const COLUMNS = ['URL', 'Conference', 'Events', 'Status', 'Success (24 h)', 'Pending', ACTIONS_COLUMN];
const LOG_COLUMNS = [
  'Created',
  'Event',
  'Conference',
  'State',
  'Attempts',
  'Last answer',
  'Response',
  'Next attempt',
  ACTIONS_COLUMN,
];

function successRate(e: WebhookEndpointDto): string {
  const { successRate: rate, attempts } = e.last24h;
  return rate === null ? '—' : `${Math.round(rate * 100)}% of ${attempts}`;
}

/**
 * Outbound webhooks: add an endpoint (its secret shown once), the list with each one's state and 24 h success rate,
 * and one endpoint's detail: its delivery log with redelivery, a test event, disable / re-enable (asking about the
 * replay), secret rotation and deletion.
 */
export function WebhooksPageClient() {
  const query = useWebhooks();
  // A new secret stays in component state only, until dismissed.
  const [secret, setSecret] = useState<{ url: string; value: string } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const endpoints = query.data?.endpoints ?? [];
  const current = endpoints.find((e) => e.id === selected) ?? null;

  return (
    <SettingsPage
      titleId="webhooks-title"
      title="Webhooks"
      intro={
        <>
          Callscope POSTs session-monitoring events (who joined and left, streams, quality issues, policy violations) to
          your endpoints, shaped like Vonage&rsquo;s callbacks and signed per Standard Webhooks. Failed deliveries are
          retried for 24 h; an endpoint failing over and over is disabled. See <code>docs/webhooks.md</code>.
        </>
      }
    >
      <WebhooksDisabledBanner detailed />
      {secret ? (
        <SecretBox
          label="Webhook signing secret"
          testId="webhook-secret-box"
          heading={<>Copy the signing secret of {secret.url} now. It is shown once and never again.</>}
          secret={{
            value: secret.value,
            label: 'Signing secret',
            testId: 'webhook-secret',
            copyTestId: 'copy-webhook-secret',
          }}
          onDismiss={() => setSecret(null)}
          dismissTestId="dismiss-webhook-secret"
        >
          <span>
            Verify each delivery with it (standardwebhooks&rsquo; <code>Webhook.verify</code>).
          </span>
        </SecretBox>
      ) : null}
      <NewWebhookForm
        onCreated={(endpoint, value) => {
          setSecret({ url: endpoint.url, value });
          setSelected(endpoint.id);
        }}
      />
      <SettingsTable
        query={query}
        stateTestId="webhooks-state"
        isEmpty={endpoints.length === 0}
        empty={<span data-testid="webhooks-empty">No webhook endpoints yet.</span>}
        testId="webhooks-table"
        caption="Webhook endpoints"
        columns={COLUMNS}
      >
        {endpoints.map((e) => (
          <tr key={e.id} data-testid="webhook-row" data-id={e.id} className={e.enabled ? undefined : 'row-muted'}>
            <td className="kid">{e.url}</td>
            <td>{e.conference ?? 'all'}</td>
            <td>{e.events.length === 0 ? 'all' : e.events.join(', ')}</td>
            <td>
              <StateBadge state={e.enabled ? 'active' : 'disabled'} text={e.enabled ? 'enabled' : 'disabled'} />
            </td>
            <td data-testid="webhook-success-rate">{successRate(e)}</td>
            <td>{e.pending}</td>
            <td>
              <RowButton testId="webhook-details" ariaLabel={`Details of ${e.url}`} onClick={() => setSelected(e.id)}>
                Details
              </RowButton>
            </td>
          </tr>
        ))}
      </SettingsTable>
      {current ? (
        <EndpointDetail
          key={current.id}
          endpoint={current}
          onSecret={(value) => setSecret({ url: current.url, value })}
          onDeleted={() => setSelected(null)}
        />
      ) : null}
    </SettingsPage>
  );
}

function EventChoices({
  value,
  onChange,
}: {
  value: MonitoringEventName[];
  onChange: (v: MonitoringEventName[]) => void;
}) {
  return (
    <FieldGroup legend="Events (none checked: every event)">
      {MONITORING_EVENTS.map((name) => (
        <CheckField
          key={name}
          label={name}
          checked={value.includes(name)}
          onCheckedChange={(on) => onChange(on ? [...value, name] : value.filter((v) => v !== name))}
          data-testid={`webhook-event-${name}`}
        />
      ))}
    </FieldGroup>
  );
}

function NewWebhookForm({ onCreated }: { onCreated: (endpoint: WebhookEndpointDto, secret: string) => void }) {
  const create = useCreateWebhook();
  const [url, setUrl] = useState('');
  const [conference, setConference] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<MonitoringEventName[]>([]);

  function onSubmit() {
    create.mutate(
      {
        url: url.trim(),
        ...(conference.trim() ? { conference: conference.trim() } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(events.length > 0 ? { events } : {}),
      },
      {
        onSuccess: (data) => {
          onCreated(data.endpoint, data.secret);
          setUrl('');
          setConference('');
          setDescription('');
          setEvents([]);
          create.reset(); // the secret must not stay in the mutation cache
        },
      },
    );
  }

  return (
    <PanelForm titleId="new-webhook-title" title="New endpoint" testId="create-webhook-form" onSubmit={onSubmit}>
      <div className="form-row">
        <TextField
          label="URL"
          type="url"
          required
          maxLength={2000}
          value={url}
          placeholder="https://example.com/callscope-events"
          onValue={setUrl}
          data-testid="webhook-url"
        />
        <TextField
          label="Conference"
          hint="An id, or a prefix ending in * (empty: every conference)"
          hintId="webhook-conference-hint"
          maxLength={200}
          value={conference}
          placeholder="lesson-*"
          onValue={setConference}
          data-testid="webhook-conference"
        />
        <TextField
          label="Description"
          maxLength={500}
          value={description}
          onValue={setDescription}
          data-testid="webhook-description"
        />
      </div>
      <EventChoices value={events} onChange={setEvents} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-webhook">
          Add endpoint
        </button>
      </div>
      <FormError error={create.error} testId="create-webhook-error" />
    </PanelForm>
  );
}

function attemptText(a: WebhookAttemptResponse['attempt']): string {
  if (a.ok) return `Delivered: ${a.status} in ${a.latencyMs} ms.`;
  return `Failed: ${a.error ?? `HTTP ${a.status}`} (${a.latencyMs} ms).`;
}

type Dialog = 'enable' | 'disable' | 'rotate' | 'delete' | null;

function EndpointDetail({
  endpoint: e,
  onSecret,
  onDeleted,
}: {
  endpoint: WebhookEndpointDto;
  onSecret: (secret: string) => void;
  onDeleted: () => void;
}) {
  const { formatDateTime } = useTimeFormat();
  const test = useTestWebhook(e.id);
  const [dialog, setDialog] = useState<Dialog>(null);

  return (
    <section className="panel form" aria-labelledby="webhook-detail-title" data-testid="webhook-detail">
      <div className="page-head-row">
        <div>
          <h2 id="webhook-detail-title" className="panel-title">
            {e.url}
          </h2>
          <p className="muted">
            {e.description ? `${e.description} · ` : ''}
            {e.enabled ? 'Enabled' : `Disabled ${formatRelative(e.disabledAt)}: ${e.disabledReason ?? ''}`} · conference{' '}
            {e.conference ?? 'all'} · events {e.events.length === 0 ? 'all' : e.events.join(', ')} · success over 24 h{' '}
            <span data-testid="webhook-detail-success-rate">{successRate(e)}</span> · created{' '}
            {formatDateTime(e.createdAt)}
            {e.previousSecretExpiresAt
              ? ` · the previous secret signs too until ${formatDateTime(e.previousSecretExpiresAt)}`
              : ''}
          </p>
        </div>
        <div className="head-actions">
          <button
            type="button"
            className="btn"
            disabled={test.isPending}
            onClick={() => test.mutate()}
            data-testid="webhook-send-test"
          >
            {test.isPending ? 'Sending…' : 'Send test event'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => setDialog(e.enabled ? 'disable' : 'enable')}
            data-testid="webhook-toggle"
          >
            {e.enabled ? 'Disable' : 'Re-enable'}
          </button>
          <button type="button" className="btn" onClick={() => setDialog('rotate')} data-testid="webhook-rotate">
            Rotate secret
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => setDialog('delete')}
            data-testid="webhook-delete"
          >
            Delete
          </button>
        </div>
      </div>
      {test.data ? (
        <p role="status" data-testid="webhook-test-result" data-ok={String(test.data.attempt.ok)}>
          Test event: {attemptText(test.data.attempt)}
        </p>
      ) : null}
      <FormError error={test.error} />
      <DeliveryLog endpointId={e.id} enabled={e.enabled} />
      <EnableDialog endpoint={e} open={dialog === 'enable'} onClose={() => setDialog(null)} />
      <DisableDialog endpoint={e} open={dialog === 'disable'} onClose={() => setDialog(null)} />
      <RotateDialog endpoint={e} open={dialog === 'rotate'} onClose={() => setDialog(null)} onSecret={onSecret} />
      <DeleteDialog endpoint={e} open={dialog === 'delete'} onClose={() => setDialog(null)} onDeleted={onDeleted} />
    </section>
  );
}

function DeliveryLog({ endpointId, enabled }: { endpointId: string; enabled: boolean }) {
  const query = useWebhookDeliveries(endpointId);
  const redeliver = useRedeliver(endpointId);
  const deliveries = query.data?.pages.flatMap((p) => p.deliveries) ?? [];
  return (
    <>
      <h3 className="section-title">Delivery log</h3>
      <SettingsTable
        query={query}
        stateTestId="webhook-deliveries-state"
        isEmpty={deliveries.length === 0}
        empty={<span data-testid="webhook-deliveries-empty">No deliveries yet: send a test event.</span>}
        testId="webhook-deliveries-table"
        caption="Deliveries, newest first"
        columns={LOG_COLUMNS}
        compact
        footer={
          <Pager
            hasMore={query.hasNextPage}
            isLoading={query.isFetchingNextPage}
            onMore={() => query.fetchNextPage()}
            testId="webhook-deliveries-more"
          />
        }
      >
        {deliveries.map((d) => (
          <DeliveryRow
            key={d.id}
            delivery={d}
            held={!enabled}
            busy={redeliver.isPending && redeliver.variables === d.id}
            onRedeliver={() => redeliver.mutate(d.id)}
          />
        ))}
      </SettingsTable>
      {redeliver.data ? (
        <p role="status" data-testid="webhook-redeliver-result">
          Redelivery: {attemptText(redeliver.data.attempt)}
        </p>
      ) : null}
      <FormError error={redeliver.error} />
    </>
  );
}

function DeliveryRow({
  delivery: d,
  held,
  busy,
  onRedeliver,
}: {
  delivery: WebhookDeliveryDto;
  /** The endpoint is disabled: pending deliveries wait for it. */
  held: boolean;
  busy: boolean;
  onRedeliver: () => void;
}) {
  const { formatDateTime, formatTime } = useTimeFormat();
  return (
    <tr data-testid="webhook-delivery-row" data-state={d.state} data-event={d.event} data-test={String(d.test)}>
      <td className="nowrap" title={formatDateTime(d.createdAt)}>
        {formatTime(d.createdAt)}
      </td>
      <td>
        {d.event}
        {d.test ? ' (test)' : ''}
      </td>
      <td>{d.conference || '—'}</td>
      <td>
        <StateBadge
          state={d.state === 'succeeded' ? 'active' : d.state === 'pending' ? 'verifying' : 'revoked'}
          text={d.state}
        />
      </td>
      <td>{d.attempts}</td>
      <td className="nowrap">
        {d.lastLatencyMs === null ? '—' : `${d.lastStatus ?? 'error'} · ${d.lastLatencyMs} ms`}
      </td>
      <td className="audit-detail">{d.lastError && !d.lastResponse ? d.lastError : (d.lastResponse ?? '—')}</td>
      <td className="nowrap">
        {d.state !== 'pending'
          ? '—'
          : held
            ? 'held (disabled)'
            : d.nextAttemptAt
              ? formatRelative(d.nextAttemptAt)
              : 'now'}
      </td>
      <td>
        <RowButton
          testId="webhook-redeliver"
          ariaLabel={`Redeliver ${d.event} ${d.eventId}`}
          disabled={busy}
          onClick={onRedeliver}
        >
          Redeliver
        </RowButton>
      </td>
    </tr>
  );
}

function EnableDialog({
  endpoint: e,
  open,
  onClose,
}: {
  endpoint: WebhookEndpointDto;
  open: boolean;
  onClose: () => void;
}) {
  const update = useUpdateWebhook(e.id);
  const { formatDateTime } = useTimeFormat();
  const [replay, setReplay] = useState<'yes' | 'no' | ''>('');
  const close = () => {
    update.reset();
    setReplay('');
    onClose();
  };
  return (
    <ConfirmDialog
      open={open}
      title={`Re-enable ${e.url}?`}
      confirmLabel="Re-enable"
      busy={update.isPending}
      confirmDisabled={replay === ''}
      error={update.error}
      onConfirm={() => update.mutate({ enabled: true, replay: replay === 'yes' }, { onSuccess: close })}
      onCancel={close}
    >
      <p>
        It was disabled {e.disabledAt ? formatDateTime(e.disabledAt) : ''}
        {e.disabledReason ? ` (${e.disabledReason})` : ''}. {e.pending} deliveries are held. What about what it missed?
      </p>
      <RadioChoices
        name="webhook-replay"
        value={replay}
        onChoose={setReplay}
        options={[
          {
            value: 'yes',
            label: 'Replay: deliver the held deliveries and every event since it was disabled, in order',
            testId: 'webhook-replay-yes',
          },
          { value: 'no', label: 'Skip: deliver only events from now on', testId: 'webhook-replay-no' },
        ]}
      />
    </ConfirmDialog>
  );
}

function DisableDialog({
  endpoint: e,
  open,
  onClose,
}: {
  endpoint: WebhookEndpointDto;
  open: boolean;
  onClose: () => void;
}) {
  const update = useUpdateWebhook(e.id);
  const close = () => {
    update.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={open}
      title={`Disable ${e.url}?`}
      confirmLabel="Disable"
      destructive
      busy={update.isPending}
      error={update.error}
      onConfirm={() => update.mutate({ enabled: false }, { onSuccess: close })}
      onCancel={close}
    >
      <p>Nothing is sent to it until it is re-enabled; then you choose whether to replay what it missed.</p>
    </ConfirmDialog>
  );
}

function RotateDialog({
  endpoint: e,
  open,
  onClose,
  onSecret,
}: {
  endpoint: WebhookEndpointDto;
  open: boolean;
  onClose: () => void;
  onSecret: (secret: string) => void;
}) {
  const rotate = useRotateWebhookSecret(e.id);
  const [hours, setHours] = useState('24');
  const valid = hours.trim() !== '' && Number(hours) >= 0 && Number(hours) <= 168;
  const close = () => {
    rotate.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={open}
      title={`Rotate the signing secret of ${e.url}?`}
      confirmLabel="Rotate"
      busy={rotate.isPending}
      confirmDisabled={!valid}
      error={rotate.error}
      onConfirm={() =>
        rotate.mutate(Number(hours), {
          onSuccess: (data) => {
            onSecret(data.secret);
            close();
          },
        })
      }
      onCancel={close}
    >
      <p>
        A new secret signs every delivery; the current one signs beside it for the overlap, so receivers can switch.
      </p>
      <TextField
        label="Overlap (hours, 0–168)"
        type="number"
        min={0}
        max={168}
        value={hours}
        onValue={setHours}
        data-testid="webhook-overlap-hours"
      />
    </ConfirmDialog>
  );
}

function DeleteDialog({
  endpoint: e,
  open,
  onClose,
  onDeleted,
}: {
  endpoint: WebhookEndpointDto;
  open: boolean;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteWebhook();
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={open}
      title={`Delete ${e.url}?`}
      confirmLabel="Delete"
      destructive
      busy={remove.isPending}
      error={remove.error}
      onConfirm={() =>
        remove.mutate(e.id, {
          onSuccess: () => {
            close();
            onDeleted();
          },
        })
      }
      onCancel={close}
    >
      <p>The endpoint, its pending deliveries and its delivery log are deleted. This cannot be undone.</p>
    </ConfirmDialog>
  );
}
