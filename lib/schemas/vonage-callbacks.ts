/**
 * Vonage Video session-monitoring callbacks as they arrive at `POST /api/v1/monitoring/vonage` (docs/monitoring.md),
 * declared once: the route validates with them, the job reads the parsed shape, tests build their payloads with the
 * type. Bounded everywhere (a callback is a few hundred bytes); `applicationId` (Unified environment) stands in for
 * `projectId`. Unknown fields are dropped, unknown `event` names are recognised by the route before this schema.
 */
import { z } from 'zod';

/** The most bytes a callback body may have (the route answers 413 beyond). */
export const VONAGE_MAX_BODY_BYTES = 64 * 1024;

export const VONAGE_EVENTS = [
  'connectionCreated',
  'connectionDestroyed',
  'streamCreated',
  'streamDestroyed',
  'sessionCreated',
  'sessionDestroyed',
] as const;

const id = z.string().min(1).max(256);
const epochMs = z.number().int().min(0).max(8.64e15);

const connection = z.object({
  id,
  createdAt: epochMs,
  /** The token data: any string, often JSON; Vonage sends "" or null when there is none. */
  data: z.string().max(8192).nullable().optional(),
});

const stream = z.object({
  id,
  connection,
  createdAt: epochMs,
  name: z.string().max(1024).nullable().optional(),
  /** Absent for audio-only streams. */
  videoType: z.enum(['camera', 'screen', 'custom']).nullable().optional(),
});

/**
 * clientDisconnected, forceDisconnected, networkDisconnected; streams also forceUnpublished, mediaStopped. Any other
 * short reason is kept as sent: a reason the platform adds later must not make it retry (and disable) the callback.
 */
const reason = z.string().min(1).max(64);

const common = {
  sessionId: id,
  projectId: z.union([z.string().max(256), z.number()]).optional(),
  applicationId: z.string().max(256).optional(),
  timestamp: epochMs,
};

export const vonageCallbackSchema = z
  .discriminatedUnion('event', [
    z.object({ ...common, event: z.literal('connectionCreated'), connection }),
    z.object({ ...common, event: z.literal('connectionDestroyed'), connection, reason }),
    z.object({ ...common, event: z.literal('streamCreated'), stream }),
    z.object({ ...common, event: z.literal('streamDestroyed'), stream, reason }),
    z.object({ ...common, event: z.literal('sessionCreated') }),
    z.object({ ...common, event: z.literal('sessionDestroyed') }),
  ])
  .refine((c) => c.projectId !== undefined || c.applicationId !== undefined, {
    message: 'projectId or applicationId is required',
    path: ['projectId'],
  });
export type VonageCallback = z.infer<typeof vonageCallbackSchema>;
export type VonageCallbackInput = z.input<typeof vonageCallbackSchema>;

/** What `POST /api/v1/monitoring/vonage` answers (200): queued, or acknowledged and ignored (with why). */
export const vonageReceiptSchema = z.union([
  z.strictObject({ accepted: z.literal(true) }),
  z.strictObject({ accepted: z.literal(false), ignored: z.enum(['unknown_event', 'too_old', 'in_future']) }),
]);
export type VonageReceipt = z.infer<typeof vonageReceiptSchema>;
