import { randomUUID } from 'node:crypto';
import { currentSalt } from '@/lib/server/data/sessions';
import { deviceId, saltDay } from '@/lib/server/ingest/session-rules';

/**
 * The device id of a session opened now (WebSocket, NDJSON frames, upload): the seed rule's hash of User-Agent,
 * address and origin with the salt of the day, which rotates at 00:00 UTC and is kept only in the database.
 */
export async function deviceIdAt(
  atMs: number,
  input: { userAgent?: string; ip?: string; origin?: string },
): Promise<string> {
  const salt = await currentSalt(saltDay(atMs), () => randomUUID());
  return deviceId({ ...input, salt });
}
