/**
 * Callscope's server for `npm run bench:scale`, in its own process (so its RSS and CPU are its own): `startServer(
 * {withNext: false})` from the built bundle at BENCH_SERVER_ENTRY (server.ts bundled as `npm run build:server` does
 * it; scale.ts builds it), or from the sources when that is unset. Started by scale.ts as
 * `node --import tsx scripts/bench/scale-server-child.ts` with DATABASE_URL, CALLSCOPE_* in its environment; speaks
 * ingest-protocol.ts over IPC (`ready`; `stop` → results file, `done`, then an orderly close and exit).
 *
 * The probe works on the bundle as on the sources, without touching lib/: `fs.writeSync` (DumpWriter's writes),
 * `fs.fdatasync` (its syncs; `syncBuiltinESMExports` makes imports see the wrappers) and, for older DumpWriters
 * measured against the current one, `FileHandle.prototype.datasync` are wrapped before the server loads. A write that starts with the dump magic
 * (`RTCStatsDump`) is a live dump (DumpWriter writes the header lines and the first frames in one chunk); it is tied
 * to its client by the `bench-conn` query parameter of the header's `url`. For each dump the probe records, in
 * order (DumpWriter never overlaps writes):
 *  - `writes`: `[frames in the file, time]` when each write returned: those frames were in the page cache;
 *  - `syncs`: `[frames written before the fdatasync, time]` when each fdatasync resolved: those frames were durable.
 * Frames are counted as the newlines written after the two header lines (a frame is one JSON line). Pairs go into
 * growing Float64Arrays: 16 bytes per event, about 2 KB per one-minute dump at one frame a second.
 */
import fs from 'node:fs';
import { type FileHandle, open, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';
import { connectionName, nowMs, type ParentMessage, toParent } from './ingest-protocol';

const MAGIC = Buffer.from('RTCStatsDump\n');
const HEADER_LINES = 2;
const NEWLINE = 10;

class Pairs {
  data = new Float64Array(64);
  length = 0;
  push(a: number, b: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }
  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

interface DumpRecord {
  conn: string;
  /** Frames (lines after the header) whose write resolved. */
  written: number;
  writes: Pairs;
  syncs: Pairs;
}

/** What the child writes at `stop`: per dump, flattened `[frames, time]` pairs. */
export interface ScaleDiskRecord {
  conn: string;
  writes: number[];
  syncs: number[];
}

const records: DumpRecord[] = [];
/** The live dump last begun on each file descriptor. */
const byFd = new Map<number, DumpRecord>();

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

function recordFor(bytes: Uint8Array): DumpRecord | null {
  if (bytes.length < MAGIC.length || Buffer.compare(bytes.subarray(0, MAGIC.length), MAGIC) !== 0) return null;
  const end = bytes.indexOf(NEWLINE, MAGIC.length);
  let url: string | undefined;
  try {
    url = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length, end === -1 ? undefined : end)).toString('utf8')).url;
  } catch {
    url = undefined;
  }
  const record: DumpRecord = {
    conn: connectionName(url),
    written: -HEADER_LINES,
    writes: new Pairs(),
    syncs: new Pairs(),
  };
  records.push(record);
  return record;
}

type Datasync = (this: FileHandle) => Promise<void>;

async function installProbe(): Promise<void> {
  const probe = await open('/dev/null', 'r');
  const proto = Object.getPrototypeOf(probe) as { datasync: Datasync };
  await probe.close();
  const { datasync } = proto;
  const writeSync = fs.writeSync;
  fs.writeSync = ((fd: number, buffer: unknown, ...rest: unknown[]) => {
    const written = (writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
    if (!(buffer instanceof Uint8Array)) return written;
    // DumpWriter passes an offset; what was written is the `written` bytes from there.
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const bytes = buffer.subarray(offset, offset + written);
    // A dump's first write starts with the magic (no later one can: a frame is a JSON line); descriptor numbers are
    // reused once a file is closed, so that is where a descriptor's new dump begins.
    let record = byFd.get(fd);
    const fresh = recordFor(bytes);
    if (fresh) {
      record = fresh;
      byFd.set(fd, record);
    }
    if (!record) return written;
    record.written += countNewlines(bytes);
    record.writes.push(Math.max(0, record.written), nowMs());
    return written;
  }) as typeof fs.writeSync;
  const fdatasync = fs.fdatasync;
  fs.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    const record = byFd.get(fd);
    const covered = Math.max(0, record?.written ?? 0);
    fdatasync(fd, (err) => {
      if (record && !err) record.syncs.push(covered, nowMs());
      callback(err);
    });
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  proto.datasync = function (this: FileHandle) {
    const done = datasync.call(this);
    const record = byFd.get(this.fd);
    if (!record) return done;
    const covered = Math.max(0, record.written);
    return done.then(() => record.syncs.push(covered, nowMs()));
  };
}

interface Startable {
  startServer(options: { withNext: boolean; dev: boolean; env: NodeJS.ProcessEnv }): Promise<{
    port: number;
    close(): Promise<void>;
  }>;
}

async function main(): Promise<void> {
  await installProbe();
  const entry = process.env.BENCH_SERVER_ENTRY;
  const server: Startable = entry ? await import(pathToFileURL(entry).href) : await import('../../server');
  const running = await server.startServer({ withNext: false, dev: false, env: process.env });
  toParent({ type: 'ready', port: running.port, idleRss: process.memoryUsage.rss() });

  let closing = false;
  const close = async (code: number) => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(code), 20_000).unref();
    await running.close().catch(() => {});
    process.exit(code);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'stop') return;
    const out: ScaleDiskRecord[] = records.map((r) => ({
      conn: r.conn,
      writes: r.writes.toArray(),
      syncs: r.syncs.toArray(),
    }));
    writeFile(message.resultsFile, JSON.stringify(out)).then(
      () => {
        toParent({ type: 'done', resultsFile: message.resultsFile });
        void close(0);
      },
      (err) => {
        toParent({ type: 'error', message: String(err) });
        void close(1);
      },
    );
  });
  process.on('disconnect', () => void close(0));
}

main().catch((err) => {
  toParent({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
