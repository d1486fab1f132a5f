/** A track's series as stored (the `track.series` column): gzip'd JSON, written by a worker or the data layer. */

import { gunzipSync, gzipSync } from 'node:zlib';
import type { Series } from './types';

/** Encodes into its own ArrayBuffer (never Node's shared pool), so it can be moved between threads. */
export function encodeSeriesBlob(series: Series<string>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(gzipSync(JSON.stringify(series), { level: 4 }));
}

export function decodeSeriesBlob<M extends string>(blob: Uint8Array): Series<M> {
  return JSON.parse(gunzipSync(blob).toString('utf8')) as Series<M>;
}
