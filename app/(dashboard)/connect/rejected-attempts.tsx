'use client';

import { DataState } from '@/components/data-state';
import { DataTable } from '@/components/data-table';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Panel } from '@/components/panel';
import { useRejectedAttempts } from '@/lib/client/hooks/use-connect';
import type { ConnectionAttemptDto } from '@/lib/schemas/connect';

/**
 * The last 200 refused ingest connection attempts, newest first: the reason exactly as the client was told (close
 * reason or HTTP error), and who tried (origin, user agent, obfuscated address, protocol).
 */
export function RejectedAttempts() {
  const query = useRejectedAttempts();
  const attempts = query.data?.attempts ?? [];
  const notRecorded = query.data?.notRecorded ?? 0;
  return (
    <Panel title="Rejected connection attempts" titleId="rejections-title" testId="rejections-panel">
      <DataState
        testId="rejections-state"
        query={query}
        isEmpty={attempts.length === 0}
        loadingLabel="Loading refused attempts…"
        empty={
          <div data-testid="rejections-empty">
            <strong>No refused attempts.</strong>
            <p className="muted small">
              A client whose data does not arrive and that is not listed here never reached this server: check the URL
              in the snippet, and that proxies in front pass WebSocket upgrades.
            </p>
          </div>
        }
      >
        <p className="muted small" aria-live="polite">
          The last {attempts.length} refused, newest first.
          {notRecorded > 0
            ? ` ${notRecorded} more were refused but only counted (this node records ${query.data?.perSecond} a second).`
            : ''}
        </p>
        <DataTable
          testId="rejections-table"
          caption="Rejected connection attempts"
          compact
          wrapClassName="attempts-table"
          columns={['Time', 'Reason', 'Protocol', 'Origin', 'User agent', 'Address']}
        >
          {attempts.map((a) => (
            <AttemptRow key={a.id} attempt={a} />
          ))}
        </DataTable>
      </DataState>
    </Panel>
  );
}

function AttemptRow({ attempt: a }: { attempt: ConnectionAttemptDto }) {
  const { formatDateTime } = useTimeFormat();
  return (
    <tr data-testid="rejection-row" data-reason={a.reason}>
      <td className="nowrap">{formatDateTime(a.at)}</td>
      <td>
        <span className="reason" title={a.logLine ?? undefined}>
          {a.reason}
        </span>
        <div className="muted small">
          {a.transport === 'websocket' ? `close ${a.code}` : `HTTP ${a.code}`}
          {a.logLine ? ` · ${a.logLine}` : ''}
        </div>
      </td>
      <td className="small">
        {a.transport}
        {a.protocol ? <div className="mono">{a.protocol}</div> : null}
      </td>
      <td className="small">{a.origin ?? <span className="muted">—</span>}</td>
      <td className="small ua" title={a.userAgent ?? undefined}>
        {a.userAgent ?? <span className="muted">—</span>}
      </td>
      <td className="small mono">{a.remoteAddress ?? <span className="muted">—</span>}</td>
    </tr>
  );
}
