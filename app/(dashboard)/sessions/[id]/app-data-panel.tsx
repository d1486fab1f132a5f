'use client';

import Link from 'next/link';
import { KvItem } from '@/components/kv-list';
import { Panel } from '@/components/panel';
import { RatingBadge } from '@/components/ui/badges';
import type { SessionDetail } from '@/lib/client/types';

/**
 * What the page traced of its own: the user's feedback, the app's metadata (each field links to the search for
 * it) and how many custom events the event log holds. Shown only when the page traced any of it. Everything here
 * is the page's text, rendered as text.
 */
export function AppDataPanel({ detail }: { detail: SessionDetail }) {
  const { metadata, feedback } = detail.session;
  const eventCount = detail.analysis?.summary.app?.eventCount ?? 0;
  // Alphabetical: PostgreSQL keeps jsonb keys in its own order (by length).
  const fields = Object.entries(metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!feedback && fields.length === 0 && eventCount === 0) return null;
  return (
    <Panel title="Feedback and app metadata" titleId="app-data-title" testId="app-data">
      <dl className="kv">
        <KvItem label="Feedback">
          {feedback ? (
            <div data-testid="feedback">
              <RatingBadge rating={feedback.rating} />
              {feedback.comment ? (
                <p className="feedback-comment" data-testid="feedback-comment">
                  {feedback.comment}
                </p>
              ) : null}
            </div>
          ) : null}
        </KvItem>
        {fields.map(([key, value]) => (
          <KvItem key={key} label={key}>
            <Link
              href={`/?q=${encodeURIComponent(searchTerm(key, value))}`}
              data-testid="metadata-value"
              data-key={key}
            >
              {String(value)}
            </Link>
          </KvItem>
        ))}
        <KvItem label="App events">{eventCount > 0 ? `${eventCount} in the event log, marked “app”` : null}</KvItem>
      </dl>
    </Panel>
  );
}

/** `plan:pro`, or `region:"eu west"` when the value has spaces. */
function searchTerm(key: string, value: string | number): string {
  const text = String(value);
  return /\s|"/.test(text) ? `${key}:"${text.replaceAll('"', '')}"` : `${key}:${text}`;
}
