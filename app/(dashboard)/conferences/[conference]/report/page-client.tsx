'use client';

import { useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { TrackPanel } from '@/components/track-panel';
import { QualityBadge } from '@/components/ui/badges';
import {
  bitrateCauseLabel,
  faultLabel,
  formatBitrate,
  formatDuration,
  formatNumber,
  issueLabel,
} from '@/lib/client/format';
import { useConference } from '@/lib/client/hooks/use-conference';
import type { ConferenceDetail, TimelineEvent, TrackMetric } from '@/lib/client/types';
import { zoomRange } from '@/lib/client/zoom-range';
import { describePairs, fullDomain, participantName, reportTracks, senderOf } from '../conference-model';

/** The report's key charts per track: what a reader of a printed page looks for first. */
const REPORT_METRICS: TrackMetric[] = ['bitrate', 'packetLossPct'];
/** A printed timeline past this many events says how many more the conference page has. */
const TIMELINE_LIMIT = 400;

const TYPE_TEXT: Record<TimelineEvent['type'], string> = {
  joined: 'Joined',
  rejoined: 'Rejoined',
  left: 'Left',
  ice: 'ICE',
  connection: 'Connection',
  issue: 'Issue',
  app: 'App event',
};

/**
 * A conference as a document to print or save as a PDF: participants, streams with their verdicts, each
 * participant's bitrate and loss charts, issues and the timeline; `@media print` (components/app.css) drops the
 * app's frame and starts each section on a new page. The zoom range of the link (`from` / `to`) is kept.
 */
export function ConferenceReportClient({ name, initialData }: { name: string; initialData?: ConferenceDetail }) {
  const query = useConference(name, initialData);
  const detail = query.data;
  const params = useSearchParams();
  const zoomFrom = params.get('from');
  const zoomTo = params.get('to');
  const range = useMemo(() => zoomRange(zoomFrom, zoomTo), [zoomFrom, zoomTo]);
  const domain = useMemo<[number, number] | null>(
    () => (range ? [range.from, range.to] : detail ? fullDomain(detail) : null),
    [range, detail],
  );
  const back = `/conferences/${encodeURIComponent(name)}${params.size ? `?${params.toString()}` : ''}`;

  return (
    <article className="page report" aria-labelledby="report-title" data-testid="conference-report">
      <div className="no-print">
        <Breadcrumbs
          links={[
            { href: `/?q=${encodeURIComponent(name)}`, label: 'Search' },
            { href: back, label: 'Conference' },
          ]}
          current="Report"
        />
      </div>
      <div className="page-head page-head-row">
        <h1 id="report-title">Conference report: {name}</h1>
        <button
          type="button"
          className="btn btn-primary no-print"
          onClick={() => window.print()}
          data-testid="report-print"
        >
          Print / Save as PDF
        </button>
      </div>
      <DataState
        testId="conference-report-state"
        query={query}
        isEmpty={!detail || detail.participants.length === 0 || !domain}
        loadingLabel="Loading the report…"
        empty={<p data-testid="report-empty">No sessions in this conference yet: nothing to report.</p>}
      >
        {detail && domain ? <ReportBody name={name} detail={detail} domain={domain} range={range} /> : null}
      </DataState>
    </article>
  );
}

function ReportBody({
  name,
  detail,
  domain,
  range,
}: {
  name: string;
  detail: ConferenceDetail;
  domain: [number, number];
  range: { from: number; to: number } | undefined;
}) {
  const { formatDateTime, formatTime } = useTimeFormat();
  const pairs = useMemo(() => describePairs(detail), [detail]);
  const senders = useMemo(() => senderOf(pairs), [pairs]);
  const charted = useMemo(() => reportTracks(detail), [detail]);
  const owner = useMemo(() => {
    const map = new Map<string, string>();
    for (const p of detail.participants) for (const s of p.sessions) map.set(s.id, participantName(p));
    return map;
  }, [detail]);
  const events = useMemo(
    () =>
      detail.timeline
        .flatMap((lane) => lane.events.map((e) => ({ ...e, who: owner.get(lane.sessionId) ?? lane.user })))
        .filter((e) => e.time >= domain[0] && e.time <= domain[1])
        .sort((a, b) => a.time - b.time),
    [detail, owner, domain],
  );
  const issues = events.filter((e) => e.type === 'issue');
  const degraded = pairs.filter((p) => p.verdicts.length > 0).length;

  return (
    <>
      <p className="report-meta" data-testid="report-meta">
        {range ? 'Zoomed' : 'Whole call'}: {formatDateTime(domain[0])} – {formatTime(domain[1])} (
        {formatDuration(domain[1] - domain[0])}) · {detail.participants.length} participant
        {detail.participants.length === 1 ? '' : 's'} · {detail.conference.sessionCount} session
        {detail.conference.sessionCount === 1 ? '' : 's'}
        {detail.conference.live ? ' · still in progress' : ''}
      </p>

      <section className="report-section" aria-labelledby="report-participants">
        <h2 id="report-participants">Participants</h2>
        <table className="report-table" data-testid="report-participants">
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Session</th>
              <th scope="col">Joined</th>
              <th scope="col">Duration</th>
              <th scope="col">Client</th>
              <th scope="col">Quality</th>
              <th scope="col">Issues</th>
            </tr>
          </thead>
          <tbody>
            {detail.participants.flatMap((p) =>
              p.sessions.map((s, i) => (
                <tr key={s.id} data-testid="report-participant" data-user={p.user}>
                  <td>{i === 0 ? participantName(p) : ''}</td>
                  <td className="mono small">{s.session ?? s.id}</td>
                  <td>{formatTime(s.start)}</td>
                  <td>{formatDuration(s.durationMs)}</td>
                  <td>{[s.browser, s.browserVersion, s.os].filter(Boolean).join(' ') || 'unknown'}</td>
                  <td>
                    <QualityBadge quality={s.quality} />
                  </td>
                  <td>{s.issueTypes.map(issueLabel).join(', ') || '—'}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>

        <h2 id="report-pairs">Streams and verdicts</h2>
        <p className="muted small">
          {pairs.length} received stream{pairs.length === 1 ? '' : 's'}, {degraded} degraded.
        </p>
        {pairs.length ? (
          <table className="report-table report-pairs" data-testid="report-pairs" aria-labelledby="report-pairs">
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">Delivery</th>
                <th scope="col">Verdict</th>
              </tr>
            </thead>
            <tbody>
              {pairs.map((p) => {
                const c = p.pair.comparison;
                return (
                  <tr key={p.key} data-testid="report-pair">
                    <td>{p.sentence}</td>
                    <td className="small">
                      {c
                        ? `${formatBitrate(c.senderAvgBitrate)} sent · ${formatBitrate(c.receiverAvgBitrate)} received${
                            c.receiverAvgLossPct != null ? ` · loss ${formatNumber(c.receiverAvgLossPct)}%` : ''
                          }`
                        : p.pair.outbound
                          ? '—'
                          : 'sender not found'}
                    </td>
                    <td className="small">
                      {p.verdicts.length === 0 ? (
                        p.pair.outbound ? (
                          'Delivered fine'
                        ) : (
                          (p.pair.reason ?? '—')
                        )
                      ) : (
                        <ul className="report-verdicts">
                          {p.verdicts.map((v, i) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: read-only list; two periods may read the same
                            <li key={i} data-testid="report-verdict">
                              <strong>{faultLabel(v.fault)}</strong>
                              {bitrateCauseLabel(v.bitrateCause)
                                ? ` (bitrate: ${bitrateCauseLabel(v.bitrateCause)})`
                                : ''}
                              {v.start != null && v.end != null ? ` ${formatTime(v.start)}–${formatTime(v.end)}` : ''}:{' '}
                              {v.text}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p className="muted">No received streams were matched to a sender.</p>
        )}
      </section>

      {charted.map(({ participant, tracks, more }) => (
        <section
          key={participant.user}
          className="report-section report-charts"
          data-testid="report-charts"
          data-user={participant.user}
          aria-label={`Charts: ${participantName(participant)}`}
        >
          <h2>Charts: {participantName(participant)}</h2>
          {tracks.length === 0 ? <p className="muted">No media tracks.</p> : null}
          <div className="report-track-grid">
            {tracks.map((track) => (
              <TrackPanel
                key={`${track.sessionId}|${track.trackKey}`}
                track={track}
                domain={domain}
                range={range}
                syncId={`report:${name}`}
                peer={senders.get(`${track.sessionId}|${track.trackKey}`) ?? null}
                only={REPORT_METRICS}
                chartHeight={80}
              />
            ))}
          </div>
          {more ? (
            <p className="muted small">
              {more} more track{more === 1 ? '' : 's'} on the conference page.
            </p>
          ) : null}
        </section>
      ))}

      <section className="report-section" aria-labelledby="report-issues">
        <h2 id="report-issues">Issues</h2>
        {issues.length ? (
          <EventTable events={issues} testId="report-issues" />
        ) : (
          <p className="muted" data-testid="report-issues-empty">
            No issues detected in this range.
          </p>
        )}
        <h2 id="report-timeline">Timeline</h2>
        {events.length ? (
          <EventTable events={events.slice(0, TIMELINE_LIMIT)} testId="report-timeline" />
        ) : (
          <p className="muted">No events in this range.</p>
        )}
        {events.length > TIMELINE_LIMIT ? (
          <p className="muted small">{events.length - TIMELINE_LIMIT} more events on the conference page.</p>
        ) : null}
      </section>
    </>
  );
}

function EventTable({ events, testId }: { events: (TimelineEvent & { who: string })[]; testId: string }) {
  const { formatTime } = useTimeFormat();
  return (
    <table className="report-table" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Participant</th>
          <th scope="col">Event</th>
          <th scope="col">What</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: read-only list; two events may share time and text
          <tr key={`${e.time}-${i}`}>
            <td className="mono small">{formatTime(e.time)}</td>
            <td>{e.who}</td>
            <td>{TYPE_TEXT[e.type]}</td>
            <td>
              {e.severity ? <span className={`badge severity-${e.severity}`}>{e.severity}</span> : null} {e.label}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
