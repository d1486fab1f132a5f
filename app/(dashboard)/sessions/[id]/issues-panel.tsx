'use client';

import { useTimeFormat } from '@/components/display-zone-provider';
import { Panel } from '@/components/panel';
import { IssueBadge, SeverityBadge } from '@/components/ui/badges';
import type { IssueDto } from '@/lib/client/types';

/** The detected issues with their period and track; one with a period can zoom the charts to it. */
export function IssuesPanel({ issues, onZoom }: { issues: IssueDto[]; onZoom: (from: number, to: number) => void }) {
  const { formatTime } = useTimeFormat();
  return (
    <Panel title={`Issues (${issues.length})`} titleId="issues-title" testId="session-issues">
      {issues.length ? (
        <ul className="issue-list">
          {issues.map((issue, i) => (
            <li key={issue.id ?? i} className="issue-item" data-testid="issue" data-issue={issue.type}>
              <SeverityBadge severity={issue.severity} />
              <IssueBadge type={issue.type} severity={issue.severity} />
              <span>{issue.message}</span>
              <span className="muted small">
                {formatTime(issue.start)}
                {issue.end != null && issue.end !== issue.start ? `–${formatTime(issue.end)}` : ''}
                {issue.trackKey ? ` · ${issue.trackKey}` : ''}
              </span>
              {issue.start != null && issue.end != null && issue.end > issue.start ? (
                <button
                  type="button"
                  className="link-button small"
                  onClick={() => onZoom(issue.start as number, issue.end as number)}
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
    </Panel>
  );
}
