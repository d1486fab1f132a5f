import pg from 'pg';
import { inject } from 'vitest';

/**
 * Test files share one database and run in parallel. Signing keys are global state (one active key; a rotation
 * demotes it), so files that create, rotate or revoke keys hold this lock for their whole run and start and end
 * with no database keys (and the automatic grace period).
 */
const LOCK_ID = 0x63737431; // 'cst1'

export async function lockSigningKeys(): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
  const reset = async () => {
    await client.query('DELETE FROM signing_key');
    await client.query(`DELETE FROM setting WHERE key LIKE 'signingKeys.%'`);
  };
  await reset();
  return {
    async release() {
      try {
        await reset();
        await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
      } finally {
        await client.end();
      }
    },
  };
}
