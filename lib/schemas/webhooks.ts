/**
 * Outbound webhooks' API, declared once: the inputs the settings forms and the route handlers share, and the answers
 * (endpoints, deliveries, attempts) the server builds, the dashboard reads and the tests parse. Times are epoch ms.
 */
import { z } from 'zod';
import { MONITORING_EVENTS } from '@/lib/schemas/monitoring';

/** A conference id, or a prefix ending in `*` (`lesson-*`; `*` alone: every conference). */
const conferencePattern = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((v) => !v.slice(0, -1).includes('*'), 'a `*` may only end the pattern (a prefix)');

const url = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'an http:// or https:// URL');

const events = z.array(z.enum(MONITORING_EVENTS)).max(MONITORING_EVENTS.length);
const description = z.string().trim().max(500);

// POST /api/v1/webhooks
export const createWebhookInput = z.strictObject({
  url,
  /** Event names delivered; omitted or empty: every event. */
  events: events.optional(),
  /** Omitted: every conference. */
  conference: conferencePattern.optional(),
  description: description.optional(),
});
export type CreateWebhookInput = z.input<typeof createWebhookInput>;

// PATCH /api/v1/webhooks/{id}
export const updateWebhookInput = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    /** null: every conference. */
    conference: conferencePattern.nullable().optional(),
    description: description.nullable().optional(),
    enabled: z.boolean().optional(),
    /**
     * With `enabled: true` on a disabled endpoint, required: true delivers what it missed (its pending deliveries and
     * the events since it was disabled), false skips all of that. Nothing is replayed unasked.
     */
    replay: z.boolean().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'nothing to change')
  .refine((v) => v.replay === undefined || v.enabled === true, {
    message: '`replay` goes with `enabled: true`',
    path: ['replay'],
  });
export type UpdateWebhookInput = z.input<typeof updateWebhookInput>;

/** The longest rotation overlap: a week. */
export const MAX_OVERLAP_HOURS = 168;

// POST /api/v1/webhooks/{id}/rotate-secret
export const rotateWebhookSecretInput = z.strictObject({
  /** How long the previous secret keeps signing beside the new one (0: stop at once). */
  overlapHours: z.number().min(0).max(MAX_OVERLAP_HOURS).default(24),
});

// GET /api/v1/webhooks/{id}/deliveries
export const listDeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The previous page's `nextCursor`. */
  cursor: z.string().max(100).optional(),
});

export const webhookEndpointDtoSchema = z.strictObject({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  /** Empty: every event. */
  events: z.array(z.enum(MONITORING_EVENTS)),
  /** null: every conference. */
  conference: z.string().nullable(),
  enabled: z.boolean(),
  disabledAt: z.number().nullable(),
  disabledReason: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Until when the secret before the last rotation still signs; null when only one does. */
  previousSecretExpiresAt: z.number().nullable(),
  /** Deliveries waiting (retrying, or held while the endpoint is disabled). */
  pending: z.number(),
  last24h: z.strictObject({
    attempts: z.number(),
    succeeded: z.number(),
    /** succeeded / attempts, 0–1; null without attempts. */
    successRate: z.number().nullable(),
  }),
});
export type WebhookEndpointDto = z.infer<typeof webhookEndpointDtoSchema>;

export const webhookEndpointListSchema = z.strictObject({ endpoints: z.array(webhookEndpointDtoSchema) });
export const webhookEndpointResponseSchema = z.strictObject({ endpoint: webhookEndpointDtoSchema });
/** DELETE /api/v1/webhooks/{id}. */
export const webhookDeletedResponseSchema = z.strictObject({ deleted: z.literal(true) });
export type WebhookDeletedResponse = z.infer<typeof webhookDeletedResponseSchema>;

/** POST /api/v1/webhooks and rotate-secret: the secret, shown this once. */
export const webhookSecretResponseSchema = z.strictObject({
  endpoint: webhookEndpointDtoSchema,
  secret: z.string().startsWith('whsec_'),
});
export type WebhookSecretResponse = z.infer<typeof webhookSecretResponseSchema>;

export const DELIVERY_STATES = ['pending', 'succeeded', 'failed', 'skipped'] as const;

export const webhookDeliveryDtoSchema = z.strictObject({
  id: z.string(),
  /** The `webhook-id` header: the monitoring event's id (a test's own). */
  eventId: z.string(),
  event: z.enum(MONITORING_EVENTS),
  /** '' for a test delivery. */
  conference: z.string(),
  test: z.boolean(),
  state: z.enum(DELIVERY_STATES),
  attempts: z.number(),
  nextAttemptAt: z.number().nullable(),
  lastStatus: z.number().nullable(),
  lastLatencyMs: z.number().nullable(),
  lastResponse: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  deliveredAt: z.number().nullable(),
});
export type WebhookDeliveryDto = z.infer<typeof webhookDeliveryDtoSchema>;

export const webhookDeliveryListSchema = z.strictObject({
  deliveries: z.array(webhookDeliveryDtoSchema),
  nextCursor: z.string().nullable(),
});
export type WebhookDeliveryList = z.infer<typeof webhookDeliveryListSchema>;

export const webhookAttemptDtoSchema = z.strictObject({
  ok: z.boolean(),
  status: z.number().nullable(),
  latencyMs: z.number(),
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
});

/** POST …/test and …/redeliver: the attempt made now and the delivery after it. */
export const webhookAttemptResponseSchema = z.strictObject({
  delivery: webhookDeliveryDtoSchema,
  attempt: webhookAttemptDtoSchema,
});
export type WebhookAttemptResponse = z.infer<typeof webhookAttemptResponseSchema>;
