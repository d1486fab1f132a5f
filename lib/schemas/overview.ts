/**
 * The Overview page's API (GET /api/v1/overview), declared once: the query the handler validates, the answer the
 * data layer builds (lib/server/data/overview.ts), the page reads and the tests parse real answers with.
 */
import { z } from 'zod';
import { parseSearchTerms } from '@/lib/shared/search-terms';
import { epochMs, idText } from './common';

export const OVERVIEW_RANGES = { '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000, '30d': 30 * 24 * 3600_000 } as const;

export const overviewQuery = z
  .object({
    /** 24h, 7d, 30d back from `to` (default now), or custom: `from` and `to`. */
    range: z.enum(['24h', '7d', '30d', 'custom']).default('24h'),
    from: epochMs.optional(),
    to: epochMs.optional(),
    /** Prefix of the conference id. */
    conference: idText.optional(),
    browser: z.string().trim().min(1).max(64).optional(),
    os: z.string().trim().min(1).max(64).optional(),
    /** A metadata term as the search box takes it: `plan:pro`. */
    metadata: z
      .string()
      .trim()
      .max(256)
      .refine((m) => {
        const t = parseSearchTerms(m);
        return t.metadata.length === 1 && !t.text && !t.rating;
      }, 'metadata takes one key:value term, e.g. plan:pro')
      .optional(),
  })
  .refine((q) => q.range !== 'custom' || (q.from !== undefined && q.to !== undefined), {
    message: 'a custom range needs from and to',
    path: ['from'],
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: 'from must be before to',
    path: ['from'],
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.to - q.from <= 366 * 24 * 3600_000, {
    message: 'a range is at most a year',
    path: ['to'],
  });
export type OverviewQuery = z.infer<typeof overviewQuery>;

const count = z.number().int();
const ms = z.number().nullable();

/** Nearest-rank percentiles from the stored histograms: MOS to 0.1, RTT to 10 ms, time to connect to 100 ms. */
const percentiles = z.strictObject({ p5: ms, p50: ms, p95: ms, count });

const qualityCounts = { good: count, fair: count, poor: count, unknown: count };

export const overviewBucketSchema = z.strictObject({
  /** Bucket start, epoch ms (UTC hour or day). */
  t: z.number(),
  sessions: count,
  calls: count,
  ...qualityCounts,
  mos: percentiles,
  rttMs: percentiles,
  /** Sessions per issue type (types with none are left out). */
  issues: z.record(z.string(), count),
});

export const overviewBreakdownRowSchema = z.strictObject({
  /** The value ('' when unknown); `major`: the browser's major version, browser rows only. */
  value: z.string(),
  major: z.string().nullable(),
  sessions: count,
  poor: count,
  relay: count,
  tcp: count,
  iceFailed: count,
  gumError: count,
  mos: percentiles,
  connectMs: percentiles,
});

export const overviewWorstCallSchema = z.strictObject({
  /** The session's public id (its page: /sessions/{id}). */
  id: z.string(),
  session: z.string().nullable(),
  user: z.string().nullable(),
  conference: z.string().nullable(),
  start: z.number(),
  mos: z.number(),
  rttMs: ms,
  quality: z.string().nullable(),
  issueTypes: z.array(z.string()),
  browser: z.string().nullable(),
  os: z.string().nullable(),
});

export const overviewSchema = z.strictObject({
  /** The range answered: `from` down and `to` up to whole buckets. */
  range: z.strictObject({ from: z.number(), to: z.number(), grain: z.enum(['hour', 'day']) }),
  /** rollup: the hourly / daily rollups; sessions: the session rows (a conference prefix or metadata filter). */
  source: z.enum(['rollup', 'sessions']),
  totals: z.strictObject({
    sessions: count,
    calls: count,
    ...qualityCounts,
    relay: count,
    tcp: count,
    iceFailed: count,
    gumError: count,
    mos: percentiles,
    rttMs: percentiles,
    connectMs: percentiles,
  }),
  /** Every bucket of the range, empty ones too, oldest first. */
  buckets: z.array(overviewBucketSchema),
  /** The most frequent issue types of the range, most sessions first (at most 8). */
  topIssues: z.array(z.strictObject({ type: z.string(), sessions: count })),
  breakdowns: z.strictObject({
    browser: z.array(overviewBreakdownRowSchema),
    os: z.array(overviewBreakdownRowSchema),
    protocol: z.array(overviewBreakdownRowSchema),
  }),
  /** The ten worst calls: lowest audio MOS, one row per conference (its worst session). */
  worst: z.array(overviewWorstCallSchema),
});
export type Overview = z.infer<typeof overviewSchema>;
export type OverviewBreakdownRow = z.infer<typeof overviewBreakdownRowSchema>;
