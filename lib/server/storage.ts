import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { createWriteStream } from 'node:fs';

/**
 * Raw dump storage behind one small interface. Live dumps are appended under `work/`; when a session ends the
 * store takes the finished file (local: gzip beside it; S3: gzip uploaded to the bucket, see s3-dump-store.ts)
 * and returns the `blob_url` for the session row. `dump-store.ts` picks one from the environment.
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

const DUMP_ID = /^[0-9a-f-]{36}$/;

/** A dump id as the ingest makes them (a UUID): never a path. */
export function checkDumpId(dumpId: string): string {
  if (!DUMP_ID.test(dumpId)) throw new Error(`invalid dump id: ${dumpId}`);
  return dumpId;
}

export class LocalDumpStore implements DumpStore {
  readonly kind = 'local';
  private readonly workDir: string;
  private readonly doneDir: string;

  constructor(root: string) {
    this.workDir = path.join(root, 'work');
    this.doneDir = root;
  }

  async init(): Promise<this> {
    await mkdir(this.workDir, { recursive: true });
    return this;
  }

  workPath(dumpId: string): string {
    return path.join(this.workDir, checkDumpId(dumpId));
  }

  finishedPath(dumpId: string): string {
    return path.join(this.doneDir, `${checkDumpId(dumpId)}.gz`);
  }

  async finalize(dumpId: string): Promise<string> {
    const src = this.workPath(dumpId);
    const dest = this.finishedPath(dumpId);
    await pipeline(createReadStream(src), createGzip({ level: 6 }), createWriteStream(`${dest}.tmp`));
    const { rename } = await import('node:fs/promises');
    await rename(`${dest}.tmp`, dest);
    await rm(src, { force: true });
    return `file://${dest}`;
  }

  async read(dumpId: string): Promise<Readable> {
    const finished = this.finishedPath(dumpId);
    if (existsSync(finished)) return createReadStream(finished).pipe(createGunzip());
    const live = this.workPath(dumpId);
    await stat(live);
    return createReadStream(live);
  }

  async remove(dumpId: string): Promise<void> {
    await rm(this.workPath(dumpId), { force: true });
    await rm(this.finishedPath(dumpId), { force: true });
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    try {
      await stat(this.workDir);
      return { ok: true, detail: `local:${this.doneDir}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
