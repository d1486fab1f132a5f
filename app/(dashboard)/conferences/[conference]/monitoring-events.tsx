'use client';

import { DataState } from '@/components/data-state';
import { DataTable } from '@/components/data-table';
import { useTimeFormat } from '@/components/display-zone-provider';
import { useConferenceEvents } from '@/lib/client/hooks/use-conference-events';
import { monitoringEventDetail, monitoringEventTitle, SOURCE_TEXT } from '@/lib/client/monitoring-event-text';

/**
 * The conference's session-monitoring events in their stored order, beside the analysis timeline of each column:
 * who joined and left, which streams were sent, issues, policy violations, and the platform's own callbacks
 * (labelled by source).
 */
export function MonitoringEventsPanel({ name, live }: { name: string; live: boolean }) {
  const query = useConferenceEvents(name, live);
  const { formatDateTime } = useTimeFormat();
  const events = query.data?.events ?? [];
  return (
    <div className="panel" data-testid="monitoring-events-panel">
      <h2 className="panel-title">Session monitoring events</h2>
      <DataState
        testId="monitoring-events"
        query={query}
        isEmpty={events.length === 0}
        loadingLabel="Loading the monitoring events…"
        empty={<p>No monitoring events for this conference.</p>}
      >
        <DataTable
          compact
          caption="Session monitoring events"
          columns={['Time', 'Source', 'Event', 'Participant', 'Detail']}
          wrapClassName="monitoring-events-wrap"
        >
          {events.map((e) => (
            <tr key={e.id} data-testid="monitoring-event" data-event={e.event} data-source={e.source}>
              <td className="mono">
                <time dateTime={e.occurredAt}>{formatDateTime(Date.parse(e.occurredAt))}</time>
              </td>
              <td>
                <span className={`badge source source-${e.source}`}>{SOURCE_TEXT[e.source] ?? e.source}</span>
              </td>
              <td>{monitoringEventTitle(e)}</td>
              <td>{e.userId ?? e.connectionId ?? '—'}</td>
              <td className="muted">{monitoringEventDetail(e)}</td>
            </tr>
          ))}
        </DataTable>
      </DataState>
    </div>
  );
}
