import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { logger } from '@/lib/server/logger';

/**
 * The master key that encrypts secrets at rest (signing-key secrets): 32 bytes for AES-256-GCM.
 *
 * Source, in order:
 * 1. `CALLSCOPE_MASTER_KEY`: 32 bytes as 64 hex characters or base64 / base64url; anything else is taken as a
 *    passphrase and stretched with scrypt (fixed, application-specific salt: the same passphrase always gives the
 *    same key, which is the point — it must decrypt what an earlier start encrypted).
 * 2. else `<dataDir>/master.key`: 32 random bytes (base64), created with mode 0600 on first start.
 *
 * The key lives on a globalThis holder, like the server context, so server.ts and the Next-bundled route handlers
 * of the same process share it.
 */

export const MASTER_KEY_FILE = 'master.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SCRYPT_SALT = 'callscope/master-key/v1';

export interface MasterKeySource {
  /** Raw `CALLSCOPE_MASTER_KEY` value, if set. */
  masterKey?: string;
  /** Data directory where `master.key` is kept when no env key is set. */
  dataDir: string;
}

export interface MasterKey {
  key: Buffer;
  origin: 'env' | 'env-passphrase' | 'file';
  /** Path of the key file when origin is `file`. */
  file?: string;
}

const holderKey = Symbol.for('callscope.masterKey');
type Holder = { [holderKey]?: MasterKey };

class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/** Parses `CALLSCOPE_MASTER_KEY`: hex or base64 of exactly 32 bytes, else a passphrase (scrypt). */
export function parseMasterKey(raw: string): Pick<MasterKey, 'key' | 'origin'> {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { key: Buffer.from(value, 'hex'), origin: 'env' };
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const decoded = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === KEY_BYTES) return { key: decoded, origin: 'env' };
  }
  if (value.length < 16) {
    throw new MasterKeyError(
      'CALLSCOPE_MASTER_KEY must be 32 bytes (64 hex characters or base64) or a passphrase of at least 16 characters',
    );
  }
  return {
    key: scryptSync(value, SCRYPT_SALT, KEY_BYTES, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }),
    origin: 'env-passphrase',
  };
}

function loadOrCreateKeyFile(dataDir: string): MasterKey {
  const file = path.join(dataDir, MASTER_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': exclusive create, so two servers starting at once on the same directory never overwrite each other.
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
    } finally {
      closeSync(fd);
    }
    logger().info({ file }, 'master key file created (back it up: encrypted signing secrets need it)');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077)
    logger().warn({ file, mode: mode.toString(8) }, 'master key file is readable by others (chmod 600)');
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new MasterKeyError(`${file} does not hold a 32-byte base64 key`);
  return { key, origin: 'file', file };
}

/** Sets where the master key comes from (server.ts at start) and resolves it now, creating the file if needed. */
export function initMasterKey(source: MasterKeySource): MasterKey {
  const key = source.masterKey ? parseMasterKey(source.masterKey) : loadOrCreateKeyFile(source.dataDir);
  (globalThis as Holder)[holderKey] = key;
  return key;
}

/** The process's master key; falls back to the process environment when server.ts did not initialise it. */
export function masterKey(): MasterKey {
  const current = (globalThis as Holder)[holderKey];
  if (current) return current;
  return initMasterKey({
    masterKey: process.env.CALLSCOPE_MASTER_KEY || undefined,
    dataDir: path.resolve(process.env.CALLSCOPE_DATA_DIR ?? './data'),
  });
}

/**
 * AES-256-GCM. Output: `base64(iv).base64(tag).base64(ciphertext)`. `context` (e.g. the key's kid) is bound as
 * additional authenticated data, so a ciphertext copied onto another row does not decrypt.
 */
export function encryptSecret(plaintext: string, context = '', key: Buffer = masterKey().key): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64')).join('.');
}

/** Inverse of `encryptSecret`; throws MasterKeyError when the key or context is wrong or the data was altered. */
export function decryptSecret(encrypted: string, context = '', key: Buffer = masterKey().key): string {
  const parts = encrypted.split('.');
  if (parts.length !== 3) throw new MasterKeyError('encrypted secret: bad format');
  const [iv, tag, ciphertext] = parts.map((p) => Buffer.from(p, 'base64'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new MasterKeyError('encrypted secret: bad format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new MasterKeyError('encrypted secret does not decrypt with this master key');
  }
}
