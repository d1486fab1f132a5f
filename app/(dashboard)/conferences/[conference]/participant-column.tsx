'use client';

import Link from 'next/link';
import { memo } from 'react';
import { TimelineLane } from '@/components/timeline-lane';
import { TrackPanel } from '@/components/track-panel';
import { IssueBadge, LiveBadge, QualityBadge, RatingBadge } from '@/components/ui/badges';
import { formatDuration } from '@/lib/client/format';
import type { TimelineEvent } from '@/lib/client/types';
import { type Participant, participantName, TRACK_GROUPS } from './conference-model';
import { useTimeFormat } from '@/components/display-zone-provider';

interface ParticipantColumnProps {
  participant: Participant;
  events: TimelineEvent[];
  domain: [number, number];
  range?: { from?: number; to?: number };
  syncId: string;
  senders: Map<string, string>;
  lazy: boolean;
  onRangeSelect: (from: number, to: number) => void;
  /** The URL's selected track (`?track=`, a track id), and how a track header selects one. */
  selectedTrack: string | null;
  onSelectTrack: (trackId: string) => void;
}

function ParticipantColumnImpl({
  participant,
  events,
  domain,
  range,
  syncId,
  senders,
  lazy,
  onRangeSelect,
  selectedTrack,
  onSelectTrack,
}: ParticipantColumnProps) {
  const { formatTime } = useTimeFormat();
  const name = participantName(participant);
  const sessions = participant.sessions;
  const several = sessions.length > 1;
  const issueTypes = [...new Set(sessions.flatMap((s) => s.issueTypes))];
  return (
    <article
      className="participant-column"
      data-testid="participant-column"
      data-user={participant.user ?? ''}
      data-sessions={sessions.length}
      aria-label={`Participant ${name}`}
    >
      <header className="participant-head">
        <h2>
          {name}
          {sessions.some((s) => s.live) ? <LiveBadge /> : null}
        </h2>
        {participant.user && !participant.user.startsWith('session:') ? (
          // No prefetch: a 10-person conference would fetch 20 pages while its charts are drawing.
          <Link className="small" prefetch={false} href={`/users/${encodeURIComponent(participant.user)}`}>
            {participant.user}
          </Link>
        ) : null}
        <ul className="participant-sessions">
          {sessions.map((s, i) => (
            <li key={s.id} data-testid="participant-session" data-session-id={s.id}>
              <Link prefetch={false} href={`/sessions/${encodeURIComponent(s.id)}`}>
                {several ? `Session ${i + 1}` : 'Session'}
              </Link>{' '}
              <span className="muted small">
                {formatTime(s.start)} · {formatDuration(s.durationMs)} · {[s.browser, s.os].filter(Boolean).join(' / ') || 'unknown client'}
              </span>{' '}
              <QualityBadge quality={s.quality} />
              {s.feedbackRating != null ? <RatingBadge rating={s.feedbackRating} /> : null}
            </li>
          ))}
        </ul>
        {several ? <p className="small muted">Rejoined {sessions.length - 1}× — shown as one person.</p> : null}
        {issueTypes.length ? (
          <div className="badges">
            {issueTypes.map((t) => (
              <IssueBadge key={t} type={t} />
            ))}
          </div>
        ) : null}
      </header>
      <TimelineLane
        domain={domain}
        events={events}
        spans={sessions.map((s, i) => ({
          start: s.start,
          end: s.live ? Date.now() : s.end,
          label: several ? `Session ${i + 1}` : 'In the call',
        }))}
      />
      {TRACK_GROUPS.map((group) => {
        const tracks = sessions.flatMap((s, i) =>
          s.tracks
            .filter((t) => t.direction === group.direction && t.kind === group.kind)
            .map((t) => ({ track: t, sessionIndex: i })),
        );
        if (!tracks.length) return null;
        return (
          <section key={`${group.direction}-${group.kind}`} className="track-group" data-testid={`group-${group.direction}-${group.kind}`}>
            <h3 className="track-group-title">{group.title}</h3>
            {tracks.map(({ track, sessionIndex }) => {
              const from = senders.get(`${track.sessionId}|${track.trackKey}`);
              const peer = [from, several ? `(session ${sessionIndex + 1})` : null].filter(Boolean).join(' ');
              return (
                <TrackPanel
                  key={`${track.sessionId}|${track.trackKey}`}
                  track={track}
                  domain={domain}
                  range={range}
                  syncId={syncId}
                  peer={peer || null}
                  lazy={lazy}
                  onRangeSelect={onRangeSelect}
                  selected={selectedTrack === track.id}
                  onSelect={onSelectTrack}
                />
              );
            })}
          </section>
        );
      })}
      {sessions.every((s) => s.tracks.length === 0) ? (
        <p className="state state-empty small">No media tracks (yet): the session may still be processing.</p>
      ) : null}
    </article>
  );
}

export const ParticipantColumn = memo(ParticipantColumnImpl);
