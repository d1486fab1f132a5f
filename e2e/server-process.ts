/**
 * Runs in its own Node process (tsx): starts the real server with startServer() from server.ts, seeds the staff
 * accounts, prints `E2E_READY <url>`, and shuts down cleanly on SIGTERM. Configuration comes from the
 * environment global-setup passes (PORT, CALLSCOPE_DATA_DIR, NEXTAUTH_*, CALLSCOPE_JWT_SECRET).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createStaff } from '@/lib/server/data/staff';
import { startServer } from '../server';
import { STAFF } from './staff';

const server = await startServer({ port: Number(process.env.PORT), host: '127.0.0.1', dev: false });
for (const account of Object.values(STAFF)) await createStaff(account);
// Specs that seed rows directly (e2e/support/overview-week.ts) find the embedded database here.
if (process.env.CALLSCOPE_DATA_DIR) {
  await writeFile(path.join(process.env.CALLSCOPE_DATA_DIR, 'e2e-database-url'), server.databaseUrl);
}
process.stdout.write(`E2E_READY ${server.url}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
