'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useTimeFormat } from '@/components/display-zone-provider';
import { errorMessage } from '@/components/data-state';
import { useNewestSession } from '@/lib/client/hooks/use-connect';
import type { SessionListItem } from '@/lib/client/types';

/** "Chrome 142", from the session row's browser and version; "a client" when the row knows neither. */
function clientName(s: SessionListItem): string {
  const major = s.browserVersion?.split('.')[0];
  return [s.browser, s.browser ? major : null].filter(Boolean).join(' ') || 'a client';
}

/**
 * "Waiting for your first session…" until a session newer than the newest one when the page opened arrives (session
 * ids only grow, so no clock has to agree), then who it came from and when.
 */
export function ArrivalIndicator() {
  const { formatTime } = useTimeFormat();
  const newest = useNewestSession();
  // The newest session id at the first answer ('0' when there was none): anything above it arrived since.
  const [baseline, setBaseline] = useState<string | null>(null);
  if (baseline === null && newest.isSuccess) setBaseline(newest.data?.id ?? '0');
  const arrived = baseline !== null && newest.data && BigInt(newest.data.id) > BigInt(baseline) ? newest.data : null;

  return (
    <div
      className="connect-indicator"
      role="status"
      aria-live="polite"
      data-testid="connect-indicator"
      data-state={arrived ? 'received' : newest.error ? 'error' : 'waiting'}
    >
      <span className="connect-dot" aria-hidden="true" />
      {arrived ? (
        <span>
          <strong>
            Received from {clientName(arrived)} at {formatTime(arrived.start ?? Date.now())}
          </strong>
          {arrived.live ? ' (live)' : ''} ·{' '}
          <Link href={`/sessions/${encodeURIComponent(arrived.id)}`} data-testid="arrived-session">
            Open the session
          </Link>
        </span>
      ) : newest.error ? (
        <span>Cannot tell whether sessions arrive: {errorMessage(newest.error)}</span>
      ) : (
        <span>Waiting for your first session…</span>
      )}
    </div>
  );
}
