/**
 * An NDJSON batch of rtcstats frames (POST /api/v1/frames), checked whole before any of it is stored: at most
 * MAX_BATCH_LINES lines (counted on the bytes, before any line is read), each one JSON array whose last element is
 * the timestamp delta, and a `["close", null, code?, ms]` line only at the end. Lines are kept verbatim (trimmed).
 * The server runs it in a worker thread (a batch may hold 8 MB of JSON), the tests directly.
 */
import { DomainError } from '@/lib/server/domain-error';
import { forEachLine } from '@/lib/stats/decode/line-decoder';

export const MAX_BATCH_BYTES = 8 * 1024 * 1024;
export const MAX_BATCH_LINES = 20_000;

export class FrameBatchError extends DomainError<'too_many_lines' | 'invalid_line'> {
  override name = 'FrameBatchError';
  protected readonly statusOf = { too_many_lines: 'payload_too_large', invalid_line: 'unprocessable_entity' } as const;
}

export interface FrameBatch {
  frames: string[];
  /** Set when the batch ends the session. */
  closeCode?: number;
}

function newlines(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) count++;
  return count;
}

const invalid = (line: number, why: string) => new FrameBatchError('invalid_line', `line ${line}: ${why}`);

/**
 * The rtcstats wire rule for one parsed frame, over the WebSocket as in a batch: a JSON array of at least two
 * elements whose last one is the timestamp delta, a number. Undefined when it holds.
 */
export function frameShapeProblem(parsed: unknown): string | undefined {
  if (!Array.isArray(parsed) || parsed.length < 2) return 'each frame must be one JSON array of at least 2 elements';
  if (typeof parsed[parsed.length - 1] !== 'number') return 'the last element of a frame must be its timestamp delta';
  return undefined;
}

const isCloseFrame = (parsed: unknown): parsed is unknown[] => Array.isArray(parsed) && parsed[0] === 'close' && parsed[1] === null;

/** Line numbers count the non-empty lines, as a client that skips blank ones would. */
export function parseFrameBatch(bytes: Buffer): FrameBatch {
  if (newlines(bytes) >= MAX_BATCH_LINES) {
    throw new FrameBatchError('too_many_lines', `A batch holds at most ${MAX_BATCH_LINES} lines`);
  }
  const lines: string[] = [];
  forEachLine(bytes.toString('utf8'), (line) => {
    const trimmed = line.trim();
    if (trimmed) lines.push(trimmed);
  });
  const frames: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(lines[i]);
    } catch {
      throw invalid(i + 1, 'not valid JSON');
    }
    if (isCloseFrame(parsed)) {
      if (i !== lines.length - 1) throw invalid(i + 1, 'the close frame must be the last line');
      return { frames, closeCode: typeof parsed[2] === 'number' ? parsed[2] : 1000 };
    }
    const problem = frameShapeProblem(parsed);
    if (problem) throw invalid(i + 1, problem);
    frames.push(lines[i]);
  }
  return { frames };
}

/** parseFrameBatch's outcome as plain data: it crosses from the worker thread that runs it (see worker-pool.ts). */
export type FrameBatchResult =
  | ({ ok: true } & FrameBatch)
  | { ok: false; code: FrameBatchError['code']; message: string };

export function tryParseFrameBatch(bytes: Buffer): FrameBatchResult {
  try {
    return { ok: true, ...parseFrameBatch(bytes) };
  } catch (err) {
    if (err instanceof FrameBatchError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
