/**
 * The baseline for `npm run bench:ingest`: a bare `ws` server that only appends each frame + '\n' to one file per
 * connection (fs.createWriteStream, no fsync, no auth, no database). Started by ingest.ts as a child process
 * (`node --import tsx scripts/bench/bare-ws-server.ts <dir>`) so its RSS and CPU are its own; talks over IPC.
 *
 * "On disk" for this server = the write callback of the frame's newline fired (the bytes reached the kernel page
 * cache; nothing is fsynced), recorded per frame.
 */
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import {
  type ChildResults,
  type ConnectionDisk,
  connectionName,
  nowMs,
  type ParentMessage,
  loadTracker,
  toParent,
} from './ingest-protocol';

const dir = process.argv[2];
if (!dir) throw new Error('usage: bare-ws-server.ts <output dir>');
const NEWLINE = Buffer.from('\n');

const connections: ConnectionDisk[] = [];
const tracker = loadTracker();

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  maxPayload: 4 * 1024 * 1024,
  handleProtocols: (protocols) => protocols.values().next().value ?? false,
});

wss.on('connection', (ws, req) => {
  const record: ConnectionDisk = { conn: connectionName(req.url), frames: 0, bytes: 0, events: [] };
  connections.push(record);
  const stream = fs.createWriteStream(path.join(dir, `${connections.length}.log`), { flags: 'a' });
  let written = 0;
  // One event per write callback; callbacks of one batched write (writev) fire together and share an event.
  let last: [number, number] | undefined;
  const onWritten = () => {
    written++;
    const now = nowMs();
    if (last && now - last[1] < 0.05) last[0] = written;
    else {
      last = [written, now];
      record.events.push(last);
    }
  };
  ws.on('message', (data: Buffer) => {
    record.frames++;
    record.bytes += data.length;
    stream.write(data);
    stream.write(NEWLINE, onWritten);
  });
  ws.on('close', () => {
    stream.end(() => tracker.connectionFinished());
  });
});

wss.on('listening', () => {
  const address = wss.address();
  if (!address || typeof address === 'string') throw new Error('unexpected pipe address');
  toParent({ type: 'ready', port: address.port, idleRss: process.memoryUsage.rss() });
});

process.on('message', (message: ParentMessage) => {
  if (message.type === 'start') {
    tracker.start(message.expectedConnections);
    return;
  }
  const report = async () => {
    const load = await tracker.done;
    const results: ChildResults = { connections, ...load, peakRss: process.resourceUsage().maxRSS * 1024 };
    await writeFile(message.resultsFile, JSON.stringify(results));
    toParent({ type: 'done', resultsFile: message.resultsFile });
    wss.close(() => process.exit(0));
  };
  report().catch((err) => {
    toParent({ type: 'error', message: String(err) });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
