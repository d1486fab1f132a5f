'use client';

import { useMemo } from 'react';
import { DataState } from '@/components/data-state';
import { Panel } from '@/components/panel';
import { useSession, useSessionEvents } from '@/lib/client/hooks/use-session';
import { useZoomRange } from '@/lib/client/hooks/use-zoom-range';
import type { SessionDetail, SessionEvent } from '@/lib/client/types';
import { AppDataPanel } from './app-data-panel';
import { ConnectionsSection } from './connections';
import { EventLog } from './event-log';
import { IssuesPanel } from './issues-panel';
import { MediaRequestsPanel } from './media-requests';
import { SessionBreadcrumbs, SessionHead } from './session-head';
import { EmptySessionHint } from './empty-session-hint';
import { emptySessionReason, sessionDomain, sessionSummary } from './session-model';
import { ClientPanel, SummaryPanel } from './session-overview';
import { SessionTracks } from './session-tracks';

/** One session: who and what, its analysis, connections, tracks on a zoomable time axis, and the event log. */
export function SessionPageClient({ id }: { id: string }) {
  const query = useSession(id);
  // Asked for with the session, not after it: the log is the slower of the two.
  const events = useSessionEvents(id);
  const detail = query.data;
  return (
    <section className="page" aria-labelledby="session-title">
      <SessionBreadcrumbs conference={detail?.session.conference} />
      <DataState testId="session-state" query={query} loadingLabel="Loading the session…">
        {detail ? <SessionView detail={detail} events={events} /> : null}
      </DataState>
    </section>
  );
}

const NO_EVENTS: SessionEvent[] = [];

function SessionView({ detail, events }: { detail: SessionDetail; events: ReturnType<typeof useSessionEvents> }) {
  const full = useMemo(() => sessionDomain(detail), [detail]);
  const zoom = useZoomRange(full);
  const summary = sessionSummary(detail);
  const client = detail.analysis?.client ?? null;
  const s = detail.session;
  const eventList = events.data?.events ?? NO_EVENTS;
  const emptyReason = emptySessionReason(detail);

  return (
    <>
      <SessionHead session={s} verdict={summary?.verdict} analysed={detail.analysis != null} />
      {emptyReason ? <EmptySessionHint reason={emptyReason} /> : null}
      <div className="grid-2">
        <ClientPanel session={s} client={client} />
        <SummaryPanel summary={summary} />
      </div>
      <AppDataPanel detail={detail} />
      <IssuesPanel issues={detail.issues} onZoom={zoom.select} />
      <MediaRequestsPanel requests={client?.mediaRequests ?? []} />
      <ConnectionsSection analysis={detail.analysis} events={eventList} />
      <SessionTracks tracks={detail.tracks} syncId={`session:${s.id}`} zoom={zoom} />
      <Panel title="Event log" titleId="events-title">
        <EventLog
          events={eventList}
          isLoading={events.isPending}
          error={events.error}
          start={s.start}
          truncated={events.data?.truncated}
        />
      </Panel>
      {detail.analysis?.warnings.length ? (
        <Panel title="Decoder warnings">
          <ul className="small muted">
            {detail.analysis.warnings.map((w, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: read-only list, never reordered; identical entries are possible
              <li key={`${w}-${i}`}>{w}</li>
            ))}
          </ul>
        </Panel>
      ) : null}
    </>
  );
}
