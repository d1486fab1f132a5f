import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * next-auth signs staff sessions with NEXTAUTH_SECRET. When the operator sets none, Callscope creates one on
 * first start in the data directory (mode 0600) and reuses it, so sessions survive restarts without setup.
 */
export function ensureSessionSecret(dataDirectory: string): void {
  if (process.env.NEXTAUTH_SECRET) return;
  const file = path.join(dataDirectory, 'session.secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  process.env.NEXTAUTH_SECRET = readFileSync(file, 'utf8').trim();
}
