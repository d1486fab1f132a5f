/** Convenience entry points: analyse a dump already in memory, or raw dump bytes. */

import { decodeDump } from '../decode/detect';
import type { DecodedDump, StatsSample } from '../model';
import { SessionAnalyzer, type SessionAnalyzerOptions } from './session-analyzer';
import type { SessionAnalysis } from './types';

/**
 * Replays a collected dump into a `SessionAnalyzer` in time order (events and every connection's samples
 * merged), as a streaming decoder would have delivered it.
 */
export function analyzeDecoded(decoded: DecodedDump, options?: SessionAnalyzerOptions): SessionAnalysis {
  const analyzer = new SessionAnalyzer(options);
  analyzer.metadata(decoded.metadata);
  const streams: StatsSample[][] = Object.values(decoded.stats);
  const next = streams.map(() => 0);
  for (const ev of decoded.events) {
    // Samples up to this event's time go first; ties go to the event (state changes precede the poll).
    drain(ev.time, false);
    analyzer.event(ev);
  }
  drain(Number.POSITIVE_INFINITY, true);
  for (const w of decoded.warnings) analyzer.warn(w);
  return analyzer.result();

  function drain(until: number, inclusive: boolean): void {
    for (;;) {
      let best = -1;
      let bestTime = Number.POSITIVE_INFINITY;
      for (let i = 0; i < streams.length; i++) {
        const s = streams[i][next[i]];
        if (s !== undefined && s.time < bestTime) {
          best = i;
          bestTime = s.time;
        }
      }
      if (best < 0 || bestTime > until || (!inclusive && bestTime === until)) return;
      analyzer.stats(streams[best][next[best]++]);
    }
  }
}

/** Decodes raw dump bytes (any supported format, gzip or not) straight into an analyser. */
export function analyzeBuffer(buffer: Buffer | string, options?: SessionAnalyzerOptions): SessionAnalysis {
  const analyzer = new SessionAnalyzer(options);
  decodeDump(buffer, analyzer);
  return analyzer.result();
}
