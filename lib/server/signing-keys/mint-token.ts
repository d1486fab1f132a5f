import { decodeJwt } from 'jose';
import { MAX_TOKEN_EXPIRES_IN } from '@/lib/schemas/settings';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import { DomainError } from '@/lib/server/domain-error';
import { env } from '@/lib/server/env';
import { createDatabaseKeyRing } from '@/lib/server/signing-keys/key-ring';
import { processKeyRing } from '@/lib/server/signing-keys/process-ring';
import { generateAuthToken } from '@/lib/shared/auth-token';

/**
 * Tokens minted by Callscope (token tool in settings, `POST /api/v1/tokens` for backends): signed with the active
 * database key and its `kid` header, or — while no database key exists — with the first CALLSCOPE_JWT_SECRET
 * entry and no kid, exactly as an rtcstats backend would.
 */

const DEFAULT_TOKEN_EXPIRES_IN = 3600;
/** Longer identity strings would be dropped at verification (`identityFromClaims`). */
const MAX_IDENTITY_LENGTH = 256;

export class TokenMintError extends DomainError<'invalid_request' | 'no_signing_key'> {
  override name = 'TokenMintError';
  protected readonly statusOf = { invalid_request: 'unprocessable_entity', no_signing_key: 'conflict' } as const;
}

export interface MintTokenInput {
  user?: string;
  session?: string;
  conference?: string;
  /** Lifetime in seconds (default 3600, at most 30 days). */
  expiresIn?: number;
  actor?: Actor;
}

export interface MintedToken {
  token: string;
  expiresAt: Date;
  /** kid of the signing key; null when signed with an env secret (no kid header). */
  kid: string | null;
}

function identityField(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_IDENTITY_LENGTH) {
    throw new TokenMintError(
      'invalid_request',
      `${name} must be a string of at most ${MAX_IDENTITY_LENGTH} characters`,
    );
  }
  return value;
}

function checkExpiresIn(expiresIn: number): number {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_TOKEN_EXPIRES_IN) {
    throw new TokenMintError(
      'invalid_request',
      `expiresIn must be a whole number of seconds between 1 and ${MAX_TOKEN_EXPIRES_IN}`,
    );
  }
  return expiresIn;
}

export async function mintToken(input: MintTokenInput): Promise<MintedToken> {
  const identity = {
    user: identityField('user', input.user),
    session: identityField('session', input.session),
    conference: identityField('conference', input.conference),
  };
  const expiresIn = checkExpiresIn(input.expiresIn ?? DEFAULT_TOKEN_EXPIRES_IN);
  // The running server's ring; outside one, a ring of our own for this call.
  const running = processKeyRing();
  const ring = running ?? createDatabaseKeyRing(env().CALLSCOPE_JWT_SECRET);
  const signing = await ring.signingSecret();
  if (!signing)
    throw new TokenMintError('no_signing_key', 'no signing key: create one in settings or set CALLSCOPE_JWT_SECRET');
  const token = await generateAuthToken(identity, signing.secret, expiresIn, { kid: signing.kid });
  const exp = decodeJwt(token).exp as number;
  // The automatic grace period follows the longest lifetime in use, including tokens minted here.
  ring.noteLifetime(expiresIn);
  if (!running) await ring.flushUsage();
  await auditFor(input.actor, 'token.mint', signing.kid ?? 'env-0', {
    user: identity.user ?? null,
    session: identity.session ?? null,
    conference: identity.conference ?? null,
    expiresIn,
  });
  return { token, expiresAt: new Date(exp * 1000), kid: signing.kid ?? null };
}
