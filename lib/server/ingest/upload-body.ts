/**
 * An upload's dump, streamed to a file and never held whole: the body (raw, or the `file` part of a multipart
 * form, parsed as a stream by busboy) is counted against the upload limit as it arrives, gunzipped when it starts
 * with the gzip magic, and the inflated bytes are counted against the same limit, so neither a large body nor a
 * small gzip bomb costs more than the limit in memory or on disk. Too large, before or while reading: 413.
 */

import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { constants as zlib, createGunzip } from 'node:zlib';
import Busboy from 'busboy';
import { ApiError } from '@/lib/server/api';
import { DumpFormatError } from '@/lib/stats/decode/dump-format-error';

const megabytes = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

/**
 * The most lines an uploaded dump may have: a ten-hour session with getStats every second and its events is far
 * under a million; the limit is there so that a body of nothing but newlines is refused while it streams.
 */
const MAX_DUMP_LINES = 10_000_000;

/** Passes bytes through until more than `limit` bytes (or, counting lines, MAX_DUMP_LINES) went by: then 413. */
class ByteLimit extends Transform {
  bytes = 0;
  private lines = 0;

  constructor(
    private readonly limit: number,
    private readonly what: string,
    private readonly countLines = false,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    done(this.check(chunk), chunk);
  }

  private check(chunk: Buffer): ApiError | null {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return new ApiError('payload_too_large', `${this.what} larger than ${megabytes(this.limit)}`);
    if (!this.countLines) return null;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.lines++;
    return this.lines > MAX_DUMP_LINES ? new ApiError('payload_too_large', `${this.what} has more than ${MAX_DUMP_LINES} lines`) : null;
  }
}

/** The dump's bytes as a stream: the whole body, or the multipart form's `file` part (else its first file). */
function dumpStream(req: Request, limit: number): Readable {
  if (!req.body) return Readable.from([]);
  const body = Readable.fromWeb(req.body as unknown as NodeReadableStream);
  const type = req.headers.get('content-type') ?? '';
  if (!type.startsWith('multipart/form-data')) return body;
  const out = new PassThrough();
  let busboy: ReturnType<typeof Busboy>;
  try {
    busboy = Busboy({ headers: { 'content-type': type }, limits: { files: 1, fileSize: limit, fields: 20 } });
  } catch {
    throw new ApiError('bad_request', 'Invalid multipart body');
  }
  let found = false;
  busboy.on('file', (_name, file) => {
    if (found) return file.resume();
    found = true;
    file.on('limit', () => out.destroy(new ApiError('payload_too_large', `File larger than ${megabytes(limit)}`)));
    file.pipe(out);
  });
  busboy.on('error', () => out.destroy(new ApiError('bad_request', 'Invalid multipart body')));
  busboy.on('close', () => {
    if (!found) out.destroy(new ApiError('bad_request', 'Multipart upload needs a `file` part'));
  });
  body.on('error', (err) => out.destroy(err));
  body.pipe(busboy);
  return out;
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Streams the uploaded dump into `file`, inflated: the body goes to `<file>.body` first (counted), and is gunzipped
 * from there (counted again) when it starts with the gzip magic. Returns the dump's size; on any failure both
 * files are removed and the error (an ApiError or a DumpFormatError) goes to the caller.
 */
export async function receiveDump(req: Request, file: string, limit: number): Promise<number> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw new ApiError('payload_too_large', `Body larger than ${megabytes(limit)}`);
  const raw = `${file}.body`;
  try {
    // Lines are counted here too: for a plain dump they are its lines; a gzip body has far fewer newline bytes.
    const body = new ByteLimit(limit, 'Body', true);
    await pipeline(dumpStream(req, limit), body, createWriteStream(raw));
    if (body.bytes === 0) throw new ApiError('bad_request', 'Empty body');
    if (!(await startsWithGzipMagic(raw))) {
      await rename(raw, file);
      return body.bytes;
    }
    const inflated = new ByteLimit(limit, 'Inflated dump', true);
    // A truncated stream keeps what could be inflated, as the decoders do for stored dumps.
    const gunzip = createGunzip({ finishFlush: zlib.Z_SYNC_FLUSH });
    await pipeline(createReadStream(raw), gunzip, inflated, createWriteStream(file)).catch((err) => {
      if (err instanceof ApiError) throw err;
      throw new DumpFormatError('unsupported', `gzip data could not be inflated: ${(err as Error).message}`);
    });
    if (inflated.bytes === 0) throw new DumpFormatError('unsupported', 'gzip data inflates to nothing');
    await rm(raw, { force: true });
    return inflated.bytes;
  } catch (err) {
    await rm(raw, { force: true });
    await rm(file, { force: true });
    throw err;
  }
}
