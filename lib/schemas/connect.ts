import { z } from 'zod';

/**
 * The "Connect your app" page's API answers, declared once: `GET /api/v1/ingest/rejections` (the rejected or failed
 * ingest connection attempts, newest first) and `POST /api/v1/ingest/test-token` (a token minted for a test client,
 * with what the snippets need). Times are epoch ms, like the rest of the API.
 */

export const MAX_CONNECTION_ATTEMPTS = 200;

export const connectionAttemptSchema = z.strictObject({
  id: z.string(),
  at: z.number(),
  /** websocket | frames | upload */
  transport: z.string(),
  /** The offered WebSocket subprotocol (`rtcstats#5.0`, `3.1_STANDARD`), or the HTTP client's. */
  protocol: z.string().nullable(),
  /** WebSocket close code, or HTTP status. */
  code: z.number().int(),
  /** Exactly the close reason / error message the client got: `jwt expired`, `rtcstats-token is missing`... */
  reason: z.string(),
  /** The log line rtcstats-server users search for, when it says more than the reason. */
  logLine: z.string().nullable(),
  origin: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** Obfuscated as rtcstats-server does. */
  remoteAddress: z.string().nullable(),
});
export type ConnectionAttemptDto = z.infer<typeof connectionAttemptSchema>;

export const connectionAttemptsResponseSchema = z.strictObject({
  attempts: z.array(connectionAttemptSchema).max(MAX_CONNECTION_ATTEMPTS),
  /** Attempts this node refused but did not record since it started (over its per-second bound). */
  notRecorded: z.number().int(),
  /** The per-second bound (CALLSCOPE_INGEST_REJECTIONS_PER_SECOND). */
  perSecond: z.number(),
});
export type ConnectionAttemptsResponse = z.infer<typeof connectionAttemptsResponseSchema>;

export const testTokenResponseSchema = z.strictObject({
  /** Null when ingest needs no token (no signing key: every client is accepted). */
  token: z.string().nullable(),
  expiresAt: z.number().nullable(),
  /** The signing key's kid; null when signed with a CALLSCOPE_JWT_SECRET entry (or not signed). */
  kid: z.string().nullable(),
  /** The identity the token claims: a test user and conference, no session (each connection is its own). */
  user: z.string(),
  conference: z.string(),
  authRequired: z.boolean(),
});
export type TestTokenResponse = z.infer<typeof testTokenResponseSchema>;
