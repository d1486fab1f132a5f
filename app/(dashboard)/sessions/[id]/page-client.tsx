'use client';

import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { DataState } from '@/components/data-state';
import { useStaff } from '@/components/layout/staff-context';
import { TrackPanel } from '@/components/track-panel';
import { IssueBadge, LiveBadge, QualityBadge, SeverityBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import { useSession, useSessionEvents } from '@/lib/client/hooks/use-session';
import type { SessionDetail, TrackDto } from '@/lib/client/types';
import type { SessionSummary } from '@/lib/stats/analyze/types';
import { hasRole } from '@/lib/shared/roles';
import { ConnectionCard, candidatesFromEvents } from './connections';
import { EventLog } from './event-log';
import { useTimeFormat } from '@/components/display-zone-provider';

function numberParam(v: string | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function sessionSummary(detail: SessionDetail): SessionSummary | null {
  const s = detail.analysis?.summary;
  if (!s) return null;
  return 'summary' in s ? s.summary : s;
}

function sessionDomain(detail: SessionDetail): [number, number] | null {
  const starts = [detail.session.start, ...detail.tracks.map((t) => t.startTime)].filter((v): v is number => v != null);
  const ends = [detail.session.live ? Date.now() : detail.session.end, ...detail.tracks.map((t) => t.endTime)].filter(
    (v): v is number => v != null,
  );
  if (!starts.length) return null;
  const from = Math.min(...starts);
  return [from, Math.max(from + 1000, ...ends)];
}

/** Sent before received, audio before video, then by connection. */
function sortTracks(tracks: TrackDto[]): TrackDto[] {
  const rank = (t: TrackDto) => (t.direction === 'outbound' ? 0 : 2) + (t.kind === 'audio' ? 0 : 1);
  return [...tracks].sort((a, b) => rank(a) - rank(b) || a.pcId.localeCompare(b.pcId) || a.trackKey.localeCompare(b.trackKey));
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children ?? <span className="muted">—</span>}</dd>
    </div>
  );
}

