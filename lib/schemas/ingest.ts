import { z } from 'zod';
import type { DumpFormat } from '@/lib/stats/model';

/**
 * The HTTP ingest's answers (`POST /api/v1/upload`, `POST /api/v1/frames`), declared once: lib/server/ingest/
 * http-ingest.ts returns these types and the OpenAPI reference (lib/server/openapi/operations.ts) describes them.
 */

const DUMP_FORMATS = ['rtcstats', 'jitsi', 'webrtc-internals'] as const satisfies readonly DumpFormat[];

/** 201 from `POST /api/v1/upload`: the one ended session the dump became. */
export const uploadResultSchema = z.strictObject({
  /** The session row id. */
  id: z.string(),
  dumpId: z.string(),
  format: z.enum(DUMP_FORMATS),
  user: z.string().nullable(),
  session: z.string().nullable(),
  conference: z.string().nullable(),
  /** Data more than 15 minutes old: kept, never live. */
  historical: z.boolean(),
  /** Bytes stored (after gunzip). */
  bytes: z.number().int(),
});
export type UploadResult = z.infer<typeof uploadResultSchema>;

/** 202 from `POST /api/v1/frames`: the batch was appended to the session's dump. */
export const framesResultSchema = z.strictObject({
  sessionId: z.string(),
  /** Lines appended. */
  accepted: z.number().int(),
  /** The batch ended with a `close` line. */
  ended: z.boolean(),
});
export type FramesResult = z.infer<typeof framesResultSchema>;

/**
 * The query `POST /api/v1/upload` reads (http-ingest.ts, request-token.ts): the ingest token, or, for engineer staff
 * and API keys uploading without one, the identity to store the dump under (each value cut to 256 characters).
 */
export const uploadQuery = z.object({
  'rtcstats-token': z.string().optional(),
  user: z.string().optional(),
  session: z.string().optional(),
  conference: z.string().optional(),
});

/** The query `POST /api/v1/frames` reads: the ingest token, and the session id when ingest needs no token. */
export const framesQuery = z.object({
  'rtcstats-token': z.string().optional(),
  session: z.string().optional(),
});
