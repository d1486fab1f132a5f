import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The shared real dumps (../shared/fixtures beside the repo); absent outside this team's machines. */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../../../shared/fixtures');
export const HAVE_FIXTURES = existsSync(FIXTURES_DIR);
export const SKIP_FIXTURES_MESSAGE = `skipped: ${FIXTURES_DIR} is absent (shared fixtures are only on the team's machines)`;

export const RTCSTATS_FIXTURES = [
  { file: 'standup-alice.rtcstats', user: 'user_alice', session: 'sess_alice_1', conference: 'standup' },
  { file: 'standup-bob.rtcstats', user: 'user_bob', session: 'sess_bob_1', conference: 'standup' },
  { file: 'standup2-alice.rtcstats', user: 'user_alice', session: 'sess_alice_2', conference: 'standup' },
  { file: 'standup2-bob.rtcstats', user: 'user_bob', session: 'sess_bob_2', conference: 'standup' },
] as const;

export interface RtcstatsFixture {
  metadata: { url: string; origin: string; userAgent: string; startTime: number; clientProtocol: string };
  /** Client frames as recorded (the server's final `close` line removed). */
  frames: string[];
  closeCode: number;
}

export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURES_DIR, ...parts);
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts));
}

/** Every dump of these fixture folders as `[folder, file]` (none without the fixtures). */
export function fixtureDumps(dirs: readonly string[]): (readonly [string, string])[] {
  if (!HAVE_FIXTURES) return [];
  return dirs.flatMap((dir) =>
    readdirSync(fixturePath(dir))
      .filter((f) => f !== 'LICENSE')
      .map((f) => [dir, f] as const),
  );
}

/** A fixture dump's bytes, gunzipped when the file is. */
export function fixtureDumpBytes(dir: string, file: string): Buffer {
  const raw = readFixture(dir, file);
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

export function readRtcstatsFixture(file: string): RtcstatsFixture {
  const lines = readFileSync(fixturePath('rtcstats-js', file), 'utf8').split('\n');
  if (lines[0] !== 'RTCStatsDump') throw new Error(`${file} is not an RTCStatsDump`);
  const metadata = JSON.parse(lines[1]);
  const frames = lines.slice(2).filter((l) => l.length > 0);
  let closeCode = 1000;
  const last = frames.at(-1);
  if (last?.startsWith('["close",null,')) {
    closeCode = JSON.parse(last)[2];
    frames.pop();
  }
  return { metadata, frames, closeCode };
}
