import {
  OVERVIEW_RANGES,
  type Overview,
  type OverviewBreakdownRow,
  type OverviewQuery,
  overviewSchema,
} from '@/lib/schemas/overview';
import { databasePool, db } from '@/lib/server/db/client';
import { parseSearchTerms } from '@/lib/shared/search-terms';

/**
 * The Overview page's aggregates (issue 15). Without a conference prefix or metadata filter everything comes from the
 * hourly / daily rollups a trigger keeps (`overview_rollup`, `overview_call`: migration 20261204000000_overview), a few
 * hundred rows whatever the number of sessions; with one, the same figures are computed from the matching session rows
 * (the conference prefix index, the metadata GIN index). Percentiles come from the stored histograms either way, so
 * both paths answer alike. The ten worst calls are the counted rows with the lowest MOS (its index).
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Ranges up to this long are charted per hour, longer ones per day. */
const HOURLY_UP_TO = 3 * DAY;
const TOP_ISSUES = 8;
const WORST = 10;

/** The time a session counts at, as the trigger computes it. */
const ROW_TIME = 'coalesce(r.first_event_at, r.session_start, r.created_at)';

interface Hist {
  n: number;
  /** Bucket i (0-based) → its value. */
  value: (i: number) => number;
}
const MOS: Hist = { n: 41, value: (i) => Math.round((1 + i / 10) * 10) / 10 };
const RTT: Hist = { n: 101, value: (i) => (i === 100 ? 1000 : i * 10 + 5) };
const CONNECT: Hist = { n: 101, value: (i) => (i === 100 ? 10_000 : i * 100 + 50) };

/** Nearest-rank p-th percentile (0 < p ≤ 1) from a histogram: the value of the bucket it falls in. */
function percentile(hist: number[], p: number, h: Hist): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] ?? 0;
    if (seen >= rank) return h.value(i);
  }
  return h.value(hist.length - 1);
}

function percentiles(hist: number[] | null, h: Hist) {
  const x = hist ?? [];
  return {
    p5: percentile(x, 0.05, h),
    p50: percentile(x, 0.5, h),
    p95: percentile(x, 0.95, h),
    count: x.reduce((a, b) => a + b, 0),
  };
}

/** The range, `from` down and `to` up to whole buckets (UTC hours and days are whole multiples of epoch ms). */
export function overviewRange(q: OverviewQuery, now = Date.now()) {
  const to = q.to ?? now;
  const from = q.range === 'custom' ? (q.from ?? to - DAY) : (q.from ?? to - OVERVIEW_RANGES[q.range]);
  const grain = to - from <= HOURLY_UP_TO ? ('hour' as const) : ('day' as const);
  const size = grain === 'hour' ? HOUR : DAY;
  return { from: Math.floor(from / size) * size, to: Math.ceil(to / size) * size, grain, size };
}

async function sql<T>(text: string, values: unknown[]): Promise<T[]> {
  db();
  const pool = databasePool();
  if (!pool) throw new Error('database not connected yet');
  const { rows } = await pool.query(text, values);
  return rows as T[];
}

interface SumRow {
  sessions: number;
  calls: number;
  good: number;
  fair: number;
  poor: number;
  unknown: number;
  relay: number;
  tcp: number;
  ice_failed: number;
  gum_error: number;
  mos_hist: number[] | null;
  rtt_hist: number[] | null;
  connect_hist: number[] | null;
}
type SeriesRow = SumRow & { bucket: Date };
type BreakdownRow = SumRow & { kind: 'browser' | 'os' | 'protocol'; value: string; major: string | null };
interface Parts {
  series: SeriesRow[];
  issues: { bucket: Date; type: string; n: number }[];
  breakdown: BreakdownRow[];
}

const SUMS = `sum(sessions)::int AS sessions, sum(calls)::int AS calls, sum(good)::int AS good, sum(fair)::int AS fair,
  sum(poor)::int AS poor, sum(unknown)::int AS unknown, sum(relay)::int AS relay, sum(tcp)::int AS tcp,
  sum(ice_failed)::int AS ice_failed, sum(gum_error)::int AS gum_error, overview_hist_sum(mos_hist) AS mos_hist,
  overview_hist_sum(rtt_hist) AS rtt_hist, overview_hist_sum(connect_hist) AS connect_hist`;

/** Rollup levels (bits: 8 browser, 4 major version, 2 OS, 1 client protocol; migration 20261204000000_overview). */
const BROWSER = 8;
const MAJOR = 4;
const OS = 2;
const PROTOCOL = 1;

