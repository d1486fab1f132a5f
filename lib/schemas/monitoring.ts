/**
 * Session monitoring's shapes, declared once: the event names, the webhook payload (Vonage session-monitoring
 * callbacks' shape plus Callscope's own fields under `callscope`), and an event as the API answers it. The server
 * builds payloads with these types, the dashboard reads them, tests parse real deliveries with them.
 */
import { z } from 'zod';

export const MONITORING_EVENTS = [
  'sessionCreated',
  'sessionDestroyed',
  'connectionCreated',
  'connectionDestroyed',
  'streamCreated',
  'streamDestroyed',
  'qualityIssue',
  'policyViolation',
] as const;
export const monitoringEventNameSchema = z.enum(MONITORING_EVENTS);
export type MonitoringEventName = z.infer<typeof monitoringEventNameSchema>;

/** Where an event came from: Callscope's own stats stream, or a platform's callback (`POST /api/v1/monitoring/vonage`). */
export const MONITORING_SOURCES = ['callscope', 'vonage'] as const;
export type MonitoringSource = (typeof MONITORING_SOURCES)[number];

export const CONNECTION_REASONS = ['clientDisconnected', 'forceDisconnected', 'networkDisconnected'] as const;
export const STREAM_REASONS = [...CONNECTION_REASONS, 'forceUnpublished', 'mediaStopped'] as const;

const connectionSchema = z.object({
  /** The session id (the token's `session`, else `cs-<row id>`). */
  id: z.string(),
  /** Epoch ms. */
  createdAt: z.number(),
  /** The user id (Vonage: the token data). */
  data: z.string().nullable(),
});
export type MonitoringConnection = z.infer<typeof connectionSchema>;

const streamSchema = z.object({
  id: z.string(),
  connection: connectionSchema,
  createdAt: z.number(),
  name: z.string(),
  /** camera | screen | custom; absent for audio. */
  videoType: z.enum(['camera', 'screen', 'custom']).optional(),
});
export type MonitoringStream = z.infer<typeof streamSchema>;

const issueSchema = z.object({
  type: z.string(),
  severity: z.string(),
  /** open: the issue started; closed: it ended. */
  state: z.enum(['open', 'closed']),
  track: z.string().optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
});

const policySchema = z.object({
  id: z.string(),
  /** The policy's conference pattern (exact id or prefix ending in `*`). */
  conference: z.string(),
  rule: z.enum(['maxParticipants', 'maxDuration', 'screenShare']),
  limit: z.union([z.number(), z.array(z.string())]),
  /** What was seen: participants present, minutes elapsed, the user who shared. */
  actual: z.union([z.number(), z.string()]),
});

export const monitoringPayloadSchema = z.object({
  /** The conference id (Vonage: the session id). */
  sessionId: z.string(),
  projectId: z.string(),
  event: monitoringEventNameSchema,
  /** Epoch ms. */
  timestamp: z.number(),
  connection: connectionSchema.optional(),
  reason: z.string().optional(),
  stream: streamSchema.optional(),
  issue: issueSchema.optional(),
  policy: policySchema.optional(),
  /** policyViolation: the offending connections (the newest participant, or everyone when time is up). */
  connections: z.array(connectionSchema).optional(),
  callscope: z
    .object({
      source: z.enum(MONITORING_SOURCES),
      /** The stable event id (also the `webhook-id` header). */
      eventId: z.string(),
      user: z.string().nullable().optional(),
      /** The "rtcstats-server" row of the connection. */
      sessionRowId: z.string().optional(),
      links: z.record(z.string(), z.string()).optional(),
    })
    .passthrough(),
});
export type MonitoringPayload = z.infer<typeof monitoringPayloadSchema>;

/** One stored event, as the conference events API answers it. */
export const monitoringEventDtoSchema = z.strictObject({
  id: z.string(),
  /** The conference's order (a decimal string: a bigint). */
  seq: z.string(),
  conference: z.string(),
  source: z.enum(MONITORING_SOURCES),
  event: monitoringEventNameSchema,
  occurredAt: z.string(),
  connectionId: z.string().nullable(),
  userId: z.string().nullable(),
  streamId: z.string().nullable(),
  payload: monitoringPayloadSchema,
});
export type MonitoringEventDto = z.infer<typeof monitoringEventDtoSchema>;
export const monitoringEventListSchema = z.strictObject({ events: z.array(monitoringEventDtoSchema) });
export type MonitoringEventList = z.infer<typeof monitoringEventListSchema>;

/** `GET /api/v1/conferences/{conference}/events`: the events after a seq (paging), at most `limit`, oldest first. */
export const conferenceEventsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
