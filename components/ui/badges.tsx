import { issueLabel } from '@/lib/client/format';

const QUALITY_TEXT: Record<string, string> = {
  good: 'Good',
  fair: 'Fair',
  poor: 'Poor',
  unknown: 'Unknown',
  'no-media': 'No media',
};

export function QualityBadge({ quality }: { quality: string | null | undefined }) {
  const q = quality ?? 'unknown';
  return (
    <span className={`badge quality quality-${q}`} data-testid="quality" data-quality={q}>
      {QUALITY_TEXT[q] ?? q}
    </span>
  );
}

export function IssueBadge({ type, count, severity }: { type: string; count?: number; severity?: string }) {
  return (
    <span className={`badge issue severity-${severity ?? 'warning'}`} data-testid="issue-badge" data-issue={type}>
      {issueLabel(type)}
      {count != null && count > 1 ? <span className="badge-count">×{count}</span> : null}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge severity severity-${severity}`}>{severity}</span>;
}

export function LiveBadge() {
  return (
    <span className="badge live" data-testid="live-badge">
      <span className="live-dot" aria-hidden="true" />
      Live
    </span>
  );
}

/** The user's own rating of the call (the page's `feedback` trace call), 1–5. */
export function RatingBadge({ rating }: { rating: number }) {
  const level = rating <= 2 ? 'low' : rating >= 4 ? 'high' : 'mid';
  return (
    <span
      className={`badge rating rating-${level}`}
      data-testid="rating"
      data-rating={rating}
      title="The user's own rating of the call"
    >
      ★ {rating}/5
    </span>
  );
}
