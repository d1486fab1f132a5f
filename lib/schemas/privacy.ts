import { z } from 'zod';

/** DELETE /api/v1/users/{user}: what the erasure removed. */
export const userErasureSchema = z.strictObject({
  erased: z.strictObject({ sessions: z.number().int().min(0), dumps: z.number().int().min(0) }),
});
export type UserErasure = z.infer<typeof userErasureSchema>;

/** One line of GET /api/v1/users/{user}/export (NDJSON). */
export const userExportLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), user: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('session'), session: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('analysis'), sessionId: z.string(), analysis: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('track'), sessionId: z.string(), track: z.record(z.string(), z.unknown()), series: z.unknown() }),
  z.object({ type: z.literal('issue'), sessionId: z.string(), issue: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('dump-line'), dumpId: z.string(), line: z.string() }),
  z.object({ type: z.literal('dump-missing'), dumpId: z.string() }),
]);

