/**
 * Append-only writer for one live dump. Frames are queued in memory and written every FLUSH_MS; the file is
 * fdatasync'ed at least every SYNC_MS, so a frame reaches disk within one second of arrival without a syscall
 * per frame on the hot path. Each sync reports how long its oldest frame waited (frame-to-disk latency). Every
 * chunk written is also handed to `onChunk` (the live analysis), so it sees exactly the dump's bytes.
 *
 * The write itself is synchronous (a copy into the page cache, a few microseconds; the data directory is a local
 * file system): with thousands of live dumps, one thread-pool request and promise per write cost the ingest thread
 * more than the copy. The fdatasync, which waits for the disk, stays in the thread pool. A write that fails (disk
 * full) fails the writer's next flush, as an asynchronous one did; it never throws into a timer.
 *
 * At 5,000 live dumps the ingest thread's profile showed the per-writer costs: a 100 ms interval each (50,000
 * timer callbacks a second, mostly finding nothing to write) and FileHandle's datasync (about twice the CPU of
 * `fs.fdatasync` on a plain descriptor, measured on 5,000 files). So the writers share one clock (`FLUSH_CLOCK`),
 * and hold a plain descriptor.
 */

import { close as closeFd, fdatasync, open, writeSync } from 'node:fs';
import { logger } from '@/lib/server/logger';
import { frameReachedDisk } from '@/lib/server/metrics';

const FLUSH_MS = 100;
const SYNC_MS = 500;
const EAGER_FLUSH_BYTES = 256 * 1024;
const NEWLINE = Buffer.from('\n');

export class DumpWriter {
  /** Bytes as received: WebSocket frames stay Buffers, so a flush is one copy, not a join plus a re-encode. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private lastSync = Date.now();
  /** Bytes written, and how many of them the last finished fdatasync covers. */
  private syncedBytes = 0;
  private closed = false;
  /** The error of a write that failed: every flush from then on rejects with it. */
  private failed: unknown;
  bytesWritten = 0;
  /** When the oldest frame not yet made durable by an fdatasync was queued. */
  private oldestUnsyncedAt?: number;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {
    FLUSH_CLOCK.add(this);
  }

  static async create(path: string, headerLines: string[], onChunk?: (chunk: Buffer) => void): Promise<DumpWriter> {
    const fd = await new Promise<number>((resolve, reject) =>
      open(path, 'a', (err, fd) => (err ? reject(err) : resolve(fd))),
    );
    const writer = new DumpWriter(path, fd, onChunk);
    for (const line of headerLines) writer.append(line);
    return writer;
  }

  append(line: string | Buffer): void {
    if (this.closed) return;
    const bytes = typeof line === 'string' ? Buffer.from(line) : line;
    this.pending.push(bytes, NEWLINE);
    this.pendingBytes += bytes.length + 1;
    this.oldestUnsyncedAt ??= Date.now();
    if (this.pendingBytes >= EAGER_FLUSH_BYTES) this.flush(false);
  }

  /** Called by the shared clock every FLUSH_MS. */
  tick(): void {
    const syncDue = Date.now() - this.lastSync >= SYNC_MS;
    // A failure stays in the chain: the writer's close reports it.
    if (this.pendingBytes > 0 || (syncDue && this.bytesWritten > this.syncedBytes)) this.flush(syncDue).catch(() => {});
  }

  /**
   * Writes everything pending now, and queues an fdatasync when `sync` (syncs never overlap); resolves when that
   * sync is done, rejects once a write has failed.
   */
  flush(sync: boolean): Promise<void> {
    const chunk = this.pending.length > 0 ? Buffer.concat(this.pending, this.pendingBytes) : null;
    // A sync covers what was queued before this call: the frames queued after it wait for the next one.
    const oldest = sync ? this.oldestUnsyncedAt : undefined;
    if (sync) this.oldestUnsyncedAt = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    if (chunk) {
      this.onChunk?.(chunk);
      if (this.failed === undefined) {
        try {
          writeFully(this.fd, chunk);
          this.bytesWritten += chunk.length;
        } catch (err) {
          this.failed = err;
        }
      }
    }
    this.writing = this.writing.then(async () => {
      if (this.failed !== undefined) throw this.failed;
      // What was written before the fdatasync starts is what it makes durable (writes go on meanwhile).
      const covers = this.bytesWritten;
      if (sync && covers > this.syncedBytes) {
        await datasync(this.fd);
        this.syncedBytes = covers;
        this.lastSync = Date.now();
        if (oldest !== undefined) frameReachedDisk(oldest);
      }
    });
    return this.writing;
  }

  /** Writes the last line (no trailing newline, as rtcstats-server does), syncs and closes. */
  async close(finalLine?: string): Promise<void> {
    if (this.closed) return this.writing;
    FLUSH_CLOCK.delete(this);
    if (finalLine !== undefined) {
      const bytes = Buffer.from(finalLine);
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
    }
    this.closed = true;
    try {
      await this.flush(true);
    } finally {
      // The descriptor is released whether or not the last bytes could be written.
      await new Promise<void>((resolve, reject) => closeFd(this.fd, (err) => (err ? reject(err) : resolve())));
    }
  }
}

/** The open writers and the one interval that ticks them, running only while there are any. */
const FLUSH_CLOCK = new (class {
  private readonly writers = new Set<DumpWriter>();
  private timer: NodeJS.Timeout | undefined;

  add(writer: DumpWriter): void {
    this.writers.add(writer);
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const w of this.writers) {
        // One writer's failure is its own (a flush's error stays in its chain); the others still flush.
        try {
          w.tick();
        } catch (err) {
          logger().error({ err, path: w.path }, 'dump flush failed');
        }
      }
    }, FLUSH_MS);
    this.timer.unref();
  }

  delete(writer: DumpWriter): void {
    this.writers.delete(writer);
    if (this.writers.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
})();

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Writes all of `bytes` at the end of the file (append mode); a regular file takes it in one call. */
function writeFully(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
