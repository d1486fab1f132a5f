import { createReadStream, existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { logger } from '@/lib/server/logger';
import {
  checkDumpId,
  type DumpCompressor,
  type DumpStore,
  gzipObfuscated,
  obfuscateDumpFile,
  WorkDirectory,
} from './dump-store';

export interface S3DumpStoreOptions {
  bucket: string;
  /** Key prefix, e.g. `dumps/` (a trailing slash is added when missing). */
  prefix?: string;
  /** Where live dumps are appended until their session ends (a local directory). */
  workDir: string;
  /** S3 client settings: region, endpoint (MinIO, R2, Ceph…), forcePathStyle, credentials. */
  client: S3ClientConfig;
  /** How a finished dump is compressed (default: here, gzipObfuscated). */
  compress?: DumpCompressor;
}

/**
 * Raw dumps in an S3-compatible bucket (the scale-out setup: several Callscope instances, one bucket). As in
 * rtcstats-server, a live session appends to a local file; when it ends the file is gzipped and uploaded as
 * `<prefix><dumpId>.gz`, and the local copy removed. Reads serve the local file while the session is live, the
 * object afterwards. If an upload fails the dump stays local (and is read from there).
 */
export class S3DumpStore implements DumpStore {
  readonly kind = 's3';
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly work: WorkDirectory;
  private readonly compress: DumpCompressor;

  constructor(options: S3DumpStoreOptions) {
    this.s3 = new S3Client(options.client);
    this.bucket = options.bucket;
    const prefix = options.prefix ?? 'dumps/';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.work = new WorkDirectory(options.workDir);
    this.compress = options.compress ?? gzipObfuscated;
  }

  async init(): Promise<this> {
    await this.work.create();
    return this;
  }

  workPath(dumpId: string): string {
    return this.work.path(dumpId);
  }

  key(dumpId: string): string {
    return `${this.prefix}${checkDumpId(dumpId)}.gz`;
  }

  async finalize(dumpId: string): Promise<string> {
    const src = this.workPath(dumpId);
    const gz = `${src}.gz`;
    try {
      // Gzip to a file first: the upload needs its length.
      await this.compress(src, gz);
      const { size } = await stat(gz);
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(dumpId),
          Body: createReadStream(gz),
          ContentLength: size,
          ContentType: 'application/gzip',
        }),
      );
    } catch (err) {
      // The bucket is unreachable: the session still ends and is processed from the local file, which stays
      // (its blob URL says where); nothing is lost. /api/health reports the store as failing meanwhile.
      logger().warn({ dumpId, err: (err as Error).message }, 'dump upload failed: kept in the local work directory');
      await obfuscateDumpFile(src);
      return `file://${src}`;
    } finally {
      await rm(gz, { force: true });
    }
    await rm(src, { force: true });
    return `s3://${this.bucket}/${this.key(dumpId)}`;
  }

  async read(dumpId: string): Promise<Readable> {
    const live = this.workPath(dumpId);
    if (existsSync(live)) return createReadStream(live);
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(dumpId) }));
      if (!(object.Body instanceof Readable)) throw new Error(`s3://${this.bucket}/${this.key(dumpId)}: no body`);
      return object.Body.pipe(createGunzip());
    } catch (err) {
      // Callers treat a missing dump like a missing local file.
      if (err instanceof NoSuchKey)
        throw Object.assign(new Error(`no dump ${dumpId} in s3://${this.bucket}/${this.prefix}`), { code: 'ENOENT' });
      throw err;
    }
  }

  async remove(dumpId: string): Promise<void> {
    await rm(this.workPath(dumpId), { force: true });
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(dumpId) }));
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    const where = `s3://${this.bucket}/${this.prefix}`;
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
      await stat(this.work.dir);
      return { ok: true, detail: where };
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      return {
        ok: false,
        detail: `${where}: ${e.name}${status ? ` (HTTP ${status})` : ''}${e.message && e.message !== e.name ? `: ${e.message}` : ''}`,
      };
    }
  }

  close(): void {
    this.s3.destroy();
  }
}
