import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { audit, listAudit } from '../lib/server/data/audit';
import { connectDatabase, disconnectDatabase } from '../lib/server/db/client';

let sql: pg.Client;

beforeAll(async () => {
  connectDatabase(inject('databaseUrl'));
  sql = new pg.Client({ connectionString: inject('databaseUrl') });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await disconnectDatabase();
});

test('the audit log takes new rows but refuses to change or remove any, even over a direct connection', async () => {
  const target = `append-only-${Date.now()}`;
  await audit({ action: 'test.append_only', target, actorEmail: 'auditor@callscope.test', ip: '192.0.2.1' });
  const { rows } = await sql.query('SELECT id, actor_email FROM audit_log WHERE target = $1', [target]);
  expect(rows).toHaveLength(1);

  await expect(sql.query(`UPDATE audit_log SET actor_email = 'someone@else.test' WHERE id = $1`, [rows[0].id])).rejects.toThrow(
    /append-only: UPDATE refused/,
  );
  await expect(sql.query('DELETE FROM audit_log WHERE id = $1', [rows[0].id])).rejects.toThrow(/append-only: DELETE refused/);
  await expect(sql.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);

  // Still there, unchanged, and the settings page's reader still lists it.
  const after = await sql.query('SELECT actor_email FROM audit_log WHERE id = $1', [rows[0].id]);
  expect(after.rows).toEqual([{ actor_email: 'auditor@callscope.test' }]);
  const listed = await listAudit({ action: 'test.append_only' });
  expect(JSON.stringify(listed)).toContain(target);
});
