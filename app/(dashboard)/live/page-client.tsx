'use client';

import Link from 'next/link';
import { DataState } from '@/components/data-state';
import { useTimeFormat } from '@/components/display-zone-provider';
import { IssueBadge, LiveBadge, QualityBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import { LIVE_POLL_MS, useLive } from '@/lib/client/hooks/use-live';

export function LivePageClient() {
  const { formatTime } = useTimeFormat();
  const query = useLive();
  const conferences = query.data?.conferences ?? [];
  const sessions = conferences.reduce((n, c) => n + c.sessions.length, 0);
  return (
    <section className="page" aria-labelledby="live-title">
      <div className="page-head page-head-row">
        <div>
          <h1 id="live-title">Live calls</h1>
          <p className="muted" aria-live="polite" data-testid="live-summary">
            {conferences.length} conference{conferences.length === 1 ? '' : 's'} · {sessions} session
            {sessions === 1 ? '' : 's'} in progress
          </p>
        </div>
        <p className="small muted" data-testid="live-updated">
          {query.isFetching ? <span className="spinner spinner-small" aria-hidden="true" /> : null} Updates every{' '}
          {LIVE_POLL_MS / 1000} s{query.dataUpdatedAt ? ` · last ${formatTime(query.dataUpdatedAt)}` : ''}
        </p>
      </div>
      <DataState
        testId="live-state"
        query={query}
        isEmpty={conferences.length === 0}
        empty={
          <div data-testid="live-empty">
            <strong>No calls in progress.</strong>
            <p className="muted">Calls show up here within seconds of a client connecting.</p>
          </div>
        }
      >
        <div className="live-grid">
          {conferences.map((c) => {
            const isRoom = c.name != null && !c.name.startsWith('(no conference)');
            return (
              <article
                key={c.name ?? c.sessions[0]?.id}
                className="panel live-card"
                data-testid="live-conference"
                data-conference={c.name ?? ''}
              >
                <header className="live-card-head">
                  <h2>
                    {isRoom ? (
                      <Link href={`/conferences/${encodeURIComponent(c.name as string)}`}>{c.name}</Link>
                    ) : (
                      'No conference id'
                    )}
                  </h2>
                  <LiveBadge />
                  <span className="muted small">
                    {c.participants} participant{c.participants === 1 ? '' : 's'}
                  </span>
                </header>
                <ul className="plain live-sessions">
                  {c.sessions.map((s) => (
                    <li key={s.id} data-testid="live-session">
                      <Link href={`/sessions/${encodeURIComponent(s.id)}`}>{s.user ?? s.session ?? s.id}</Link>
                      <span className="muted small">
                        {' '}
                        since {formatTime(s.start)} · {formatDuration(s.start != null ? Date.now() - s.start : null)} ·{' '}
                        {[s.browser, s.os].filter(Boolean).join(' / ') || 'unknown client'}
                      </span>{' '}
                      {s.quality ? <QualityBadge quality={s.quality} /> : null}
                      {s.issueTypes.map((t) => (
                        <IssueBadge key={t} type={t} />
                      ))}
                    </li>
                  ))}
                </ul>
              </article>
            );
          })}
        </div>
      </DataState>
    </section>
  );
}
