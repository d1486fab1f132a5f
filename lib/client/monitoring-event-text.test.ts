import { describe, expect, test } from 'vitest';
import type { MonitoringPayload } from '@/lib/schemas/monitoring';
import { monitoringEventDetail, monitoringEventTitle } from './monitoring-event-text';

const base: MonitoringPayload = {
  sessionId: 'room',
  projectId: 'callscope',
  event: 'streamDestroyed',
  timestamp: 1,
  callscope: { source: 'callscope', eventId: 'x' },
};
const connection = { id: 'c1', createdAt: 1, data: 'u1' };

describe('monitoring event wording', () => {
  test('streams say what they are and why they ended', () => {
    const stream = { id: 's', connection, createdAt: 1, name: '' };
    expect(
      monitoringEventDetail({
        event: 'streamDestroyed',
        payload: { ...base, stream: { ...stream, videoType: 'screen' }, reason: 'mediaStopped' },
      }),
    ).toBe('video (screen) · screen share ended');
    expect(monitoringEventDetail({ event: 'streamCreated', payload: { ...base, stream } })).toBe('audio');
    expect(monitoringEventTitle({ event: 'streamCreated' })).toBe('Started sending');
  });

  test('connections, issues and policies', () => {
    expect(
      monitoringEventDetail({ event: 'connectionDestroyed', payload: { ...base, reason: 'networkDisconnected' } }),
    ).toBe('network lost');
    const issue = { type: 'packet-loss', severity: 'critical', state: 'open' as const };
    expect(monitoringEventDetail({ event: 'qualityIssue', payload: { ...base, issue } })).toBe(
      'packet-loss · critical · open',
    );
    const policy = { id: 'p', conference: 'room*', rule: 'maxParticipants' as const, limit: 2, actual: 3 };
    expect(monitoringEventDetail({ event: 'policyViolation', payload: { ...base, policy } })).toBe(
      'maxParticipants: 3 (limit 2)',
    );
    // A reason Callscope has no words for is shown as sent.
    expect(monitoringEventDetail({ event: 'connectionDestroyed', payload: { ...base, reason: 'somethingNew' } })).toBe(
      'somethingNew',
    );
  });
});
