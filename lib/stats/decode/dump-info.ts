/**
 * What an uploaded dump is, without decoding its stats: format, metadata (with the identity a Jitsi dump gives),
 * the time span of its events and samples, and its line count. The same decoders as processing, read strictly
 * (a broken structure is refused, not stored) and with `statsTimesOnly` (no getStats decompression), so the
 * session row an upload creates says what its analysis will say. It runs in a worker thread on the stored file.
 */
import type { DumpFormat, DumpMetadata, DumpSink } from '../model';
import { createChunkedDumpDecoder } from './detect';
import { isObject } from './values';

export interface DumpInfo {
  format: DumpFormat;
  metadata: DumpMetadata;
  /** Earliest and latest time (epoch ms) of any event or stats sample. */
  firstTime?: number;
  lastTime?: number;
  /** Lines of the dump, as rtcstats-server counts messages. */
  lineCount: number;
  /**
   * The client's own `create` event: its `userAgent` and `userAgentData` (rtcstats-js), for a dump whose metadata
   * names no User-Agent (Chrome 144 on may send only the client hints).
   */
  client?: { userAgent?: string; userAgentData?: unknown };
}

function newlines(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) count++;
  return count;
}

/**
 * Reads the (inflated) dump chunk by chunk. Throws DumpFormatError: `unsupported` (not a dump) or `invalid`
 * (broken structure).
 */
export function readDumpInfo(chunks: Iterable<Buffer>): DumpInfo {
  let metadata: DumpMetadata | undefined;
  let firstTime: number | undefined;
  let lastTime: number | undefined;
  let client: DumpInfo['client'];
  const observe = (time: number) => {
    if (!(time > 0) || !Number.isFinite(time)) return; // webrtc-internals `create` without a time is 0
    if (firstTime === undefined || time < firstTime) firstTime = time;
    if (lastTime === undefined || time > lastTime) lastTime = time;
  };
  const sink: DumpSink = {
    // Later metadata (Jitsi identity lines) is merged over the first, as the analyzer does.
    metadata: (meta) => {
      metadata = { ...metadata, ...meta };
    },
    event: (event) => {
      observe(event.time);
      if (client === undefined && event.pc === null && event.type === 'create' && isObject(event.value)) {
        const { userAgent, userAgentData } = event.value;
        client = { userAgent: typeof userAgent === 'string' && userAgent ? userAgent : undefined, userAgentData };
      }
    },
    stats: (sample) => observe(sample.time),
    warn: () => {},
  };
  const decoder = createChunkedDumpDecoder(sink, { strict: true, statsTimesOnly: true });
  let lineCount = 1;
  for (const chunk of chunks) {
    lineCount += newlines(chunk);
    decoder.push(chunk);
  }
  const format = decoder.end();
  return { format, metadata: metadata ?? { format }, firstTime, lastTime, lineCount, client };
}
