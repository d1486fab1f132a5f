/**
 * The sink that keeps everything in memory: for tests, uploads of small dumps and the dump viewer.
 * Long sessions should use a streaming sink instead.
 */

import type { DecodedDump, DumpMetadata, DumpSink, StatsReport, StatsSample, TraceEvent } from '../model';

export class CollectingSink implements DumpSink {
  readonly dump: DecodedDump = {
    metadata: { format: 'rtcstats' },
    events: [],
    stats: {},
    warnings: [],
  };
  private metadataSeen = false;

  /**
   * Decoders may send metadata more than once (Jitsi `identity` lines arrive after `connectionInfo`); later
   * fields win, earlier ones are kept, `extra` is merged.
   */
  metadata(meta: DumpMetadata): void {
    if (!this.metadataSeen) {
      this.metadataSeen = true;
      this.dump.metadata = { ...meta };
      return;
    }
    const extra = meta.extra || this.dump.metadata.extra ? { ...this.dump.metadata.extra, ...meta.extra } : undefined;
    this.dump.metadata = { ...this.dump.metadata, ...meta, ...(extra ? { extra } : {}) };
  }

  event(event: TraceEvent): void {
    this.dump.events.push(event);
  }

  /**
   * Keeps each connection's samples in time order even when the input was not (reordered lines). Decoders may
   * reuse report objects between samples (`DumpSink.stats` contract), so what is kept is a snapshot.
   */
  stats(live: StatsSample): void {
    const sample = snapshot(live);
    const all = this.dump.stats;
    if (!Object.hasOwn(all, sample.pc)) {
      // defineProperty: a connection id like `__proto__` must become a key, not a prototype.
      Object.defineProperty(all, sample.pc, { value: [sample], enumerable: true, writable: true, configurable: true });
      return;
    }
    const samples = all[sample.pc];
    let index = samples.length;
    while (index > 0 && samples[index - 1].time > sample.time) index--;
    samples.splice(index, 0, sample);
  }

  warn(message: string): void {
    this.dump.warnings.push(message);
  }
}

/**
 * A copy of a sample that later samples cannot change: a new id → report object and a shallow copy of every
 * report (sub-objects and arrays are never mutated by decoders, so they are shared). Same keys in the same order.
 */
export function snapshot(sample: StatsSample): StatsSample {
  const reports: Record<string, StatsReport> = {};
  const live = sample.reports;
  for (const id of Object.keys(live)) {
    const copy = { ...live[id] };
    if (id === '__proto__') {
      // defineProperty: an id like `__proto__` must stay a key, not become the prototype.
      Object.defineProperty(reports, id, { value: copy, enumerable: true, writable: true, configurable: true });
    } else {
      reports[id] = copy;
    }
  }
  return { ...sample, reports };
}

/** Runs `decode` against a fresh `CollectingSink` and returns what it collected. */
export function collectDump(decode: (sink: DumpSink) => void): DecodedDump {
  const sink = new CollectingSink();
  decode(sink);
  return sink.dump;
}
