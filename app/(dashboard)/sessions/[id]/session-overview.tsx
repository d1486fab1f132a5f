'use client';

import { KvItem } from '@/components/kv-list';
import { Panel } from '@/components/panel';
import { QualityBadge } from '@/components/ui/badges';
import type { SessionDetail } from '@/lib/client/types';
import type { ClientInfo, SessionSummary } from '@/lib/stats/analyze/types';

/** Joins the parts that are known ("Chrome 131", "macOS 15"); null when none is, so the line shows a dash. */
function joined(parts: (string | number | null | undefined)[], separator = ' '): string | null {
  return parts.filter(Boolean).join(separator) || null;
}

/** What the client was: browser, system, hardware, page; the analysis' findings where the session row has less. */
export function ClientPanel({ session: s, client }: { session: SessionDetail['session']; client: ClientInfo | null }) {
  const userAgent = client?.userAgent ?? s.userAgent;
  return (
    <Panel title="Client" titleId="client-title" testId="client-info">
      <dl className="kv">
        <KvItem label="Browser">
          {joined([client?.browser.name ?? s.browser, client?.browser.version ?? s.browserVersion])}
        </KvItem>
        <KvItem label="OS">{joined([client?.os.name ?? s.os, client?.os.version])}</KvItem>
        <KvItem label="Device">{joined([client?.platformType, client?.engine], ' · ')}</KvItem>
        <KvItem label="Hardware">
          {client?.hardwareConcurrency || client?.deviceMemory
            ? `${client?.hardwareConcurrency ?? '?'} cores · ${client?.deviceMemory ?? '?'} GB`
            : null}
        </KvItem>
        <KvItem label="Screen">
          {client?.screen
            ? `${client.screen.width}×${client.screen.height}${client.screen.devicePixelRatio ? ` @${client.screen.devicePixelRatio}x` : ''}`
            : null}
        </KvItem>
        <KvItem label="Device id">{s.deviceId ? <span className="mono small">{s.deviceId}</span> : null}</KvItem>
        <KvItem label="Page">{s.url ?? s.origin ?? null}</KvItem>
        <KvItem label="User agent">{userAgent ? <span className="small">{userAgent}</span> : null}</KvItem>
        <KvItem label="Connection closed">
          {s.closeCode != null ? `${s.closeCode}${s.closeReason ? ` (${s.closeReason})` : ''}` : null}
        </KvItem>
      </dl>
    </Panel>
  );
}

/** The analysis in a few lines: verdict, tracks, audio MOS, RTT, worst loss, issue counts. */
export function SummaryPanel({ summary }: { summary: SessionSummary | null }) {
  return (
    <Panel title="Summary" titleId="summary-title" testId="session-summary">
      {summary ? (
        <dl className="kv">
          <KvItem label="Verdict">
            <QualityBadge quality={summary.verdict} />
          </KvItem>
          <KvItem label="Tracks">
            {summary.outboundTracks} sent · {summary.inboundTracks} received
          </KvItem>
          <KvItem label="Audio MOS">
            {summary.audioMos
              ? `${summary.audioMos.avg.toFixed(2)} avg · ${summary.audioMos.worst.toFixed(2)} worst`
              : null}
          </KvItem>
          <KvItem label="RTT">
            {summary.rttMs ? `${Math.round(summary.rttMs.avg)} ms avg · p95 ${Math.round(summary.rttMs.p95)} ms` : null}
          </KvItem>
          <KvItem label="Worst inbound loss (p95)">
            {summary.worstInboundLossPct != null ? `${summary.worstInboundLossPct.toFixed(1)}%` : null}
          </KvItem>
          <KvItem label="Issues">
            {summary.issueCounts.critical} critical · {summary.issueCounts.warning} warnings ·{' '}
            {summary.issueCounts.info} info
          </KvItem>
        </dl>
      ) : (
        <p className="muted">No analysis yet.</p>
      )}
    </Panel>
  );
}