type Range = ReturnType<typeof overviewRange>;

/** From the rollups: each read at the level that keeps the dimensions it filters on and breaks down by. */
async function fromRollup(q: OverviewQuery, range: Range): Promise<Parts> {
  const values: unknown[] = [range.grain, new Date(range.from), new Date(range.to)];
  const where: string[] = [];
  if (q.browser) {
    values.push(q.browser);
    where.push(`lower(browser) = lower($${values.length})`);
  }
  if (q.os) {
    values.push(q.os);
    where.push(`lower(os) = lower($${values.length})`);
  }
  const filterBits = (q.browser ? BROWSER : 0) | (q.os ? OS : 0);
  const levels = {
    series: filterBits,
    browser: BROWSER | MAJOR | filterBits,
    os: OS | filterBits,
    protocol: PROTOCOL | filterBits,
  };
  const base = `FROM overview_rollup WHERE grain = $1 AND bucket >= $2 AND bucket < $3 ${where.map((w) => `AND ${w}`).join(' ')}`;
  // A bucket's calls are the rollup's: at level 0 the distinct conferences with a session starting in the bucket;
  // with a browser or OS filter, those whose first counted session there matched.
  const [series, issues, breakdown] = await Promise.all([
    sql<SeriesRow>(`SELECT bucket, ${SUMS} ${base} AND level = ${levels.series} GROUP BY bucket`, values),
    sql<Parts['issues'][number]>(
      `SELECT bucket, e.key AS type, sum(e.value::int)::int AS n
         FROM overview_rollup, jsonb_each_text(issues) AS e
        WHERE grain = $1 AND bucket >= $2 AND bucket < $3 ${where.map((w) => `AND ${w}`).join(' ')}
          AND level = ${levels.series}
        GROUP BY 1, 2`,
      values,
    ),
    sql<SumRow & { level: number; browser: string; browser_major: string; os: string; client_protocol: string }>(
      `SELECT level, browser, browser_major, os, client_protocol, ${SUMS} ${base}
          AND level IN (${levels.browser}, ${levels.os}, ${levels.protocol})
        GROUP BY level, browser, browser_major, os, client_protocol`,
      values,
    ),
  ]);
  return {
    series,
    issues,
    breakdown: breakdown.map((r) =>
      r.level === levels.browser
        ? { ...r, kind: 'browser' as const, value: r.browser, major: r.browser_major }
        : r.level === levels.os
          ? { ...r, kind: 'os' as const, value: r.os, major: null }
          : { ...r, kind: 'protocol' as const, value: r.client_protocol, major: null },
    ),
  };
}

