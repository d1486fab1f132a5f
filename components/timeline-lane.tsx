'use client';

import { CHART_MARGIN, Y_AXIS_WIDTH } from '@/components/charts/time-series-chart';
import type { TimelineEvent } from '@/lib/client/types';
import { useTimeFormat } from '@/components/display-zone-provider';

const TYPE_TEXT: Record<string, string> = {
  joined: 'Joined',
  rejoined: 'Rejoined',
  left: 'Left',
  ice: 'ICE',
  connection: 'Connection',
  issue: 'Issue',
  app: 'App event',
};

function markerClass(e: TimelineEvent): string {
  if (e.type === 'issue') return `marker marker-issue severity-${e.severity ?? 'warning'}`;
  if (e.type === 'app') return 'marker marker-app';
  if (/failed|disconnected|closed/i.test(e.label)) return `marker marker-${e.type} marker-bad`;
  return `marker marker-${e.type}`;
}

/**
 * A participant's lane on the shared time axis: presence bars per session, and markers for joins, leaves,
 * rejoins, ICE/connection state changes, issues and the page's own trace calls ("App event"). Lined up with the
 * charts' plot area below it.
 */
export function TimelineLane({
  domain,
  spans,
  events,
  testId = 'timeline-lane',
}: {
  domain: [number, number];
  spans: { start: number | null; end: number | null; label: string }[];
  events: TimelineEvent[];
  testId?: string;
}) {
  const { formatTime } = useTimeFormat();
  const [from, to] = domain;
  const width = Math.max(1, to - from);
  const pos = (t: number) => `${Math.min(100, Math.max(0, ((t - from) / width) * 100))}%`;
  const visible = events.filter((e) => e.time >= from && e.time <= to).sort((a, b) => a.time - b.time);
  return (
    <div className="timeline" data-testid={testId} data-events={visible.length}>
      <div className="timeline-lane" style={{ marginLeft: Y_AXIS_WIDTH, marginRight: CHART_MARGIN.right }}>
        {spans.map((s, i) =>
          s.start == null ? null : (
            <div
              // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
              key={`${s.start}-${i}`}
              className="presence"
              title={s.label}
              style={{
                left: pos(Math.max(s.start, from)),
                width: `${Math.max(0.5, ((Math.min(s.end ?? to, to) - Math.max(s.start, from)) / width) * 100)}%`,
              }}
            />
          ),
        )}
        {visible.map((e, i) => (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
            key={`${e.time}-${i}`}
            className={markerClass(e)}
            style={{ left: pos(e.time) }}
            title={`${formatTime(e.time)} · ${TYPE_TEXT[e.type] ?? e.type}: ${e.label}`}
            data-testid="timeline-event"
            data-type={e.type}
          />
        ))}
      </div>
      <details className="timeline-details">
        <summary>
          Events ({visible.length}
          {visible.length !== events.length ? ` of ${events.length}` : ''})
        </summary>
        <ol className="timeline-list">
          {visible.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
            <li key={`${e.time}-${i}`} className={`timeline-item timeline-${e.type}`}>
              <time dateTime={new Date(e.time).toISOString()}>{formatTime(e.time)}</time>
              <span className="badge">{TYPE_TEXT[e.type] ?? e.type}</span>
              <span>{e.label}</span>
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}
