import type { KeyRing } from '@/lib/server/auth/ingest-token';

/**
 * The key ring's full interface: what ingest verifies with (`KeyRing`) plus what key management and token minting
 * need. The running server keeps its one ring in the server context (`serverContext().keyRing`).
 */

/** The secret tokens minted by Callscope are signed with. */
interface SigningSecret {
  /** `undefined` for an env secret (tokens without kid, as before keys were managed in settings). */
  kid: string | undefined;
  secret: Uint8Array;
  source: 'db' | 'env';
  /** Database id of the key. */
  id?: string;
}

/** A CALLSCOPE_JWT_SECRET entry as the settings list shows it (its usage is kept in memory only). */
export interface EnvKeyView {
  kid: string;
  lastUsedAt: Date | null;
  verifiedLast24h: number;
}

export interface SigningKeyRing extends KeyRing {
  /** Drops the cached database keys: the next call reloads them. */
  invalidate(): void;
  /** The key tokens minted by Callscope are signed with: the active database key, else the first env secret. */
  signingSecret(): Promise<SigningSecret | null>;
  /** Writes batched usage counters and the longest token lifetime seen. */
  flushUsage(): Promise<void>;
  /** Records the lifetime of a token minted here (the grace default follows it). */
  noteLifetime(seconds: number): void;
  envKeys(): EnvKeyView[];
  /** Flushes the usage counters one last time. */
  close(): Promise<void>;
}
