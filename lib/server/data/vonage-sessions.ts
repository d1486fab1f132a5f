/**
 * Which Callscope conference a Vonage session's token data named (CALLSCOPE_VONAGE_CONFERENCE_FROM=data:<field>).
 * Connection and stream callbacks carry the token data; session callbacks do not, so they look up where the
 * session's connections went. One row per Vonage session, the latest mapping wins.
 */
import { db } from '@/lib/server/db/client';

export async function rememberVonageSession(sessionId: string, conference: string): Promise<void> {
  await db().$executeRaw`
    INSERT INTO vonage_session (session_id, conference) VALUES (${sessionId}, ${conference})
    ON CONFLICT (session_id) DO UPDATE SET conference = EXCLUDED.conference, updated_at = now()
     WHERE vonage_session.conference <> EXCLUDED.conference`;
}

export async function vonageSessionConference(sessionId: string): Promise<string | undefined> {
  const [row] = await db().$queryRaw<{ conference: string }[]>`
    SELECT conference FROM vonage_session WHERE session_id = ${sessionId}`;
  return row?.conference;
}
