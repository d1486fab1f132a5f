'use client';

import { useMemo, useState } from 'react';
import { DataState } from '@/components/data-state';
import { DataTable } from '@/components/data-table';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Field, Select, SuggestField } from '@/components/form-fields';
import { Pager } from '@/components/pager';
import type { SessionEvent } from '@/lib/client/types';
import { SdpView, sdpOf } from './sdp-view';

/** Rows shown at first and added by each "Show more": a long log stays quick to render. */
const PAGE = 300;
const COLUMNS = ['Time', 'Connection', 'Event', 'Value'];

function preview(value: unknown): string {
  if (value == null) return '';
  const sdp = sdpOf(value);
  if (sdp)
    return `${sdp.type ?? 'sdp'} · ${sdp.sdp.split(/\r?\n/).filter((l) => l.startsWith('m=')).length} m= sections`;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

function EventRow({ event, start }: { event: SessionEvent; start: number | null }) {
  const { formatTime } = useTimeFormat();
  const [open, setOpen] = useState(false);
  const sdp = sdpOf(event.value);
  const hasDetail = event.value != null || (Array.isArray(event.extra) && event.extra.length > 0);
  return (
    <>
      <tr
        className={/fail|error/i.test(event.type) ? 'row-error' : undefined}
        data-testid="event-row"
        data-type={event.type}
        data-app={event.app ? 'true' : undefined}
      >
        <td className="nowrap mono small">
          {formatTime(event.time)}
          {start != null ? <span className="muted"> +{((event.time - start) / 1000).toFixed(2)}s</span> : null}
        </td>
        <td className="mono small">{event.pc ?? 'client'}</td>
        <td className="mono small">
          {event.app ? (
            <span className="badge app-badge" title="Traced by the page itself">
              app
            </span>
          ) : null}{' '}
          {event.type}
        </td>
        <td className="mono small event-value">
          {hasDetail ? (
            <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
              {open ? '▾' : '▸'} {preview(event.value) || 'details'}
            </button>
          ) : null}
        </td>
      </tr>
      {open ? (
        <tr className="event-detail">
          <td colSpan={4}>
            {sdp ? <SdpView sdp={sdp.sdp} type={sdp.type} /> : <pre>{JSON.stringify(event.value, null, 2)}</pre>}
            {Array.isArray(event.extra) && event.extra.length ? (
              <pre className="muted">extra: {JSON.stringify(event.extra, null, 2)}</pre>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The peer connections' API trace and the page's own events: filter by connection, event type, or any text. */
export function EventLog({
  events,
  isLoading,
  error,
  start,
  truncated,
}: {
  events: SessionEvent[];
  isLoading: boolean;
  error: unknown;
  start: number | null;
  truncated?: boolean;
}) {
  const [pc, setPc] = useState('');
  const [type, setType] = useState('');
  const [text, setText] = useState('');
  const [appOnly, setAppOnly] = useState(false);
  const [limit, setLimit] = useState(PAGE);
  const pcs = useMemo(() => [...new Set(events.map((e) => e.pc ?? 'client'))], [events]);
  const types = useMemo(() => [...new Set(events.map((e) => e.type))].sort(), [events]);
  const filtered = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return events.filter(
      (e) =>
        (!appOnly || e.app === true) &&
        (!pc || (e.pc ?? 'client') === pc) &&
        (!type || e.type.toLowerCase().includes(type.toLowerCase())) &&
        (!needle ||
          JSON.stringify(e.value ?? '')
            .toLowerCase()
            .includes(needle) ||
          e.type.toLowerCase().includes(needle)),
    );
  }, [events, pc, type, text, appOnly]);

  return (
    <div className="event-log" data-testid="event-log">
      <div className="filters">
        <Field inline label="Connection">
          <Select value={pc} onValue={setPc} emptyLabel="All" options={pcs} data-testid="event-filter-pc" />
        </Field>
        <SuggestField
          inline
          label="Type"
          listId="event-types"
          suggestions={types}
          value={type}
          onChange={(e) => setType(e.target.value)}
          placeholder="e.g. setRemoteDescription"
          data-testid="event-filter-type"
        />
        <Field inline label="Contains">
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="relay, failed, 1234…"
          />
        </Field>
        <label className="small">
          <input
            type="checkbox"
            checked={appOnly}
            onChange={(e) => setAppOnly(e.target.checked)}
            data-testid="event-filter-app"
          />{' '}
          The app&apos;s own only
        </label>
        <span className="muted small" aria-live="polite">
          {filtered.length} of {events.length} events{truncated ? ' (log truncated)' : ''}
        </span>
      </div>
      <DataState
        isLoading={isLoading}
        error={error}
        isEmpty={filtered.length === 0}
        empty="No events match."
        loadingLabel="Reading the event log…"
      >
        <DataTable columns={COLUMNS} compact wrapClassName="event-table-wrap">
          {filtered.slice(0, limit).map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
            <EventRow key={`${e.time}-${e.type}-${i}`} event={e} start={start} />
          ))}
        </DataTable>
        <Pager
          hasMore={filtered.length > limit}
          onMore={() => setLimit((l) => l + PAGE)}
          label={`Show ${Math.min(PAGE, filtered.length - limit)} more`}
        />
      </DataState>
    </div>
  );
}
