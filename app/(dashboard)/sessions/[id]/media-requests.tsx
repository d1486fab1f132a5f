'use client';

import { DataTable } from '@/components/data-table';
import { useTimeFormat } from '@/components/display-zone-provider';
import { Panel } from '@/components/panel';
import type { ClientInfo } from '@/lib/stats/analyze/types';

const COLUMNS = ['Time', 'Call', 'Result', 'Tracks', 'Constraints'];

/** The client's getUserMedia / getDisplayMedia calls: what was asked for, and what came back or failed. */
export function MediaRequestsPanel({ requests }: { requests: ClientInfo['mediaRequests'] }) {
  const { formatTime } = useTimeFormat();
  return (
    <Panel title="Camera, microphone and screen requests" titleId="media-title" testId="media-requests">
      {requests.length ? (
        <DataTable columns={COLUMNS} compact>
          {requests.map((r, i) => (
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
        </DataTable>
      ) : (
        <p className="muted">No getUserMedia / getDisplayMedia calls recorded.</p>
      )}
    </Panel>
  );
}
