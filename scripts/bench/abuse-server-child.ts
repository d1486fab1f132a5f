/**
 * Callscope's real server for `npm run bench:abuse` in its own process (so RSS and CPU are its own): the full
 * server, Next.js included when `BENCH_WITH_NEXT=1` (the HTTP ingest routes `/api/v1/frames` and `/api/v1/upload`
 * are Next.js route handlers; this needs a `next build`), else ingest only. Started by abuse.ts as
 * `node --import tsx scripts/bench/abuse-server-child.ts` with DATABASE_URL, CALLSCOPE_DATA_DIR, ... in its
 * environment; talks over IPC.
 *
 * Same measurement hooks as ingest-server-child.ts (no change to lib/): per dump, the frames appended after the
 * header, and `[frames appended before a synced flush was queued, time it returned]` for every flush that ends in
 * an fdatasync. Dumps are tied to a client by the `bench-conn` query parameter kept in the header's `url`. Unlike
 * ingest-server-child.ts, the load interval is ended by the parent (`stop`), not by a count of finished
 * connections: abusers open and close sessions of their own.
 */
import { writeFile } from 'node:fs/promises';
import { DumpWriter } from '../../lib/server/ingest/dump-writer';
import { LiveSession } from '../../lib/server/ingest/live-session';
import { startServer } from '../../server';
import {
  type ChildResults,
  type ConnectionDisk,
  connectionName,
  loadMeter,
  type ParentMessage,
  nowMs,
  toParent,
} from './ingest-protocol';

const STATE = Symbol('bench-state');
interface WriterInternals {
  [STATE]?: ConnectionDisk;
  append(line: string): void;
  flush(sync: boolean): Promise<void>;
}

const connections: ConnectionDisk[] = [];
const sessionEnds: Promise<void>[] = [];

function instrument(): void {
  const proto = DumpWriter.prototype as unknown as WriterInternals;
  const { append, flush } = proto;
  proto.append = function (this: WriterInternals, line: string) {
    const record = this[STATE];
    if (record) {
      record.frames++;
      record.bytes += line.length;
    }
    append.call(this, line);
  };
  proto.flush = function (this: WriterInternals, sync: boolean) {
    const done = flush.call(this, sync);
    const record = this[STATE];
    if (record && sync) {
      const covered = record.frames;
      done.then(
        () => record.events.push([covered, nowMs()]),
        () => {},
      );
    }
    return done;
  };
  const create = DumpWriter.create.bind(DumpWriter);
  // Every argument passed on: the third (onChunk) feeds the live analysis.
  DumpWriter.create = async (...args: Parameters<typeof DumpWriter.create>) => {
    const headerLines = args[1];
    const writer = await create(...args);
    let url: string | undefined;
    try {
      url = JSON.parse(headerLines[1] ?? '{}').url;
    } catch {
      url = undefined;
    }
    const record: ConnectionDisk = { conn: connectionName(url), frames: 0, bytes: 0, events: [] };
    connections.push(record);
    (writer as unknown as WriterInternals)[STATE] = record;
    return writer;
  };
  const sessionProto = LiveSession.prototype as unknown as { end(code: number, reason?: string): Promise<void> };
  const end = sessionProto.end;
  sessionProto.end = function (this: LiveSession, code: number, reason?: string) {
    const done = end.call(this, code, reason);
    sessionEnds.push(done.catch(() => {}));
    return done;
  };
}

async function main(): Promise<void> {
  instrument();
  const withNext = process.env.BENCH_WITH_NEXT === '1';
  const running = await startServer({ withNext, dev: false, env: process.env });
  toParent({ type: 'ready', port: running.port, idleRss: process.memoryUsage.rss() });
  let meter: ReturnType<typeof loadMeter> | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'start') {
      meter = loadMeter();
      return;
    }
    const report = async () => {
      const load = (meter ?? loadMeter()).finish();
      await Promise.all(sessionEnds);
      const results: ChildResults = { connections, ...load, peakRss: process.resourceUsage().maxRSS * 1024 };
      await writeFile(message.resultsFile, JSON.stringify(results));
      toParent({ type: 'done', resultsFile: message.resultsFile });
      const forced = setTimeout(() => process.exit(0), 15_000);
      forced.unref();
      await running.close();
      process.exit(0);
    };
    report().catch((err) => {
      toParent({ type: 'error', message: String(err) });
      process.exit(1);
    });
  });
  process.on('disconnect', () => {
    running.close().finally(() => process.exit(0));
  });
}

main().catch((err) => {
  toParent({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
