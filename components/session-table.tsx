import Link from 'next/link';
import { CopyId } from '@/components/copy-field';
import { DataTable } from '@/components/data-table';
import { useTimeFormat } from '@/components/display-zone-provider';
import { IssueBadge, LiveBadge, QualityBadge, RatingBadge } from '@/components/ui/badges';
import { formatDuration, shortId } from '@/lib/client/format';
import type { SessionListItem } from '@/lib/client/types';

const MAX_BADGES = 3;

/** Sessions as a table: start, duration, user, conference, participants, quality (and the user's rating), issues. */
export function SessionTable({
  sessions,
  caption,
  showUser = true,
  showConference = true,
  testId = 'results-table',
}: {
  sessions: SessionListItem[];
  caption?: string;
  showUser?: boolean;
  showConference?: boolean;
  testId?: string;
}) {
  return (
    <DataTable
      testId={testId}
      caption={caption}
      columns={[
        'Start',
        'Duration',
        showUser && 'User',
        showConference && 'Conference',
        { label: 'Participants', className: 'num' },
        'Client',
        'Quality',
        'Issues',
        { label: 'Open', srOnly: true },
      ]}
    >
      {sessions.map((s) => (
        <SessionRow key={s.id} session={s} showUser={showUser} showConference={showConference} />
      ))}
    </DataTable>
  );
}

function SessionRow({
  session: s,
  showUser,
  showConference,
}: {
  session: SessionListItem;
  showUser: boolean;
  showConference: boolean;
}) {
  const { formatDateTime } = useTimeFormat();
  return (
    <tr data-testid="result-row" data-session-id={s.id}>
      <td>
        <span className="nowrap">{formatDateTime(s.start)}</span> {s.live ? <LiveBadge /> : null}
      </td>
      <td className="nowrap">
        {formatDuration(s.durationMs ?? (s.start != null ? (s.end ?? Date.now()) - s.start : null))}
      </td>
      {showUser ? (
        <td>
          {s.user ? (
            <CopyId value={s.user} label="User id" truncate>
              <Link href={`/users/${encodeURIComponent(s.user)}`}>{s.user}</Link>
            </CopyId>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
      ) : null}
      {showConference ? (
        <td>
          {s.conference ? (
            <CopyId value={s.conference} label="Conference id" truncate>
              <Link href={`/conferences/${encodeURIComponent(s.conference)}`} data-testid="conference-link">
                {s.conference}
              </Link>
            </CopyId>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
      ) : null}
      <td className="num" data-testid="participants">
        {s.participants ?? '—'}
      </td>
      <td className="small">{[s.browser, s.os].filter(Boolean).join(' · ') || <span className="muted">—</span>}</td>
      <td>
        <div className="badges">
          <QualityBadge quality={s.quality} />
          {s.feedbackRating != null ? <RatingBadge rating={s.feedbackRating} /> : null}
        </div>
      </td>
      <td>
        <div className="badges">
          {s.issueTypes.slice(0, MAX_BADGES).map((t) => (
            <IssueBadge key={t} type={t} />
          ))}
          {s.issueTypes.length > MAX_BADGES ? (
            <span className="badge muted">+{s.issueTypes.length - MAX_BADGES}</span>
          ) : null}
          {s.issueTypes.length === 0 ? <span className="muted small">None</span> : null}
        </div>
      </td>
      <td>
        <Link
          className="btn btn-small"
          href={`/sessions/${encodeURIComponent(s.id)}`}
          aria-label={`Open session ${s.session ?? s.id}`}
          title={s.session ?? s.id}
        >
          Session {shortId(s.session ?? s.id)}
        </Link>
      </td>
    </tr>
  );
}
