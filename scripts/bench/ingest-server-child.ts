/**
 * Callscope's real server (ingest only: `startServer({withNext: false})`) in its own process for
 * `npm run bench:ingest`, so RSS and CPU are its own. Started by ingest.ts as
 * `node --import tsx scripts/bench/ingest-server-child.ts` with DATABASE_URL, CALLSCOPE_DATA_DIR, ... in its
 * environment; talks over IPC (stdout is left to the server's own log).
 *
 * Measurement hooks, installed on DumpWriter before the server starts (no change to lib/): per dump, count the
 * frames appended after the header, and when a flush that ends in an fdatasync resolves, record
 * `[frames appended before that flush was queued, now]`: those frames are durably on disk at that time. Writes
 * never overlap (DumpWriter chains them), so these events are in order. The dump is tied to the client's
 * connection through the `bench-conn` query parameter kept in the header's metadata `url`.
 */
import { writeFile } from 'node:fs/promises';
import { DumpWriter } from '../../lib/server/ingest/dump-writer';
import { LiveSession } from '../../lib/server/ingest/live-session';
import { startServer } from '../../server';
import {
  type ChildResults,
  type ConnectionDisk,
  connectionName,
  nowMs,
  type ParentMessage,
  loadTracker,
  toParent,
} from './ingest-protocol';

const STATE = Symbol('bench-state');
interface WriterState {
  record: ConnectionDisk;
}
interface WriterInternals {
  [STATE]?: WriterState;
  append(line: string): void;
  flush(sync: boolean): Promise<void>;
  close(finalLine?: string): Promise<void>;
}

const connections: ConnectionDisk[] = [];
const tracker = loadTracker();
const sessionEnds: Promise<void>[] = [];
const sessionOpenMs: number[] = [];

function instrument(): void {
  const proto = DumpWriter.prototype as unknown as WriterInternals;
  const { append, flush, close } = proto;
  proto.append = function (this: WriterInternals, line: string) {
    const state = this[STATE];
    if (state) {
      state.record.frames++;
      state.record.bytes += line.length;
    }
    append.call(this, line);
  };
  proto.flush = function (this: WriterInternals, sync: boolean) {
    const done = flush.call(this, sync);
    const state = this[STATE];
    if (state && sync) {
      const covered = state.record.frames;
      done.then(
        () => state.record.events.push([covered, nowMs()]),
        () => {},
      );
    }
    return done;
  };
  proto.close = function (this: WriterInternals, finalLine?: string) {
    const done = close.call(this, finalLine);
    const state = this[STATE];
    if (state) {
      this[STATE] = undefined;
      done.then(
        () => tracker.connectionFinished(),
        () => tracker.connectionFinished(),
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
    (writer as unknown as WriterInternals)[STATE] = { record };
    return writer;
  };
  const openSession = LiveSession.open.bind(LiveSession);
  LiveSession.open = async (...args: Parameters<typeof LiveSession.open>) => {
    const t = nowMs();
    try {
      return await openSession(...args);
    } finally {
      sessionOpenMs.push(nowMs() - t);
    }
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
  const running = await startServer({ withNext: false, dev: false, env: process.env });
  // Diagnostic only (`ingest.ts --no-processing`): no live/ended processing jobs, to see what they cost ingest.
  if (process.env.BENCH_NO_PROCESSING === '1') running.context.scheduleProcessing = () => {};
  toParent({ type: 'ready', port: running.port, idleRss: process.memoryUsage.rss() });

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'start') {
      tracker.start(message.expectedConnections);
      return;
    }
    const report = async () => {
      const load = await tracker.done;
      await Promise.all(sessionEnds);
      const results: ChildResults = {
        connections,
        ...load,
        peakRss: process.resourceUsage().maxRSS * 1024,
        sessionOpenMs,
      };
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
