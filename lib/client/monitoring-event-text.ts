/**
 * How the conference timeline words a session-monitoring event: its name in plain language, and the one line of
 * detail that matters for it (the reason a connection or stream ended, what a stream is, the issue, the rule
 * broken). Pure, so the page and its tests word events the same way.
 */
import type { MonitoringEventDto } from '@/lib/schemas/monitoring';

const EVENT_TEXT: Record<MonitoringEventDto['event'], string> = {
  sessionCreated: 'Room opened',
  sessionDestroyed: 'Room closed',
  connectionCreated: 'Joined',
  connectionDestroyed: 'Left',
  streamCreated: 'Started sending',
  streamDestroyed: 'Stopped sending',
  qualityIssue: 'Quality issue',
  policyViolation: 'Policy violation',
};

const REASON_TEXT: Record<string, string> = {
  clientDisconnected: 'by the client',
  forceDisconnected: 'forced by a moderator',
  networkDisconnected: 'network lost',
  forceUnpublished: 'unpublished by a moderator',
  mediaStopped: 'screen share ended',
};

export const SOURCE_TEXT: Record<MonitoringEventDto['source'], string> = { callscope: 'Callscope', vonage: 'Vonage' };

export function monitoringEventTitle(e: Pick<MonitoringEventDto, 'event'>): string {
  return EVENT_TEXT[e.event] ?? e.event;
}

/** The detail line: `video (screen) · screen share ended`, `packet-loss · critical · open`, `maxParticipants 3 > 2`. */
export function monitoringEventDetail(e: Pick<MonitoringEventDto, 'event' | 'payload'>): string {
  const p = e.payload;
  const parts: string[] = [];
  if (p.stream) parts.push(p.stream.videoType ? `video (${p.stream.videoType})` : 'audio');
  if (p.issue) parts.push(p.issue.type, p.issue.severity, p.issue.state);
  if (p.policy) {
    const limit = Array.isArray(p.policy.limit) ? p.policy.limit.join(', ') : String(p.policy.limit);
    parts.push(`${p.policy.rule}: ${p.policy.actual} (limit ${limit})`);
  }
  if (p.reason) parts.push(REASON_TEXT[p.reason] ?? p.reason);
  return parts.join(' · ');
}
