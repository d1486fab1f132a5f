'use client';

import { useMemo } from 'react';
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { ChartFrame } from '@/components/charts/chart-frame';
import { timeTicks } from '@/components/charts/time-series-chart';
import { CopyId } from '@/components/copy-field';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { SessionTable } from '@/components/session-table';
import { IssueBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import { useUser } from '@/lib/client/hooks/use-user';
import type { SessionListItem, UserDetail } from '@/lib/client/types';
import { UserDataActions } from './user-data-actions';

const QUALITY_COLORS: Record<string, string> = {
  good: 'var(--good)',
  fair: 'var(--warn)',
  poor: 'var(--bad)',
  unknown: 'var(--muted)',
  'no-media': 'var(--muted)',
};
const QUALITIES = ['good', 'fair', 'poor', 'unknown'] as const;

/** A user: their sessions over time (by quality), the issues that keep coming back, and every session. */
export function UserPageClient({ user }: { user: string }) {
  const { formatDateTime } = useTimeFormat();
  const query = useUser(user);
  const detail = query.data;
  const sessions = detail?.sessions ?? [];

  return (
    <section className="page" aria-labelledby="user-title">
      <Breadcrumbs links={[{ href: `/?q=${encodeURIComponent(user)}`, label: 'Search' }]} current="User" />
      <div className="page-head">
        <h1 id="user-title">
          <CopyId value={user} label="User id" testId="user-id" />
        </h1>
        <UserDataActions user={user} />
        {detail ? (
          <p className="muted" data-testid="user-meta">
            {detail.user.sessionCount} session{detail.user.sessionCount === 1 ? '' : 's'} · first seen{' '}
            {formatDateTime(detail.user.firstSeen)} · last seen {formatDateTime(detail.user.lastSeen)}
          </p>
        ) : null}
      </div>
      <DataState testId="user-state" query={query} isEmpty={sessions.length === 0} empty="This user has no sessions.">
        <div className="grid-2 grid-2-wide">
          <div className="panel">
            <h2 className="panel-title">Sessions over time</h2>
            <SessionsChart sessions={sessions} />
          </div>
          <RecurringIssues issues={detail?.recurringIssues ?? []} sessions={sessions} />
        </div>
        <div className="panel">
          <h2 className="panel-title">Sessions</h2>
          <SessionTable sessions={sessions} showUser={false} caption={`Sessions of ${user}`} testId="user-sessions" />
        </div>
      </DataState>
    </section>
  );
}

/** Each session a dot: when it started, how long it lasted, coloured by its quality. */
function SessionsChart({ sessions }: { sessions: SessionListItem[] }) {
  const { formatDateTime } = useTimeFormat();
  const points = useMemo(
    () =>
      sessions
        .filter((s) => s.start != null)
        .map((s) => ({
          t: s.start as number,
          minutes: Math.round(((s.durationMs ?? 0) / 60_000) * 10) / 10,
          quality: QUALITIES.includes(s.quality as (typeof QUALITIES)[number]) ? (s.quality as string) : 'unknown',
          id: s.id,
        })),
    [sessions],
  );
  const domain = useMemo<[number, number]>(() => {
    if (!points.length) return [0, 1];
    const ts = points.map((p) => p.t);
    const from = Math.min(...ts);
    const to = Math.max(...ts);
    const pad = Math.max(60_000, (to - from) * 0.03);
    return [from - pad, to + pad];
  }, [points]);

  return (
    <>
      <ChartFrame
        height={200}
        testId="user-sessions-chart"
        points={points.map((p) => [p.t, p.minutes] as [number, number])}
      >
        <ResponsiveContainer width="100%" height="100%">
          <ScatterChart margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={domain}
              ticks={timeTicks(domain)}
              tickFormatter={(v: number) =>
                domain[1] - domain[0] < 2 * 86_400_000
                  ? new Date(v).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
                  : new Date(v).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
              }
              tick={{ fontSize: 11, fill: 'var(--muted)' }}
            />
            <YAxis
              dataKey="minutes"
              name="Duration"
              width={56}
              tickFormatter={(v: number) => `${v}m`}
              tick={{ fontSize: 11, fill: 'var(--muted)' }}
            />
            <Tooltip
              isAnimationActive={false}
              formatter={(value, name) => (name === 't' ? formatDateTime(Number(value)) : `${value} min`)}
              labelFormatter={() => ''}
            />
            {QUALITIES.map((q) => (
              <Scatter
                key={q}
                name={q}
                data={points.filter((p) => p.quality === q)}
                fill={QUALITY_COLORS[q]}
                isAnimationActive={false}
              />
            ))}
          </ScatterChart>
        </ResponsiveContainer>
      </ChartFrame>
      <p className="legend small">
        {QUALITIES.map((q) => (
          <span key={q}>
            <span className="legend-dot" style={{ background: QUALITY_COLORS[q] }} /> {q}
          </span>
        ))}
      </p>
    </>
  );
}

/** The issue types that keep coming back in the user's sessions (in how many), and their total time in calls. */
function RecurringIssues({ issues, sessions }: { issues: UserDetail['recurringIssues']; sessions: SessionListItem[] }) {
  return (
    <div className="panel" data-testid="recurring-issues">
      <h2 className="panel-title">Recurring issues</h2>
      {issues.length ? (
        <ul className="plain recurring">
          {issues.map((r) => (
            <li key={r.type}>
              <IssueBadge type={r.type} />
              <span className="muted small">
                in {r.count} of {sessions.length} session{sessions.length === 1 ? '' : 's'}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No issues in this user&apos;s sessions.</p>
      )}
      <p className="small muted">
        Total time in calls: {formatDuration(sessions.reduce((n, s) => n + (s.durationMs ?? 0), 0))}
      </p>
    </div>
  );
}
