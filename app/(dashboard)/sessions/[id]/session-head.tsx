'use client';

import Link from 'next/link';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { CopyId } from '@/components/copy-field';
import { useTimeFormat } from '@/components/display-zone-provider';
import { useStaff } from '@/components/layout/staff-context';
import { LiveBadge, QualityBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import type { SessionDetail } from '@/lib/client/types';
import { hasRole } from '@/lib/shared/roles';

type Session = SessionDetail['session'];

function conferenceHref(conference: string): string {
  return `/conferences/${encodeURIComponent(conference)}`;
}

/** Search / conference / Session; the conference once the session is loaded. */
export function SessionBreadcrumbs({ conference }: { conference: string | null | undefined }) {
  const links = [{ href: '/', label: 'Search' }];
  if (conference) links.push({ href: conferenceHref(conference), label: conference });
  return <Breadcrumbs links={links} current="Session" />;
}

/**
 * The session's title, who and when, its verdict, the raw dump download (engineers and up: the dump holds what the
 * client sent), and why charts may be missing (analysis failed, or not done yet).
 */
export function SessionHead({
  session: s,
  verdict,
  analysed,
}: {
  session: Session;
  verdict: string | null | undefined;
  analysed: boolean;
}) {
  const { formatDateTime } = useTimeFormat();
  const canDownload = hasRole(useStaff()?.role, 'engineer');
  return (
    <>
      <div className="page-head page-head-row">
        <div>
          <h1 id="session-title">
            Session <CopyId value={s.session ?? s.id} label="Session id" testId="session-id" />{' '}
            {s.live ? <LiveBadge /> : null}
          </h1>
          <p className="muted" data-testid="session-meta">
            {s.user ? (
              <>
                User{' '}
                <CopyId value={s.user} label="User id">
                  <Link href={`/users/${encodeURIComponent(s.user)}`}>{s.user}</Link>
                </CopyId>
              </>
            ) : (
              'Unknown user'
            )}
            {s.conference ? (
              <>
                {' '}
                in{' '}
                <CopyId value={s.conference} label="Conference id">
                  <Link href={conferenceHref(s.conference)}>{s.conference}</Link>
                </CopyId>
              </>
            ) : null}{' '}
            · {formatDateTime(s.start)} · {formatDuration(s.durationMs)} · {s.format} via {s.source}
            {s.historical ? ' · historical' : ''}
          </p>
        </div>
        <div className="head-actions">
          <QualityBadge quality={verdict ?? s.quality} />
          {canDownload ? (
            <a
              className="btn"
              href={`/api/v1/sessions/${encodeURIComponent(s.id)}/dump`}
              download
              data-testid="download-dump"
            >
              Download raw dump
            </a>
          ) : null}
        </div>
      </div>

      {s.processing?.error ? (
        <p className="banner banner-error" role="alert">
          Analysis failed: {s.processing.error}
        </p>
      ) : null}
      {!analysed ? (
        <p className="banner banner-info" data-testid="not-analysed">
          {s.live
            ? 'This session is in progress; charts appear once it is analysed.'
            : 'This session has not been analysed yet.'}
        </p>
      ) : null}
    </>
  );
}
