import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { RtcstatsIdentity } from '@/lib/shared/auth-token';

/** A secret that may verify ingest tokens. `env` keys come from CALLSCOPE_JWT_SECRET, `db` keys from settings. */
export interface VerificationKey {
  kid: string;
  secret: Uint8Array;
  source: 'env' | 'db';
  /** Database id, for usage counters. */
  id?: string;
}

/** What verification needs from the key ring (lib/server/signing-keys/key-ring.ts: env secrets + database keys). */
export interface KeyRing {
  /** `true` when any secret is configured: then a token is required. */
  authRequired(): Promise<boolean>;
  /** Keys that may verify a token with this `kid` (or every verifying key when the token has none). */
  candidates(kid: string | undefined): Promise<{ keys: VerificationKey[]; revoked: boolean }>;
  /** Called after a successful verification (`claims`: the token's `iat`/`exp`, for the longest lifetime seen). */
  recordUse?(key: VerificationKey, claims?: { iat?: number; exp?: number }): void;
}

export type IngestAuthFailure =
  | 'missing'
  | 'malformed'
  | 'invalid_algorithm'
  | 'invalid_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'key_revoked'
  | 'unknown_key';

/**
 * A rejected token. `logLine` uses the wording rtcstats-server (jsonwebtoken) users search their logs for;
 * `reason` is the short text sent as the WebSocket close reason / HTTP error message.
 */
export class IngestAuthError extends Error {
  constructor(
    readonly failure: IngestAuthFailure,
    readonly reason: string,
    readonly logLine: string,
  ) {
    super(reason);
    this.name = 'IngestAuthError';
  }
}

export interface VerifiedIngest {
  identity: RtcstatsIdentity;
  /** null when auth is not configured (every client accepted). */
  key: VerificationKey | null;
  expiresAt?: number;
}

const failures = {
  missing: () =>
    new IngestAuthError(
      'missing',
      'rtcstats-token is missing',
      'Authentication is configured but rtcstats-token is missing',
    ),
  malformed: () =>
    new IngestAuthError('malformed', 'jwt malformed', 'JWT authorization failed JsonWebTokenError: jwt malformed'),
  algorithm: () =>
    new IngestAuthError(
      'invalid_algorithm',
      'invalid algorithm (HS256 only)',
      'JWT authorization failed JsonWebTokenError: invalid algorithm',
    ),
  signature: () =>
    new IngestAuthError(
      'invalid_signature',
      'invalid signature',
      'JWT authorization failed JsonWebTokenError: invalid signature',
    ),
  revoked: () =>
    new IngestAuthError('key_revoked', 'key revoked', 'JWT authorization failed JsonWebTokenError: key revoked'),
  unknownKey: () =>
    new IngestAuthError(
      'unknown_key',
      'invalid signature (unknown kid)',
      'JWT authorization failed JsonWebTokenError: invalid signature',
    ),
  expired: () =>
    new IngestAuthError('expired', 'jwt expired', 'JWT authorization failed TokenExpiredError: jwt expired'),
  notBefore: () =>
    new IngestAuthError('not_yet_valid', 'jwt not active', 'JWT authorization failed NotBeforeError: jwt not active'),
};

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

/** Claims may be nested under `rtcStats` (rtcstats backends) or top-level. */
function identityFromClaims(payload: Record<string, unknown>): RtcstatsIdentity {
  const nested =
    payload.rtcStats && typeof payload.rtcStats === 'object' ? (payload.rtcStats as Record<string, unknown>) : {};
  return {
    user: stringClaim(nested.user) ?? stringClaim(payload.user),
    session: stringClaim(nested.session) ?? stringClaim(payload.session),
    conference: stringClaim(nested.conference) ?? stringClaim(payload.conference),
  };
}

/** Verifies an ingest token against the ring: HS256 only, `exp`/`nbf` enforced, `kid` pins one key. */
export async function verifyIngestToken(token: string | null | undefined, ring: KeyRing): Promise<VerifiedIngest> {
  if (!(await ring.authRequired())) return { identity: {}, key: null };
  if (!token) throw failures.missing();
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw failures.malformed();
  }
  if (token.split('.').length !== 3) throw failures.malformed();
  // Only HS256: `none` and asymmetric headers signed with the shared secret (key confusion) are refused before
  // any key is tried.
  if (header.alg !== 'HS256') throw failures.algorithm();
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const { keys, revoked } = await ring.candidates(kid);
  if (keys.length === 0) throw revoked ? failures.revoked() : kid ? failures.unknownKey() : failures.signature();
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, key.secret, { algorithms: ['HS256'] });
      ring.recordUse?.(key, { iat: payload.iat, exp: payload.exp });
      return { identity: identityFromClaims(payload), key, expiresAt: payload.exp ? payload.exp * 1000 : undefined };
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      if (err instanceof errors.JWTExpired) throw failures.expired();
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') throw failures.notBefore();
      if (err instanceof errors.JOSEAlgNotAllowed) throw failures.algorithm();
      throw failures.malformed();
    }
  }
  throw revoked ? failures.revoked() : failures.signature();
}
