import { createReadStream, existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { checkDumpId, type DumpCompressor, type DumpStore, gzipObfuscated, WorkDirectory } from './dump-store';

/** Dumps in the data directory: live ones in `work/`, finished ones gzipped as `<dumpId>.gz` beside it. */
export class LocalDumpStore implements DumpStore {
  readonly kind = 'local';
  private readonly work: WorkDirectory;

  constructor(
    private readonly doneDir: string,
    private readonly compress: DumpCompressor = gzipObfuscated,
  ) {
    this.work = new WorkDirectory(path.join(doneDir, 'work'));
  }

  async init(): Promise<this> {
    await this.work.create();
    return this;
  }

  workPath(dumpId: string): string {
    return this.work.path(dumpId);
  }

  finishedPath(dumpId: string): string {
    return path.join(this.doneDir, `${checkDumpId(dumpId)}.gz`);
  }

  async finalize(dumpId: string): Promise<string> {
    const src = this.workPath(dumpId);
    const dest = this.finishedPath(dumpId);
    await this.compress(src, `${dest}.tmp`);
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
      await stat(this.work.dir);
      return { ok: true, detail: `local:${this.doneDir}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }
}
