import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGzip } from 'node:zlib';
import { isUuid } from '@/lib/shared/uuid';
import { obfuscateDumpLine } from '@/lib/stats/decode/address-obfuscation';

/**
 * Raw dump storage behind one small interface. Live dumps are appended under a local work directory; when a
 * session ends the store takes the finished file (local: gzip beside it; S3: gzip uploaded to the bucket) and
 * returns the `blob_url` for the session row. `create-dump-store.ts` picks one from the environment.
 */
export interface DumpStore {
  readonly kind: string;
  /** Where a live dump is appended. */
  workPath(dumpId: string): string;
  /** Moves a finished dump into long-term storage; returns its blob URL. */
  finalize(dumpId: string): Promise<string>;
  /** The dump's bytes, uncompressed, whether it is live or finished. */
  read(dumpId: string): Promise<Readable>;
  remove(dumpId: string): Promise<void>;
  health(): Promise<{ ok: boolean; detail: string }>;
  /** Releases connections (S3), if any. */
  close?(): void;
}

/** A dump id as the ingest makes them (a UUID): never a path. */
export function checkDumpId(dumpId: string): string {
  if (!isUuid(dumpId)) throw new Error(`invalid dump id: ${dumpId}`);
  return dumpId;
}

/** The local directory every store appends live dumps to, one file per dump id. */
export class WorkDirectory {
  constructor(readonly dir: string) {}

  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  path(dumpId: string): string {
    return path.join(this.dir, checkDumpId(dumpId));
  }
}

/** Lines in, the same lines out with their IP addresses obfuscated (obfuscateDumpLine), one chunk at a time. */
class ObfuscateLines extends Transform {
  private readonly text = new StringDecoder('utf8');
  private partial = '';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.partial + this.text.write(chunk);
    const last = text.lastIndexOf('\n');
    this.partial = last < 0 ? text : text.slice(last + 1);
    done(null, last < 0 ? '' : this.lines(text.slice(0, last + 1)));
  }

  override _flush(done: TransformCallback): void {
    const rest = this.partial + this.text.end();
    done(null, rest ? this.lines(rest) : '');
  }

  private lines(text: string): string {
    return text
      .split('\n')
      .map((line) => obfuscateDumpLine(line))
      .join('\n');
  }
}

/** How a store compresses a finished dump: gzipObfuscated, here or in a worker thread (the server's). */
export type DumpCompressor = (src: string, dest: string) => Promise<void>;

/**
 * A finished dump gzipped to `dest` with its addresses obfuscated on the way (one pass), as rtcstats-server stores
 * them (what stays: TURN relay addresses). Both stores finish dumps with it (the server runs it in a worker thread:
 * worker-pool.ts's gzipObfuscatedInWorker); a live dump is read as sent until then.
 */
export async function gzipObfuscated(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), new ObfuscateLines(), createGzip({ level: 6 }), createWriteStream(dest));
}

/** The same obfuscation in place, for a finished dump that stays local uncompressed (a failed S3 upload). */
export async function obfuscateDumpFile(file: string): Promise<void> {
  await pipeline(createReadStream(file), new ObfuscateLines(), createWriteStream(`${file}.obfuscated`));
  await rename(`${file}.obfuscated`, file);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
