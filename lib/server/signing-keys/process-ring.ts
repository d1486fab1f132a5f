import { serverContext } from '@/lib/server/context';
import type { SigningKeyRing } from '@/lib/server/signing-keys/types';

/**
 * The running server's key ring, from the server context: the one place server.ts and the Next-bundled route
 * handlers of the same process both reach. `undefined` outside a running server.
 */
export function processKeyRing(): SigningKeyRing | undefined {
  try {
    return serverContext().keyRing;
  } catch {
    return undefined;
  }
}

/**
 * Called after every create / rotate / revoke / grace expiry: the ring reloads the database keys on its next
 * verification, so a change takes effect at once in this process (and within the cache TTL in others).
 */
export function signingKeysChanged(): void {
  processKeyRing()?.invalidate();
}
