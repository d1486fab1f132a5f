import { z } from 'zod';
import { parseSearchTerms, RATING_HELP } from '@/lib/shared/search-terms';
import { cursor, epochMs, idText, limit } from './common';

export const listSessionsQuery = z.object({
  user: idText.optional(),
  conference: idText.optional(),
  session: idText.optional(),
  /** Prefix match on user, conference and session ids at once (the search box), with `key:value` metadata terms
   * and `rating:<=2`-style feedback terms (lib/shared/search-terms.ts). */
  q: idText.refine((q) => parseSearchTerms(q).errors.length === 0, RATING_HELP).optional(),
  from: epochMs.optional(),
  to: epochMs.optional(),
  issue: z.string().regex(/^[a-z-]+$/).optional(),
  browser: z.string().max(64).optional(),
  os: z.string().max(64).optional(),
  /** The session's verdict as stored (the overview's quality bars link here). */
  quality: z.enum(['good', 'fair', 'poor', 'unknown']).optional(),
  /** The client's WebSocket subprotocol or upload protocol, exact (`rtcstats#5.0`, `3.1_STANDARD`). */
  protocol: z.string().max(64).optional(),
  live: z.enum(['true', 'false']).optional(),
  limit,
  cursor,
});
export type ListSessionsQuery = z.infer<typeof listSessionsQuery>;

/** The search's filters (no paging: every match is exported) and the file format. */
export const exportSessionsQuery = listSessionsQuery.omit({ limit: true, cursor: true }).extend({
  format: z.enum(['csv', 'ndjson']).default('csv'),
});
export type ExportSessionsQuery = z.infer<typeof exportSessionsQuery>;

export const seriesQuery = z.object({
  metrics: z
    .string()
    .regex(/^[A-Za-z,]+$/)
    .optional()
    .transform((v) => (v ? v.split(',').filter(Boolean) : undefined)),
  from: epochMs.optional(),
  to: epochMs.optional(),
  maxPoints: z.coerce.number().int().min(10).max(20_000).default(600),
});

export const eventsQuery = z.object({
  pc: z.string().max(64).optional(),
  type: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(50_000).default(5_000),
});