/** The filters on session rows, from `$first` on: browser, OS, conference prefix, metadata term. */
function rowFilters(q: OverviewQuery, values: unknown[]): string {
  const where: string[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  if (q.browser) add((p) => `lower(r.browser_name) = lower(${p})`, q.browser);
  if (q.os) add((p) => `lower(r.os_name) = lower(${p})`, q.os);
  if (q.conference) {
    add((p) => `r.rtcstats_conference LIKE ${p}`, `${q.conference.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (q.metadata) add((p) => `r.metadata_terms @> ${p}::text[]`, parseSearchTerms(q.metadata).metadata);
  return where.map((w) => `AND ${w}`).join(' ');
}

/** The same figures from the matching session rows (a conference prefix or metadata filter). */
async function fromRows(q: OverviewQuery, range: Range): Promise<Parts> {
  const values: unknown[] = [range.grain, new Date(range.from), new Date(range.to)];
  const filters = rowFilters(q, values);
  const rows = `rows AS (
    SELECT date_trunc($1, ${ROW_TIME}, 'UTC') AS bucket, coalesce(r.browser_name, '') AS browser,
           coalesce(split_part(r.browser_version, '.', 1), '') AS browser_major, coalesce(r.os_name, '') AS os,
           coalesce(r.client_protocol, '') AS client_protocol, r.quality, r.issue_types, r.mos, r.rtt_ms,
           r.connect_ms, r.rtcstats_conference
      FROM "rtcstats-server" r
     WHERE r.overview_counted AND ${ROW_TIME} >= $2 AND ${ROW_TIME} < $3 ${filters})`;
  const sums = `count(*)::int AS sessions, count(DISTINCT rtcstats_conference)::int AS calls,
    count(*) FILTER (WHERE quality = 'good')::int AS good, count(*) FILTER (WHERE quality = 'fair')::int AS fair,
    count(*) FILTER (WHERE quality = 'poor')::int AS poor,
    count(*) FILTER (WHERE quality IS NULL OR quality NOT IN ('good', 'fair', 'poor'))::int AS unknown,
    count(*) FILTER (WHERE 'relay' = ANY(issue_types))::int AS relay,
    count(*) FILTER (WHERE 'tcp' = ANY(issue_types))::int AS tcp,
    count(*) FILTER (WHERE 'ice-failure' = ANY(issue_types))::int AS ice_failed,
    count(*) FILTER (WHERE 'media-error' = ANY(issue_types))::int AS gum_error,
    overview_hist(array_agg(overview_mos_bucket(mos)), 41) AS mos_hist,
    overview_hist(array_agg(overview_rtt_bucket(rtt_ms)), 101) AS rtt_hist,
    overview_hist(array_agg(overview_connect_bucket(connect_ms)), 101) AS connect_hist`;
  // One pass over the matching rows (materialized once), its three aggregates as JSON rows of one answer.
  const parts = await sql<{ part: 's' | 'i' | 'b'; row: Record<string, unknown> }>(
    `WITH ${rows.replace('rows AS (', 'rows AS MATERIALIZED (')},
     series AS (SELECT bucket, ${sums} FROM rows GROUP BY bucket),
     issues AS (SELECT bucket, t AS type, count(*)::int AS n FROM rows, unnest(issue_types) AS t GROUP BY 1, 2),
     breakdown AS (SELECT browser, browser_major, os, client_protocol,
                          GROUPING(browser, browser_major, os, client_protocol) AS set, ${sums}
                     FROM rows GROUP BY GROUPING SETS ((browser, browser_major), (os), (client_protocol)))
     SELECT 's' AS part, to_json(series) AS row FROM series
     UNION ALL SELECT 'i', to_json(issues) FROM issues
     UNION ALL SELECT 'b', to_json(breakdown) FROM breakdown`,
    values,
  );
  const of = <T>(part: 's' | 'i' | 'b') =>
    parts
      .filter((p) => p.part === part)
      .map((p) => (p.row.bucket ? { ...p.row, bucket: new Date(String(p.row.bucket)) } : p.row) as T);
  const series = of<SeriesRow>('s');
  const issues = of<Parts['issues'][number]>('i');
  const breakdown = of<
    SumRow & {
      browser: string | null;
      browser_major: string | null;
      os: string | null;
      client_protocol: string | null;
      set: number;
    }
  >('b');
  // GROUPING bits, highest first: browser, browser_major, os, client_protocol (1: not grouped by it).
  return {
    series,
    issues,
    breakdown: breakdown.map((r) =>
      r.set === 0b0011
        ? { ...r, kind: 'browser' as const, value: r.browser ?? '', major: r.browser_major }
        : r.set === 0b1101
          ? { ...r, kind: 'os' as const, value: r.os ?? '', major: null }
          : { ...r, kind: 'protocol' as const, value: r.client_protocol ?? '', major: null },
    ),
  };
}

function addHist(a: number[], b: number[] | null): number[] {
  if (!b) return a;
  const out = a.length >= b.length ? [...a] : [...b];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return out;
}

export async function getOverview(q: OverviewQuery, now = Date.now()): Promise<Overview> {
  const range = overviewRange(q, now);
  const rowsPath = q.conference !== undefined || q.metadata !== undefined;
  const [parts, worst] = await Promise.all([
    rowsPath ? fromRows(q, range) : fromRollup(q, range),
    worstCalls(q, range),
  ]);

  const byBucket = new Map(parts.series.map((r) => [r.bucket.getTime(), r]));
  const issuesBy = new Map<number, Record<string, number>>();
  const issueTotals = new Map<string, number>();
  for (const r of parts.issues) {
    if (r.n <= 0) continue;
    const t = r.bucket.getTime();
    const rec = issuesBy.get(t) ?? {};
    rec[r.type] = r.n;
    issuesBy.set(t, rec);
    issueTotals.set(r.type, (issueTotals.get(r.type) ?? 0) + r.n);
  }
  const buckets: Overview['buckets'] = [];
  const sum = { sessions: 0, good: 0, fair: 0, poor: 0, unknown: 0, relay: 0, tcp: 0, iceFailed: 0, gumError: 0 };
  let mosHist: number[] = [];
  let rttHist: number[] = [];
  let connectHist: number[] = [];
  for (let t = range.from; t < range.to; t += range.size) {
    const r = byBucket.get(t);
    if (r) {
      sum.sessions += r.sessions;
      sum.good += r.good;
      sum.fair += r.fair;
      sum.poor += r.poor;
      sum.unknown += r.unknown;
      sum.relay += r.relay;
      sum.tcp += r.tcp;
      sum.iceFailed += r.ice_failed;
      sum.gumError += r.gum_error;
      mosHist = addHist(mosHist, r.mos_hist);
      rttHist = addHist(rttHist, r.rtt_hist);
      connectHist = addHist(connectHist, r.connect_hist);
    }
    buckets.push({
      t,
      sessions: r?.sessions ?? 0,
      calls: r?.calls ?? 0,
      good: r?.good ?? 0,
      fair: r?.fair ?? 0,
      poor: r?.poor ?? 0,
      unknown: r?.unknown ?? 0,
      mos: percentiles(r?.mos_hist ?? null, MOS),
      rttMs: percentiles(r?.rtt_hist ?? null, RTT),
      issues: issuesBy.get(t) ?? {},
    });
  }
  const toRow = (r: BreakdownRow): OverviewBreakdownRow => ({
    value: r.value,
    major: r.major,
    sessions: r.sessions,
    poor: r.poor,
    relay: r.relay,
    tcp: r.tcp,
    iceFailed: r.ice_failed,
    gumError: r.gum_error,
    mos: percentiles(r.mos_hist, MOS),
    connectMs: percentiles(r.connect_hist, CONNECT),
  });
  const rowsOf = (kind: BreakdownRow['kind']) =>
    parts.breakdown
      .filter((r) => r.kind === kind && r.sessions > 0)
      .map(toRow)
      .sort(
        (a, b) =>
          b.sessions - a.sessions || a.value.localeCompare(b.value) || (a.major ?? '').localeCompare(b.major ?? ''),
      );
  return overviewSchema.parse({
    range: { from: range.from, to: range.to, grain: range.grain },
    source: rowsPath ? 'sessions' : 'rollup',
    totals: {
      ...sum,
      // Calls per bucket summed: a call whose sessions started in two buckets counts in both.
      calls: buckets.reduce((a, b) => a + b.calls, 0),
      mos: percentiles(mosHist, MOS),
      rttMs: percentiles(rttHist, RTT),
      connectMs: percentiles(connectHist, CONNECT),
    },
    buckets,
    topIssues: [...issueTotals]
      .map(([type, sessions]) => ({ type, sessions }))
      .sort((a, b) => b.sessions - a.sessions || a.type.localeCompare(b.type))
      .slice(0, TOP_ISSUES),
    breakdowns: { browser: rowsOf('browser'), os: rowsOf('os'), protocol: rowsOf('protocol') },
    worst,
  });
}

/** The ten worst calls of the range: counted rows by lowest MOS (its index), the worst session of each conference. */
async function worstCalls(q: OverviewQuery, range: Range): Promise<Overview['worst']> {
  const values: unknown[] = [new Date(range.from), new Date(range.to)];
  const filters = rowFilters(q, values);
  const rows = await sql<{
    id: string;
    rtcstats_session: string | null;
    rtcstats_user: string | null;
    rtcstats_conference: string | null;
    t: Date;
    mos: number;
    rtt_ms: number | null;
    quality: string | null;
    issue_types: string[];
    browser_name: string | null;
    os_name: string | null;
  }>(
    `SELECT r.id::text AS id, r.rtcstats_session, r.rtcstats_user, r.rtcstats_conference, ${ROW_TIME} AS t, r.mos,
            r.rtt_ms, r.quality, r.issue_types, r.browser_name, r.os_name
       FROM "rtcstats-server" r
      WHERE r.overview_counted AND r.mos IS NOT NULL AND ${ROW_TIME} >= $1 AND ${ROW_TIME} < $2
            ${filters}
      ORDER BY r.mos ASC, r.id ASC LIMIT ${WORST * 10}`,
    values,
  );
  const seen = new Set<string>();
  const out: Overview['worst'] = [];
  for (const r of rows) {
    const key = r.rtcstats_conference ?? `session:${r.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      id: r.id,
      session: r.rtcstats_session,
      user: r.rtcstats_user,
      conference: r.rtcstats_conference,
      start: r.t.getTime(),
      mos: Math.round(r.mos * 1000) / 1000,
      rttMs: r.rtt_ms === null ? null : Math.round(r.rtt_ms * 1000) / 1000,
      quality: r.quality,
      issueTypes: r.issue_types,
      browser: r.browser_name,
      os: r.os_name,
    });
    if (out.length === WORST) break;
  }
  return out;
}
