/**
 * The search's results as a file: every session the search would page through, with the same filters, as CSV or
 * NDJSON (one `SessionListItem` a line). Streamed: the rows are read in keyset-paged batches of EXPORT_BATCH as the
 * client reads, so any number of sessions costs one batch of memory, and a client that goes away stops the reads.
 */
import type { SessionListItem } from '@/lib/schemas/read-api';
import type { ExportSessionsQuery } from '@/lib/schemas/sessions';
import { listSessions, searchScope } from '@/lib/server/data/read-sessions';

/** Sessions read per database round trip (the search's pages are 50). */
const EXPORT_BATCH = 500;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The CSV's columns, in order: the header row, and how each is read from a session. */
const CSV_COLUMNS: [string, (s: SessionListItem) => string | number | boolean | null][] = [
  ['id', (s) => s.id],
  ['session', (s) => s.session],
  ['user', (s) => s.user],
  ['conference', (s) => s.conference],
  ['start', (s) => iso(s.start)],
  ['end', (s) => iso(s.end)],
  ['duration_ms', (s) => s.durationMs],
  ['live', (s) => s.live],
  ['status', (s) => s.status],
  ['quality', (s) => s.quality],
  ['issue_count', (s) => s.issueCount],
  ['issue_types', (s) => s.issueTypes.join(';')],
  ['browser', (s) => s.browser],
  ['browser_version', (s) => s.browserVersion],
  ['os', (s) => s.os],
  ['participants', (s) => s.participants],
  ['feedback_rating', (s) => s.feedbackRating],
  ['source', (s) => s.source],
  ['format', (s) => s.format],
  ['historical', (s) => s.historical],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. Text that a
 * spreadsheet would run as a formula (it starts with = + - @, or a tab / carriage return) gets a leading apostrophe
 * first (OWASP's CSV injection advice); ids are the client's own strings, so any of them may.
 */
function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvRow = (fields: (string | number | boolean | null)[]) => `${fields.map(csvField).join(',')}\r\n`;

/** Every matching session, newest first, a batch at a time. */
async function* matchingBatches(query: Omit<ExportSessionsQuery, 'format'>): AsyncGenerator<SessionListItem[]> {
  const { filters } = await searchScope(query);
  let cursor: string | undefined;
  do {
    const page = await listSessions({ ...filters, limit: EXPORT_BATCH, cursor });
    if (page.sessions.length) yield page.sessions;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

async function* exportChunks(query: ExportSessionsQuery): AsyncGenerator<string> {
  const { format, ...filters } = query;
  if (format === 'csv') yield csvRow(CSV_COLUMNS.map(([name]) => name));
  for await (const batch of matchingBatches(filters)) {
    yield format === 'csv'
      ? batch.map((s) => csvRow(CSV_COLUMNS.map(([, read]) => read(s)))).join('')
      : batch.map((s) => `${JSON.stringify(s)}\n`).join('');
  }
}

/** The export as a response body: pulled batch by batch as the client reads (backpressure), cancelled with it. */
export function exportSessions(query: ExportSessionsQuery): ReadableStream<Uint8Array> {
  const chunks = exportChunks(query);
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/** `callscope-sessions-20261203-1830.csv`: when it was made (UTC), and what it is. */
export function exportFilename(format: ExportSessionsQuery['format'], now = new Date()): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `callscope-sessions-${stamp}.${format}`;
}
