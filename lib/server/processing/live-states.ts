/**
 * The analysis worker's live sessions: one `IncrementalAnalysis` per live dump, fed the bytes the node writes to
 * that dump and asked for snapshots and the final analysis. Runs in a live worker thread (analyze-worker.ts), which
 * stores them itself (live-store.ts). A final analysis is packed with each track's series as gzip'd JSON (what the
 * track row stores) instead of arrays; a snapshot with only the rows each track gained since the last stored
 * snapshot (`seriesChunks`, appended to track_series_chunk), so a snapshot's bytes and encoding cost what changed,
 * not the whole call so far. After a thread restart the first snapshot starts again from row 0 and replaces the
 * chunks stored before (`reset`).
 * Session monitoring rides along: each feed reports the streams that started or stopped being sent in it
 * (stream-presence.ts, fed the same decoded frames), and each snapshot and the final analysis the issues that
 * opened or closed since the previous one (issue-transitions.ts).
 */

import { IncrementalAnalysis } from '@/lib/stats/analyze/incremental-analysis';
import { type IssueTransition, IssueTransitions } from '@/lib/stats/analyze/issue-transitions';
import { encodeSeriesBlob, encodeSeriesChunk, type SeriesChunks } from '@/lib/stats/analyze/series-blob';
import { type StreamChange, StreamPresence } from '@/lib/stats/analyze/stream-presence';
import type { SessionAnalysis } from '@/lib/stats/analyze/types';

/** An analysis whose track series travel gzip'd (`seriesGz[i]` is `analysis.tracks[i].series`). */
export interface PackedAnalysis {
  analysis: SessionAnalysis;
  seriesGz: Uint8Array<ArrayBuffer>[];
  /** A snapshot's series as chunks instead (`seriesGz` then empty). */
  seriesChunks?: SeriesChunks;
  /** Dump bytes the analysis covers. */
  bytes: number;
  /** Session monitoring: what changed since the previous feed or take (live analyses only). */
  monitoring?: LiveMonitoring;
}

/** A live dump's monitoring changes: streams started or stopped, issues opened or closed. */
export interface LiveMonitoring {
  dumpId: string;
  streams: StreamChange[];
  issues: IssueTransition[];
}

interface LiveState {
  analysis: IncrementalAnalysis;
  streams: StreamPresence;
  issues: IssueTransitions;
  /** Rows of each track's series stored as chunks so far (by track index); null before the first stored one. */
  storedRows: number[] | null;
}

export interface LiveFeedEntry {
  dumpId: string;
  offset: number;
  length: number;
}

const EMPTY_SERIES = { t: [], values: {} };

/** The analysis without its tracks' series (they travel packed beside it). */
function withoutSeries(analysis: SessionAnalysis): SessionAnalysis {
  return { ...analysis, tracks: analysis.tracks.map((t) => ({ ...t, series: EMPTY_SERIES })) };
}

export function packAnalysis(analysis: SessionAnalysis, bytes: number): PackedAnalysis {
  const seriesGz = analysis.tracks.map((t) => encodeSeriesBlob(t.series));
  return { analysis: withoutSeries(analysis), seriesGz, bytes };
}

/** A snapshot packed as chunks: each track's rows from `storedRows[i]` (all of them when `storedRows` is null). */
export function packSnapshot(analysis: SessionAnalysis, bytes: number, storedRows: readonly number[] | null): PackedAnalysis {
  const tracks = analysis.tracks.map((t, i) => {
    const firstRow = storedRows?.[i] ?? 0;
    return { firstRow, rows: t.series.t.length - firstRow, blob: encodeSeriesChunk(t.series, firstRow) };
  });
  return { analysis: withoutSeries(analysis), seriesGz: [], seriesChunks: { reset: storedRows === null, tracks }, bytes };
}

/** The rows of each track stored once `packed`'s chunks are (what the next snapshot's chunks start from). */
export function rowsAfter(packed: PackedAnalysis): number[] {
  return (packed.seriesChunks?.tracks ?? []).map((c) => c.firstRow + c.rows);
}

export class LiveStates {
  private readonly states = new Map<string, LiveState>();
  /** Dumps whose bytes did not decode: their final analysis comes from the dump (a job), not from here. */
  private readonly failed = new Set<string>();
  /** Final analyses made (`finish`) and not stored yet (`takeFinal`): the row's end and dump come in between. */
  private readonly finals = new Map<string, PackedAnalysis>();

  /**
   * Appends each entry's bytes to its session; returns the dumps that failed on this batch, and the monitoring
   * changes the batch made (only dumps with some).
   */
  feed(entries: LiveFeedEntry[], bytes: Uint8Array): { failed: string[]; monitoring: LiveMonitoring[] } {
    const failedNow: string[] = [];
    const monitoring: LiveMonitoring[] = [];
    for (const e of entries) {
      if (this.failed.has(e.dumpId)) continue;
      let state = this.states.get(e.dumpId);
      if (!state) {
        const streams = new StreamPresence();
        state = {
          analysis: new IncrementalAnalysis(streams),
          streams,
          issues: new IssueTransitions(),
          storedRows: null,
        };
        this.states.set(e.dumpId, state);
      }
      try {
        state.analysis.push(Buffer.from(bytes.buffer, bytes.byteOffset + e.offset, e.length));
      } catch {
        this.states.delete(e.dumpId);
        this.failed.add(e.dumpId);
        failedNow.push(e.dumpId);
        continue;
      }
      const streams = state.streams.take();
      if (streams.length > 0) monitoring.push({ dumpId: e.dumpId, streams, issues: [] });
    }
    return { failed: failedNow, monitoring };
  }

  /** The analysis so far (`final`: the finished one, and the state is dropped); null when there is none. */
  take(dumpId: string, final: boolean): PackedAnalysis | null {
    const state = this.states.get(dumpId);
    if (final) this.drop(dumpId);
    if (!state) return null;
    const analysis = final ? state.analysis.finish() : state.analysis.snapshot();
    const monitoring = { dumpId, streams: state.streams.take(), issues: state.issues.update(analysis, final) };
    const bytes = state.analysis.bytes;
    const packed = final ? packAnalysis(analysis, bytes) : packSnapshot(analysis, bytes, state.storedRows);
    return { ...packed, monitoring };
  }

  /** A snapshot `take` gave was stored: the next one's chunks start after its rows. */
  snapshotStored(dumpId: string, packed: PackedAnalysis): void {
    const state = this.states.get(dumpId);
    if (state && packed.seriesChunks) state.storedRows = rowsAfter(packed);
  }

  /** The final analysis, kept here until `takeFinal`; its monitoring changes, or null when there is none. */
  finish(dumpId: string): LiveMonitoring | null {
    const packed = this.take(dumpId, true);
    if (!packed) return null;
    this.finals.set(dumpId, packed);
    return packed.monitoring ?? null;
  }

  /** The final analysis `finish` kept (once); null when there is none (detached, or this thread restarted). */
  takeFinal(dumpId: string): PackedAnalysis | null {
    const packed = this.finals.get(dumpId) ?? null;
    this.finals.delete(dumpId);
    return packed;
  }

  drop(dumpId: string): void {
    this.states.delete(dumpId);
    this.failed.delete(dumpId);
    this.finals.delete(dumpId);
  }

  get size(): number {
    return this.states.size;
  }
}