export function SessionPageClient({ id }: { id: string }) {
  const { formatTime, formatDateTime } = useTimeFormat();
  const router = useRouter();
  const pathname = usePathname() ?? '';
  const params = useSearchParams();
  const staff = useStaff();
  const query = useSession(id);
  const events = useSessionEvents(id);
  const detail = query.data;
  const canDownload = hasRole(staff?.role, 'engineer');

  const full = useMemo(() => (detail ? sessionDomain(detail) : null), [detail]);
  const zoomFrom = numberParam(params.get('from'));
  const zoomTo = numberParam(params.get('to'));
  const zoomed = zoomFrom != null && zoomTo != null && zoomTo > zoomFrom;
  const domain = useMemo<[number, number] | null>(
    () => (zoomed ? [zoomFrom as number, zoomTo as number] : full),
    [zoomed, zoomFrom, zoomTo, full],
  );
  const range = useMemo(() => (zoomed ? { from: zoomFrom, to: zoomTo } : undefined), [zoomed, zoomFrom, zoomTo]);
  const setRange = useCallback(
    (from: number | null, to: number | null) => {
      const next = new URLSearchParams(params.toString());
      if (from == null || to == null) {
        next.delete('from');
        next.delete('to');
      } else {
        next.set('from', String(Math.round(from)));
        next.set('to', String(Math.round(to)));
      }
      const qs = next.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  const onRangeSelect = useCallback((from: number, to: number) => setRange(from, to), [setRange]);

  const candidates = useMemo(() => candidatesFromEvents(events.data?.events ?? []), [events.data]);
  const summary = detail ? sessionSummary(detail) : null;
  const client = detail?.analysis?.client ?? null;
  const s = detail?.session;

  return (
    <section className="page" aria-labelledby="session-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/">Search</Link>
        {s?.conference ? (
          <>
            {' / '}
            <Link href={`/conferences/${encodeURIComponent(s.conference)}`}>{s.conference}</Link>
          </>
        ) : null}
        {' / '}Session
      </nav>
      <DataState
        testId="session-state"
        isLoading={query.isPending}
        error={query.error}
        onRetry={() => query.refetch()}
        loadingLabel="Loading the session…"
      >
        {detail && s ? (
          <>
            <div className="page-head page-head-row">
              <div>
                <h1 id="session-title">
                  Session <span className="mono">{s.session ?? s.id}</span> {s.live ? <LiveBadge /> : null}
                </h1>
                <p className="muted" data-testid="session-meta">
                  {s.user ? (
                    <>
                      User <Link href={`/users/${encodeURIComponent(s.user)}`}>{s.user}</Link>
                    </>
                  ) : (
                    'Unknown user'
                  )}
                  {s.conference ? (
                    <>
                      {' '}
                      in <Link href={`/conferences/${encodeURIComponent(s.conference)}`}>{s.conference}</Link>
                    </>
                  ) : null}{' '}
                  · {formatDateTime(s.start)} · {formatDuration(s.durationMs)} · {s.format} via {s.source}
                  {s.historical ? ' · historical' : ''}
                </p>
              </div>
              <div className="head-actions">
                <QualityBadge quality={summary?.verdict ?? s.quality} />
                {canDownload ? (
                  <a
                    className="btn"
                    href={`/api/v1/sessions/${encodeURIComponent(s.id)}/dump`}
                    download
                    data-testid="download-dump"
                  >
                    Download raw dump
                  </a>
                ) : null}
              </div>
            </div>

            {s.processing?.error ? (
              <p className="banner banner-error" role="alert">
                Analysis failed: {s.processing.error}
              </p>
            ) : null}
            {!detail.analysis ? (
              <p className="banner banner-info" data-testid="not-analysed">
                {s.live ? 'This session is in progress; charts appear once it is analysed.' : 'This session has not been analysed yet.'}
              </p>
            ) : null}

            <div className="grid-2">
              <section className="panel" aria-labelledby="client-title" data-testid="client-info">
                <h2 id="client-title" className="panel-title">
                  Client
                </h2>
                <dl className="kv">
                  <Field label="Browser">
                    {[client?.browser.name ?? s.browser, client?.browser.version ?? s.browserVersion].filter(Boolean).join(' ') || null}
                  </Field>
                  <Field label="OS">{[client?.os.name ?? s.os, client?.os.version].filter(Boolean).join(' ') || null}</Field>
                  <Field label="Device">{[client?.platformType, client?.engine].filter(Boolean).join(' · ') || null}</Field>
                  <Field label="Hardware">
                    {client?.hardwareConcurrency || client?.deviceMemory
                      ? `${client?.hardwareConcurrency ?? '?'} cores · ${client?.deviceMemory ?? '?'} GB`
                      : null}
                  </Field>
                  <Field label="Screen">
                    {client?.screen
                      ? `${client.screen.width}×${client.screen.height}${client.screen.devicePixelRatio ? ` @${client.screen.devicePixelRatio}x` : ''}`
                      : null}
                  </Field>
                  <Field label="Device id">{s.deviceId ? <span className="mono small">{s.deviceId}</span> : null}</Field>
                  <Field label="Page">{s.url ?? s.origin ?? null}</Field>
                  <Field label="User agent">
                    {(client?.userAgent ?? s.userAgent) ? <span className="small">{client?.userAgent ?? s.userAgent}</span> : null}
                  </Field>
                  <Field label="Connection closed">
                    {s.closeCode != null ? `${s.closeCode}${s.closeReason ? ` (${s.closeReason})` : ''}` : null}
                  </Field>
                </dl>
              </section>

              <section className="panel" aria-labelledby="summary-title" data-testid="session-summary">
                <h2 id="summary-title" className="panel-title">
                  Summary
                </h2>
                {summary ? (
                  <dl className="kv">
                    <Field label="Verdict">
                      <QualityBadge quality={summary.verdict} />
                    </Field>
                    <Field label="Tracks">
                      {summary.outboundTracks} sent · {summary.inboundTracks} received
                    </Field>
                    <Field label="Audio MOS">
                      {summary.audioMos ? `${summary.audioMos.avg.toFixed(2)} avg · ${summary.audioMos.worst.toFixed(2)} worst` : null}
                    </Field>
                    <Field label="RTT">{summary.rttMs ? `${Math.round(summary.rttMs.avg)} ms avg · p95 ${Math.round(summary.rttMs.p95)} ms` : null}</Field>
                    <Field label="Worst inbound loss (p95)">
                      {summary.worstInboundLossPct != null ? `${summary.worstInboundLossPct.toFixed(1)}%` : null}
                    </Field>
                    <Field label="Issues">
                      {summary.issueCounts.critical} critical · {summary.issueCounts.warning} warnings · {summary.issueCounts.info} info
                    </Field>
                  </dl>
                ) : (
                  <p className="muted">No analysis yet.</p>
                )}
              </section>
            </div>

            <section className="panel" aria-labelledby="issues-title" data-testid="session-issues">
              <h2 id="issues-title" className="panel-title">
                Issues ({detail.issues.length})
              </h2>
              {detail.issues.length ? (
                <ul className="issue-list">
                  {detail.issues.map((issue, i) => (
                    <li key={issue.id ?? i} className="issue-item" data-testid="issue" data-issue={issue.type}>
                      <SeverityBadge severity={issue.severity} />
                      <IssueBadge type={issue.type} severity={issue.severity} />
                      <span>{issue.message}</span>
                      <span className="muted small">
                        {formatTime(issue.start)}
                        {issue.end != null && issue.end !== issue.start ? `–${formatTime(issue.end)}` : ''}
                        {issue.trackKey ?? issue.trackId ? ` · ${issue.trackKey ?? issue.trackId}` : ''}
                      </span>
                      {issue.start != null && issue.end != null && issue.end > issue.start ? (
                        <button
                          type="button"
                          className="link-button small"
                          onClick={() => onRangeSelect(issue.start as number, issue.end as number)}
                        >
                          zoom charts
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No issues detected.</p>
              )}
            </section>

            <section className="panel" aria-labelledby="media-title" data-testid="media-requests">
              <h2 id="media-title" className="panel-title">
                Camera, microphone and screen requests
              </h2>
              {client?.mediaRequests.length ? (
                <div className="table-wrap">
                  <table className="table table-compact">
                    <thead>
                      <tr>
                        <th scope="col">Time</th>
                        <th scope="col">Call</th>
                        <th scope="col">Result</th>
                        <th scope="col">Tracks</th>
                        <th scope="col">Constraints</th>
                      </tr>
                    </thead>
                    <tbody>
                      {client.mediaRequests.map((r, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
                        <tr key={`${r.time}-${i}`} className={r.result === 'failure' ? 'row-error' : undefined}>
                          <td className="small nowrap">{formatTime(r.time)}</td>
                          <td className="mono small">{r.kind}</td>
                          <td>
                            {r.result === 'failure' ? (
                              <span className="badge severity-critical">{r.error ?? 'failed'}</span>
                            ) : (
                              <span className={`badge ${r.result === 'success' ? 'quality-good' : 'muted'}`}>{r.result}</span>
                            )}
                          </td>
                          <td className="small">{r.tracks.map((t) => `${t.kind}: ${t.label}`).join(', ') || '—'}</td>
                          <td>
                            <details>
                              <summary className="small">show</summary>
                              <pre className="small">{JSON.stringify(r.constraints, null, 2)}</pre>
                            </details>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="muted">No getUserMedia / getDisplayMedia calls recorded.</p>
              )}
            </section>

            <section aria-labelledby="pc-title" data-testid="connections">
              <h2 id="pc-title" className="section-title">
                Peer connections ({detail.analysis?.connections.length ?? 0})
              </h2>
              {(detail.analysis?.connections ?? []).map((c) => (
                <ConnectionCard key={c.pc} connection={c} candidates={candidates} />
              ))}
              {detail.analysis && detail.analysis.connections.length === 0 ? <p className="muted">No peer connections.</p> : null}
            </section>

            <section aria-labelledby="tracks-title" data-testid="session-tracks">
              <div className="section-head">
                <h2 id="tracks-title" className="section-title">
                  Tracks ({detail.tracks.length})
                </h2>
                {domain ? (
                  <span className="small muted">
                    {zoomed ? 'Zoomed' : 'Whole session'}: {formatTime(domain[0])} – {formatTime(domain[1])} · drag on a chart to zoom{' '}
                    {zoomed ? (
                      <button type="button" className="btn btn-small" onClick={() => setRange(null, null)} data-testid="zoom-reset">
                        Whole session
                      </button>
                    ) : null}
                  </span>
                ) : null}
              </div>
              {domain && detail.tracks.length ? (
                <div className="track-grid">
                  {sortTracks(detail.tracks).map((t) => (
                    <div key={t.trackKey} className="panel">
                      <TrackPanel
                        track={t}
                        domain={domain}
                        range={range}
                        syncId={`session:${s.id}`}
                        onRangeSelect={onRangeSelect}
                        lazy={detail.tracks.length > 8}
                      />
                    </div>
                  ))}
                </div>
              ) : (
                <p className="muted">No media tracks.</p>
              )}
            </section>

            <section className="panel" aria-labelledby="events-title">
              <h2 id="events-title" className="panel-title">
                Event log
              </h2>
              <EventLog
                events={events.data?.events ?? []}
                isLoading={events.isPending}
                error={events.error}
                start={s.start}
                truncated={events.data?.truncated}
              />
            </section>

            {detail.analysis?.warnings.length ? (
              <section className="panel">
                <h2 className="panel-title">Decoder warnings</h2>
                <ul className="small muted">
                  {detail.analysis.warnings.map((w, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
                    <li key={`${w}-${i}`}>{w}</li>
                  ))}
                </ul>
              </section>
            ) : null}
          </>
        ) : null}
      </DataState>
    </section>
  );
}
