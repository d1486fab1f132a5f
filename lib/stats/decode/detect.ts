/**
 * Entry point for whole dumps: gunzips if needed, recognizes the format and runs the matching decoder.
 *
 * Recognized, in this order: rtcstats file format 3 (`RTCStatsDump\n`), Jitsi dumps (first line a JSON array
 * whose first element is `connectionInfo` or another method string, like `["identity", null, {...}, ts]`), and
 * chrome://webrtc-internals "Create dump" JSON (starts with `{`). Anything else throws `UnsupportedDumpError`;
 * once a format is recognized, damaged content only produces warnings (unless `strict`: see LineDecoderOptions).
 */

import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import type { DumpFormat, DumpSink } from '../model';
import { DumpFormatError } from './dump-format-error';
import { JitsiDecoder, decodeJitsi } from './jitsi';
import type { LineDecoderOptions } from './line-decoder';
import { decodeRtcstats, RTCSTATS_MAGIC, RtcstatsDecoder } from './rtcstats';
import { decodeWebrtcInternals } from './webrtc-internals';

/** Not a dump format Callscope reads (the `unsupported` kind of DumpFormatError). */
export class UnsupportedDumpError extends DumpFormatError {
  constructor(message: string) {
    super('unsupported', message);
    this.name = 'UnsupportedDumpError';
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

function isGzip(input: Buffer | string): boolean {
  return typeof input !== 'string' && input.length >= 2 && input[0] === GZIP_MAGIC_0 && input[1] === GZIP_MAGIC_1;
}

const tooLarge = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE';

/**
 * Gunzips `input` when it starts with the gzip magic. A truncated gzip stream keeps what could be inflated
 * (`finishFlush`), so a partly uploaded `.gz` still decodes up to the cut; `onTruncated` is told. More than
 * `maxBytes` inflated throws DumpFormatError `too_large`.
 */
export function maybeGunzip(
  input: Buffer | string,
  onTruncated?: (message: string) => void,
  maxBytes?: number,
): Buffer | string {
  if (!isGzip(input)) return input;
  const buffer = input as Buffer;
  const limit = maxBytes === undefined ? {} : { maxOutputLength: maxBytes };
  try {
    return gunzipSync(buffer, limit);
  } catch (error) {
    if (tooLarge(error)) throw new DumpFormatError('too_large', `inflates to more than ${maxBytes} bytes`);
    try {
      const partial = gunzipSync(buffer, { ...limit, finishFlush: zlibConstants.Z_SYNC_FLUSH });
      onTruncated?.(
        `gzip stream is damaged or truncated (${(error as Error).message}); decoded what could be inflated`,
      );
      return partial;
    } catch (partialError) {
      if (tooLarge(partialError)) throw new DumpFormatError('too_large', `inflates to more than ${maxBytes} bytes`);
      throw new UnsupportedDumpError(`gzip data could not be inflated: ${(error as Error).message}`);
    }
  }
}

/** How many leading characters are inspected to recognize a format. */
const SNIFF_LENGTH = 4096;

/** Recognizes the format of already-inflated content, or returns undefined. */
export function detectFormat(text: string): DumpFormat | undefined {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0; // tolerate a UTF-8 BOM
  const head = text.slice(start, start + SNIFF_LENGTH);
  if (head.startsWith(`${RTCSTATS_MAGIC}\n`) || head.startsWith(`${RTCSTATS_MAGIC}\r\n`) || head === RTCSTATS_MAGIC) {
    return 'rtcstats';
  }
  const trimmed = head.trimStart();
  if (trimmed.startsWith('{')) return 'webrtc-internals';
  // Jitsi: `["connectionInfo", null, {...}, ts]`, or (older/cut dumps) any `["method", ...` line.
  if (/^\[\s*"[^"\\]{1,200}"\s*,/.test(trimmed)) return 'jitsi';
  return undefined;
}

function unrecognized(head: string): UnsupportedDumpError {
  const preview = JSON.stringify(head.slice(0, 40));
  return new UnsupportedDumpError(
    `Unrecognized dump format: expected an RTCStatsDump (file format 3), a Jitsi dump or a webrtc-internals dump (starts with ${preview})`,
  );
}

export interface ChunkedDumpDecoder {
  /** The next chunk of the (already inflated) dump. */
  push(chunk: Buffer): void;
  /** Flushes what is left; returns the format. Throws `UnsupportedDumpError` when it was not recognized. */
  end(): DumpFormat;
}

/**
 * Decodes a dump that arrives in chunks (a file read piece by piece, an upload as it streams in), never holding
 * more than a chunk as text: the line formats decode line by line; a webrtc-internals dump is one JSON document,
 * so its bytes are kept and decoded at the end (the caller bounds its size). The format is recognized from the
 * first SNIFF_LENGTH bytes.
 */
export function createChunkedDumpDecoder(sink: DumpSink, options?: LineDecoderOptions): ChunkedDumpDecoder {
  let head: Buffer[] = [];
  let headBytes = 0;
  let format: DumpFormat | undefined;
  let lines: RtcstatsDecoder | JitsiDecoder | undefined;
  const whole: Buffer[] = [];
  const deliver = (chunk: Buffer) => {
    if (lines) lines.push(chunk);
    else whole.push(chunk);
  };
  const recognize = () => {
    const bytes = Buffer.concat(head);
    const text = bytes.subarray(0, SNIFF_LENGTH).toString('utf8');
    format = detectFormat(text);
    if (!format) throw unrecognized(text);
    if (format === 'rtcstats') lines = new RtcstatsDecoder(sink, options);
    else if (format === 'jitsi') lines = new JitsiDecoder(sink, options);
    head = [];
    deliver(bytes);
  };
  return {
    push(chunk) {
      if (format) return deliver(chunk);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= SNIFF_LENGTH) recognize();
    },
    end() {
      if (!format) recognize();
      if (lines) lines.end();
      else decodeWebrtcInternals(Buffer.concat(whole), sink, options);
      return format as DumpFormat;
    },
  };
}

/**
 * Decodes a whole dump into `sink`. Throws `UnsupportedDumpError` only when the format is not recognized
 * (including gzip data that cannot be inflated at all); with `strict`, DumpFormatError for a broken structure too.
 */
export function decodeDump(
  input: Buffer | string,
  sink: DumpSink,
  options?: LineDecoderOptions & { maxInflatedBytes?: number },
): DumpFormat {
  const truncationWarnings: string[] = [];
  const inflated = maybeGunzip(input, (message) => truncationWarnings.push(message), options?.maxInflatedBytes);
  // Only the head is turned into a string for sniffing; decoders get the original Buffer (decoded as UTF-8).
  const head =
    typeof inflated === 'string'
      ? inflated.slice(0, SNIFF_LENGTH)
      : inflated.subarray(0, SNIFF_LENGTH).toString('utf8');
  const format = detectFormat(head);
  if (!format) throw unrecognized(head);
  switch (format) {
    case 'rtcstats':
      decodeRtcstats(inflated, sink, options);
      break;
    case 'jitsi':
      decodeJitsi(inflated, sink, options);
      break;
    case 'webrtc-internals':
      decodeWebrtcInternals(inflated, sink, options);
      break;
  }
  for (const message of truncationWarnings) sink.warn(message);
  return format;
}
