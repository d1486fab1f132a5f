/**
 * One session analysed while its dump grows: the dump's bytes are pushed as they are written (any chunking), each
 * decoded once into a `SessionAnalyzer`, which keeps only what the analysis needs (previous counters, open
 * quality-limitation bands, the series). `snapshot()` is the analysis so far and leaves the state as it was;
 * `finish()` ends the dump and is the final analysis: the same as analysing the finished dump in one go
 * (`analyzeBuffer`), which `incremental-analysis.test.ts` checks on every fixture. An `observer` (the live
 * session's stream presence) is given the same decoded events and samples, so nothing is decoded twice.
 */

import { type ChunkedDumpDecoder, createChunkedDumpDecoder } from '../decode/detect';
import type { DumpSink } from '../model';
import { SessionAnalyzer } from './session-analyzer';
import type { SessionAnalysis } from './types';

export class IncrementalAnalysis {
  private readonly analyzer = new SessionAnalyzer();
  private readonly decoder: ChunkedDumpDecoder;
  private finished = false;
  /** Dump bytes pushed so far. */
  bytes = 0;

  constructor(observer?: Pick<DumpSink, 'event' | 'stats'>) {
    const analyzer = this.analyzer;
    this.decoder = createChunkedDumpDecoder(
      observer
        ? {
            metadata: (m) => analyzer.metadata(m),
            event: (e) => {
              analyzer.event(e);
              observer.event(e);
            },
            stats: (s) => {
              analyzer.stats(s);
              observer.stats(s);
            },
            warn: (w) => analyzer.warn(w),
          }
        : analyzer,
    );
  }

  push(chunk: Buffer): void {
    if (this.finished) throw new Error('analysis already finished');
    this.decoder.push(chunk);
    this.bytes += chunk.length;
  }

  snapshot(): SessionAnalysis {
    return this.analyzer.result({ final: false });
  }

  finish(): SessionAnalysis {
    if (!this.finished) {
      this.finished = true;
      this.decoder.end();
    }
    return this.analyzer.result();
  }
}
