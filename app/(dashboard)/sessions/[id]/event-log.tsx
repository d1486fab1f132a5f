'use client';

import { useMemo, useState } from 'react';
import { DataState } from '@/components/data-state';
import type { SessionEvent } from '@/lib/client/types';
import { SdpView, sdpOf } from './sdp-view';
import { useTimeFormat } from '@/components/display-zone-provider';

const PAGE = 300;

function preview(value: unknown): string {
  if (value == null) return '';
  const sdp = sdpOf(value);
  if (sdp) return `${sdp.type ?? 'sdp'} · ${sdp.sdp.split(/\r?\n/).filter((l) => l.startsWith('m=')).length} m= sections`;
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
      <tr className={/fail|error/i.test(event.type) ? 'row-error' : undefined} data-testid="event-row" data-type={event.type}>
        <td className="nowrap mono small">
          {formatTime(event.time)}
          {start != null ? <span className="muted"> +{((event.time - start) / 1000).toFixed(2)}s</span> : null}
        </td>
        <td className="mono small">{event.pc ?? 'client'}</td>
        <td className="mono small">{event.type}</td>
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

/** The peer connections' API trace: filter by connection, event type, or any text. */
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
  const [limit, setLimit] = useState(PAGE);
  const pcs = useMemo(() => [...new Set(events.map((e) => e.pc ?? 'client'))], [events]);
  const types = useMemo(() => [...new Set(events.map((e) => e.type))].sort(), [events]);
  const filtered = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return events.filter(
      (e) =>
        (!pc || (e.pc ?? 'client') === pc) &&
        (!type || e.type.toLowerCase().includes(type.toLowerCase())) &&
        (!needle || JSON.stringify(e.value ?? '').toLowerCase().includes(needle) || e.type.toLowerCase().includes(needle)),
    );
  }, [events, pc, type, text]);

  return (
    <div className="event-log" data-testid="event-log">
      <div className="filters">
        <label className="field inline">
          <span>Connection</span>
          <select value={pc} onChange={(e) => setPc(e.target.value)} data-testid="event-filter-pc">
            <option value="">All</option>
            {pcs.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Type</span>
          <input list="event-types" value={type} onChange={(e) => setType(e.target.value)} placeholder="e.g. setRemoteDescription" data-testid="event-filter-type" />
        </label>
        <datalist id="event-types">
          {types.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <label className="field inline">
          <span>Contains</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="relay, failed, 1234…" />
        </label>
        <span className="muted small" aria-live="polite">
          {filtered.length} of {events.length} events{truncated ? ' (log truncated)' : ''}
        </span>
      </div>
      <DataState isLoading={isLoading} error={error} isEmpty={filtered.length === 0} empty="No events match." loadingLabel="Reading the event log…">
        <div className="table-wrap event-table-wrap">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Connection</th>
                <th scope="col">Event</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {filtered.slice(0, limit).map((e, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
                <EventRow key={`${e.time}-${e.type}-${i}`} event={e} start={start} />
              ))}
            </tbody>
          </table>
        </div>
        {filtered.length > limit ? (
          <button type="button" className="btn btn-small" onClick={() => setLimit((l) => l + PAGE)}>
            Show {Math.min(PAGE, filtered.length - limit)} more
          </button>
        ) : null}
      </DataState>
    </div>
  );
}
