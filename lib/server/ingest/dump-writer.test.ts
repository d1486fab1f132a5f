/**
 * DumpWriter's synchronous writes: frames reach the file (page cache) on the flush after they arrive, every byte is
 * handed to the live analysis in order, an fdatasync covers what was written before it, and a failing write (a full
 * disk: /dev/full answers ENOSPC) never throws into the writer's timer: the process keeps running and the writer's
 * close reports the error.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DumpWriter } from './dump-writer';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dump-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('frames are in the file after the next flush, in order, and the analysis sees the same bytes', async () => {
  const file = path.join(dir, 'a.dump');
  const seen: Buffer[] = [];
  const writer = await DumpWriter.create(file, ['RTCStatsDump', '{"a":1}'], (chunk) => seen.push(chunk));
  for (let i = 0; i < 50; i++) writer.append(Buffer.from(JSON.stringify(['custom', null, { i }, 1])));
  // Within two flush intervals the frames are in the file without waiting for the close.
  await new Promise((resolve) => setTimeout(resolve, 250));
  const before = await readFile(file, 'utf8');
  expect(before.split('\n').slice(2, -1)).toHaveLength(50);
  writer.append('["custom",null,{"i":50},1]');
  await writer.close('["close",null,1000,0]');
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  expect(lines[0]).toBe('RTCStatsDump');
  expect(lines.slice(2, 53).map((l) => JSON.parse(l)[2].i)).toEqual(Array.from({ length: 51 }, (_, i) => i));
  expect(lines.at(-1)).toBe('["close",null,1000,0]');
  expect(Buffer.concat(seen).toString('utf8')).toBe(text);
  expect(writer.bytesWritten).toBe(Buffer.byteLength(text));
});

test.skipIf(process.platform !== 'linux')(
  'a write that fails (disk full) does not throw; the close reports it',
  async () => {
    const writer = await DumpWriter.create('/dev/full', ['RTCStatsDump', '{}']);
    writer.append('["custom",null,{},1]');
    // The timer's flushes fail meanwhile; an uncaught error would fail this test run.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(writer.bytesWritten).toBe(0);
    await expect(writer.close('["close",null,1000,0]')).rejects.toThrow(/ENOSPC/);
  },
);

test('writers share one clock: each of many open writers reaches its file, and one closing stops none of the others', async () => {
  const writers = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      DumpWriter.create(path.join(dir, `many-${i}.dump`), ['RTCStatsDump', `{"i":${i}}`]),
    ),
  );
  for (const [i, w] of writers.entries()) w.append(`["custom",null,{"i":${i}},1]`);
  await writers[0].close('["close",null,1000,0]');
  for (const [i, w] of writers.slice(1).entries()) w.append(`["custom",null,{"again":${i + 1}},1]`);
  await new Promise((resolve) => setTimeout(resolve, 250));
  for (let i = 1; i < writers.length; i++) {
    const lines = (await readFile(path.join(dir, `many-${i}.dump`), 'utf8')).split('\n');
    expect(lines.slice(1, 4)).toEqual([
      `{"i":${i}}`,
      `["custom",null,{"i":${i}},1]`,
      `["custom",null,{"again":${i}},1]`,
    ]);
  }
  await Promise.all(writers.slice(1).map((w) => w.close()));
});
