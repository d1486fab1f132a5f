/**
 * Shared plumbing of the line-oriented decoders (rtcstats file format 3, Jitsi dumps): line splitting across
 * chunks, line numbering, the per-line size bound, warning throttling, and the guarantee that malformed input
 * never throws out of `pushLine`.
 *
 * Errors thrown by the sink itself (e.g. a database write failing) are not input problems: they propagate.
 */

import { StringDecoder } from 'node:string_decoder';
import type { DumpSink } from '../model';
import { DumpFormatError } from './dump-format-error';

export interface LineDecoderOptions {
  /** Lines longer than this (UTF-16 code units) are skipped with a warning. Default 64 MiB. */
  maxLineLength?: number;
  /** Warnings after this many are counted instead of sent one by one. Default 200. */
  maxWarnings?: number;
  /** A broken dump structure (no metadata line, an unsupported file format) throws `DumpFormatError` instead of
   * being decoded anyway with a warning: for uploads, which are refused rather than stored half-understood. */
  strict?: boolean;
  /** getStats samples reach the sink with their times and no reports, skipping decompression: for reading what
   * a dump is (format, identity, time span) at a fraction of the cost of decoding it. */
  statsTimesOnly?: boolean;
}

/** The empty report set `statsTimesOnly` samples carry. */
export const NO_REPORTS: Readonly<Record<string, never>> = Object.freeze({});

const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;
const DEFAULT_MAX_WARNINGS = 200;

/** Marks an error that came out of the sink, so decoders' catch-alls let it through. */
export class SinkFailure {
  constructor(readonly error: unknown) {}
}

/** Wraps every sink call so that its failures surface as `SinkFailure` (told apart from decoding failures). */
export function guardSink(sink: DumpSink): DumpSink {
  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        throw new SinkFailure(error);
      }
    };
  return {
    metadata: guard((meta) => sink.metadata(meta)),
    event: guard((event) => sink.event(event)),
    stats: guard((sample) => sink.stats(sample)),
    warn: guard((message) => sink.warn(message)),
  };
}

/**
 * Runs `decode` against a guarded sink: an unexpected decoding error becomes a warning, a sink error propagates.
 */
export function runGuarded(sink: DumpSink, what: string, decode: (guarded: DumpSink) => void): void {
  const guarded = guardSink(sink);
  try {
    decode(guarded);
  } catch (error) {
    if (error instanceof SinkFailure) throw error.error;
    if (error instanceof DumpFormatError) throw error;
    sink.warn(`${what}: decoding stopped (${describeError(error)})`);
  }
}

export abstract class LineDecoder {
  /** 1-based number of the line being decoded (counts empty lines too, as an editor would). */
  protected lineNumber = 0;
  private readonly maxLineLength: number;
  private readonly maxWarnings: number;
  private warningCount = 0;
  protected readonly strict: boolean;
  protected readonly statsTimesOnly: boolean;
  private partial = '';
  private textDecoder?: StringDecoder;
  private ended = false;
  protected readonly sink: DumpSink;

  constructor(sink: DumpSink, options: LineDecoderOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.maxWarnings = options.maxWarnings ?? DEFAULT_MAX_WARNINGS;
    this.strict = options.strict ?? false;
    this.statsTimesOnly = options.statsTimesOnly ?? false;
    this.sink = guardSink(sink);
  }

  /** Decodes one line (without its `\n`). Never throws for bad input. */
  pushLine(line: string): void {
    this.lineNumber++;
    try {
      if (this.ended) {
        this.warn('line arrived after end(), skipped');
        return;
      }
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (text.length > this.maxLineLength) {
        this.warn(`line ${this.lineNumber}: ${text.length} characters exceed the ${this.maxLineLength} limit, skipped`);
        return;
      }
      if (text.trim() === '') return;
      this.decodeLine(text);
    } catch (error) {
      if (error instanceof SinkFailure) throw error.error;
      if (error instanceof DumpFormatError) throw error;
      this.safeWarn(`line ${this.lineNumber}: could not be decoded (${describeError(error)}), skipped`);
    }
  }

  /** Feeds a chunk of an append-only file; an incomplete last line waits for the next chunk or `end()`. */
  push(chunk: string | Buffer): void {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      this.textDecoder ??= new StringDecoder('utf8');
      text = this.textDecoder.write(chunk);
    }
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      const piece = text.slice(start, newline);
      start = newline + 1;
      if (this.discardingLine) {
        // The rest of an over-long line that was already reported.
        this.discardingLine = false;
      } else if (this.partial) {
        const line = this.partial + piece;
        this.partial = '';
        this.pushLine(line);
      } else {
        this.pushLine(piece);
      }
    }
    if (start < text.length && !this.discardingLine) {
      this.partial += text.slice(start);
      // A file without newlines would otherwise grow this buffer forever.
      if (this.partial.length > this.maxLineLength) {
        this.lineNumber++;
        this.safeWarn(`line ${this.lineNumber}: exceeds the ${this.maxLineLength} character limit, skipped`);
        this.partial = '';
        this.discardingLine = true;
      }
    }
  }

  private discardingLine = false;

  /** Flushes the last line (a truncated file has no final `\n`) and lets the decoder report what is missing. */
  end(): void {
    if (this.ended) return;
    const rest = (this.textDecoder?.end() ?? '') + this.partial;
    this.partial = '';
    if (rest) this.pushLine(rest);
    this.ended = true;
    try {
      this.finish();
    } catch (error) {
      if (error instanceof SinkFailure) throw error.error;
      if (error instanceof DumpFormatError) throw error;
      this.safeWarn(`end of input: could not finish (${describeError(error)})`);
    }
    if (this.warningCount > this.maxWarnings) {
      this.sink.warn(`${this.warningCount - this.maxWarnings} further warnings suppressed`);
    }
  }

  /** Decodes one non-empty line. May throw: `pushLine` turns that into a warning. */
  protected abstract decodeLine(line: string): void;
  /** Called once by `end()`. */
  protected abstract finish(): void;

  protected warn(message: string): void {
    this.warningCount++;
    if (this.warningCount <= this.maxWarnings) this.sink.warn(message);
  }

  /** Like `warn` but also usable inside the catch-all (never masks the original problem). */
  private safeWarn(message: string): void {
    try {
      this.warn(message);
    } catch (error) {
      if (error instanceof SinkFailure) throw error.error;
    }
  }
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Calls `fn` for every line of `text` without building an array of all lines. */
export function forEachLine(text: string, fn: (line: string) => void): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start || end < text.length) fn(text.slice(start, end));
    start = end + 1;
  }
}
