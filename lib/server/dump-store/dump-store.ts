import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isUuid } from '@/lib/shared/uuid';

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

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
