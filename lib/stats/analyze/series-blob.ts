/**
 * A track's series as stored: the whole series on the track row (`track.series`: gzip'd JSON, written by a worker
 * or the data layer), or, while the session is live, in chunks (`track_series_chunk`: the rows each snapshot added,
 * plain JSON: a few seconds of rows compress to little, and a deflate state per chunk would cost more than the
 * rows). Readers join the chunks in row order (`joinSeries`).
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import type { Series } from './types';

/** Encodes into its own ArrayBuffer (never Node's shared pool), so it can be moved between threads. */
export function encodeSeriesBlob(series: Series<string>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(gzipSync(JSON.stringify(series), { level: 4 }));
}

export function decodeSeriesBlob<M extends string>(blob: Uint8Array): Series<M> {
  return JSON.parse(gunzipSync(blob).toString('utf8')) as Series<M>;
}

/**
 * A live snapshot's series: each track's rows since the previous stored snapshot (`tracks[i]` is the analysis's
 * `tracks[i]`'s); `reset`: the chunks stored before are dropped (a live state that starts again from row 0).
 */
export interface SeriesChunks {
  reset: boolean;
  tracks: { firstRow: number; rows: number; blob: Uint8Array<ArrayBuffer> }[];
}

/** Rows `firstRow` onwards of a series, as a chunk's bytes (own ArrayBuffer, like `encodeSeriesBlob`). */
export function encodeSeriesChunk(series: Series<string>, firstRow: number): Uint8Array<ArrayBuffer> {
  const values: Record<string, (number | null)[]> = {};
  for (const metric in series.values) values[metric] = (series.values[metric] ?? []).slice(firstRow);
  return new Uint8Array(Buffer.from(JSON.stringify({ t: series.t.slice(firstRow), values })));
}

export function decodeSeriesChunk<M extends string>(chunk: Uint8Array): Series<M> {
  return JSON.parse(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')) as Series<M>;
}

/** Series one after another as one (chunks in row order); a metric a part lacks is null over its rows. */
export function joinSeries<M extends string>(parts: readonly Series<M>[]): Series<M> {
  if (parts.length === 1) return parts[0];
  const metrics = new Set<M>();
  for (const p of parts) for (const m in p.values) metrics.add(m);
  const t: number[] = [];
  const values: Partial<Record<M, (number | null)[]>> = {};
  for (const m of metrics) values[m] = [];
  for (const p of parts) {
    for (const x of p.t) t.push(x);
    for (const m of metrics) {
      const out = values[m] as (number | null)[];
      const column = p.values[m];
      for (let i = 0; i < p.t.length; i++) out.push(column?.[i] ?? null);
    }
  }
  return { t, values };
}
