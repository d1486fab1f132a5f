import type { Prisma } from '@/lib/generated/prisma/client';
import { type ConnectionAttemptDto, MAX_CONNECTION_ATTEMPTS } from '@/lib/schemas/connect';
import { db } from '@/lib/server/db/client';

/**
 * Rejected or failed ingest connection attempts (`connection_attempt`): a bounded table, the newest 200 only.
 * Written in batches by lib/server/ingest/rejected-attempts.ts, read by the "Connect your app" page.
 */

export type ConnectionAttemptInput = Omit<Prisma.ConnectionAttemptCreateManyInput, 'id'>;

/** Inserts a batch and deletes every row but the newest 200, in one transaction (one round trip each). */
export async function insertConnectionAttempts(rows: ConnectionAttemptInput[]): Promise<void> {
  if (rows.length === 0) return;
  const client = db();
  await client.$transaction([
    client.connectionAttempt.createMany({ data: rows }),
    // The primary key orders the rows: the 201st newest id and all below it go.
    client.$executeRaw`DELETE FROM "connection_attempt" WHERE id <= (
      SELECT id FROM "connection_attempt" ORDER BY id DESC OFFSET ${MAX_CONNECTION_ATTEMPTS} LIMIT 1)`,
  ]);
}

/** Newest first, at most 200. */
export async function listConnectionAttempts(): Promise<ConnectionAttemptDto[]> {
  const rows = await db().connectionAttempt.findMany({ orderBy: { id: 'desc' }, take: MAX_CONNECTION_ATTEMPTS });
  return rows.map((r) => ({
    id: String(r.id),
    at: r.at.getTime(),
    transport: r.transport,
    protocol: r.protocol,
    code: r.code,
    reason: r.reason,
    logLine: r.logLine,
    origin: r.origin,
    userAgent: r.userAgent,
    remoteAddress: r.remoteAddress,
  }));
}
