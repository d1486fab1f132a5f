import { z } from 'zod';
import { ROLES } from '@/lib/shared/roles';

/**
 * Settings and token-tool inputs, shared by the settings forms and the route handlers under
 * app/api/v1/settings/** and app/api/v1/tokens. Limits mirror the data layer (lib/server/data/*), which checks again.
 */

/** 365 days: the longest grace period a rotation may use (signing-keys.ts MAX_GRACE_SECONDS). */
export const MAX_GRACE_SECONDS = 365 * 24 * 3600;
/** 30 days: the longest token lifetime (tokens.ts MAX_TOKEN_EXPIRES_IN). */
export const MAX_TOKEN_EXPIRES_IN = 30 * 24 * 3600;

const graceSeconds = z.number().int().min(0).max(MAX_GRACE_SECONDS);

// POST /api/v1/settings/keys
export const signingKeyInput = z.object({
  /** `create` the first database key (409 when one is active) or `rotate` (works with no active key too). */
  action: z.enum(['create', 'rotate']).default('rotate'),
  /** A pasted secret (≥ 32 bytes); omitted: the server generates one. */
  secret: z.string().min(1).max(1024).optional(),
  /** Rotation only: this rotation's grace period in seconds (0 revokes the previous key at once). */
  graceSeconds: graceSeconds.optional(),
});
export type SigningKeyInput = z.input<typeof signingKeyInput>;

// PUT /api/v1/settings/keys/grace
export const gracePeriodInput = z.object({
  /** Seconds, or null to go back to the automatic grace period (longest token lifetime + margin). */
  seconds: graceSeconds.nullable(),
});
export type GracePeriodInput = z.infer<typeof gracePeriodInput>;

// POST /api/v1/settings/api-keys
export const apiKeyInput = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES).default('admin'),
});
export type ApiKeyInput = z.input<typeof apiKeyInput>;

const password = z.string().min(10, 'at least 10 characters').max(200);

// POST /api/v1/settings/staff
export const createStaffInput = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100).optional(),
  role: z.enum(ROLES),
  password,
});
export type CreateStaffInput = z.input<typeof createStaffInput>;

// PATCH /api/v1/settings/staff/{id}
export const updateStaffInput = z
  .object({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    name: z.string().trim().min(1).max(100).optional(),
    /** Reset the password (the account holder signs in with it next). */
    password: password.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'nothing to change');
export type UpdateStaffInput = z.input<typeof updateStaffInput>;

/** Days to keep each kind of data; null keeps it forever. */
const days = z.number().int().min(1).max(3650).nullable();

// PUT /api/v1/settings/retention
export const retentionInput = z
  .object({
    /** Raw dumps (files in storage). */
    rawDumpDays: days,
    /** Per-track series and analysis results. */
    seriesDays: days,
    /** Session rows (search, the session page); deleting one deletes its series and dump too. */
    sessionDays: days,
  })
  .superRefine((v, ctx) => {
    // A session row outliving its dump and series is fine; the other way round is not possible.
    for (const field of ['rawDumpDays', 'seriesDays'] as const) {
      const value = v[field];
      if (v.sessionDays !== null && (value === null || value > v.sessionDays)) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'cannot be kept longer than the session rows they belong to',
        });
      }
    }
  });
export type RetentionInput = z.infer<typeof retentionInput>;

// GET /api/v1/settings/audit
export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'cursor is an audit entry id')
    .optional(),
  action: z
    .string()
    .regex(/^[a-z0-9_.]{1,64}$/)
    .optional(),
});

const identity = z.string().trim().max(256).optional();

// POST /api/v1/tokens
export const mintTokenInput = z.object({
  user: identity,
  session: identity,
  conference: identity,
  /** Lifetime in seconds (default 3600). */
  expiresIn: z.number().int().min(1).max(MAX_TOKEN_EXPIRES_IN).default(3600),
});
export type MintTokenInput = z.input<typeof mintTokenInput>;

// ---------------------------------------------------------------------------------------------------------------
// Response shapes, declared once: the data mappers (signingKeyDto, apiKeyDto, staffDto, retentionDto, auditEntryDto)
// return these types, the settings pages and hooks import them, and test/settings-api-shapes.test.ts parses every
// real answer with these schemas (strict objects: a field added or dropped on either side fails). Times are epoch
// ms, like the rest of the API.

const epochMs = z.number();
const maybeEpochMs = z.number().nullable();
const seconds = z.number().int().min(0);
const role = z.enum(ROLES);

export const signingKeyStateSchema = z.enum(['active', 'verifying', 'revoked']);
export type SigningKeyState = z.infer<typeof signingKeyStateSchema>;

export const signingKeyDtoSchema = z.strictObject({
  /** Database id; for env keys, the kid. */
  id: z.string(),
  kid: z.string(),
  /** `env` keys come from CALLSCOPE_JWT_SECRET: read-only, they cannot be rotated or revoked from settings. */
  source: z.enum(['db', 'env']),
  readOnly: z.boolean(),
  state: signingKeyStateSchema,
  createdAt: maybeEpochMs,
  activatedAt: maybeEpochMs,
  verifyingUntil: maybeEpochMs,
  revokedAt: maybeEpochMs,
  lastUsedAt: maybeEpochMs,
  /** Tokens verified with this key in the last 24 hours. */
  verifiedLast24h: z.number().int().min(0),
});
export type SigningKeyDto = z.infer<typeof signingKeyDtoSchema>;

export const gracePeriodDtoSchema = z.strictObject({
  /** The grace period a rotation uses now. */
  seconds,
  /** `true` when derived from the longest token lifetime seen (no admin override). */
  auto: z.boolean(),
  /** Admin override, or null. */
  overrideSeconds: seconds.nullable(),
  /** Longest `exp - iat` seen on a verified or minted token (capped), or null when none was seen yet. */
  maxTokenLifetimeSeconds: seconds.nullable(),
  marginSeconds: seconds,
});
export type GracePeriodDto = z.infer<typeof gracePeriodDtoSchema>;

/** GET /api/v1/settings/keys. */
export const signingKeysResponseSchema = z.strictObject({
  keys: z.array(signingKeyDtoSchema),
  grace: gracePeriodDtoSchema,
});
export type SigningKeysResponse = z.infer<typeof signingKeysResponseSchema>;

/** POST /api/v1/settings/keys (create or rotate): `secret` is shown this once and never again. */
export const newSigningKeyResponseSchema = z.strictObject({
  key: signingKeyDtoSchema,
  secret: z.string(),
  /** The keys this rotation demoted (empty for `create`). */
  previous: z.array(signingKeyDtoSchema),
  /** This rotation's grace period; null for `create`. */
  graceSeconds: seconds.nullable(),
});
export type NewSigningKeyResponse = z.infer<typeof newSigningKeyResponseSchema>;

/** DELETE /api/v1/settings/keys/{id}: the key as revoked. */
export const revokedSigningKeyResponseSchema = z.strictObject({ key: signingKeyDtoSchema });

/** GET and PUT /api/v1/settings/keys/grace. */
export const gracePeriodResponseSchema = z.strictObject({ grace: gracePeriodDtoSchema });

export const apiKeyDtoSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  /** The key's first characters (the full key is never stored). */
  prefix: z.string(),
  role,
  createdAt: epochMs,
  lastUsedAt: maybeEpochMs,
  revokedAt: maybeEpochMs,
});
export type ApiKeyDto = z.infer<typeof apiKeyDtoSchema>;

/** GET /api/v1/settings/api-keys. */
export const apiKeysResponseSchema = z.strictObject({ apiKeys: z.array(apiKeyDtoSchema) });

/** POST /api/v1/settings/api-keys: `key` is shown this once and never again. */
export const newApiKeyResponseSchema = z.strictObject({
  apiKey: apiKeyDtoSchema,
  key: z.string(),
});
export type NewApiKeyResponse = z.infer<typeof newApiKeyResponseSchema>;

/** DELETE /api/v1/settings/api-keys/{id}: the key as revoked. */
export const revokedApiKeyResponseSchema = z.strictObject({ apiKey: apiKeyDtoSchema });

export const staffAccountDtoSchema = z.strictObject({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role,
  disabled: z.boolean(),
  createdAt: epochMs,
  lastLoginAt: maybeEpochMs,
});
export type StaffAccountDto = z.infer<typeof staffAccountDtoSchema>;

/** GET /api/v1/settings/staff. */
export const staffListResponseSchema = z.strictObject({ staff: z.array(staffAccountDtoSchema) });

/** POST /api/v1/settings/staff and PATCH /api/v1/settings/staff/{id}: the account as stored. */
export const staffAccountResponseSchema = z.strictObject({ staff: staffAccountDtoSchema });

const keptDays = z.number().int().min(1).nullable();

export const retentionDtoSchema = z.strictObject({
  rawDumpDays: keptDays,
  seriesDays: keptDays,
  sessionDays: keptDays,
  /** Null while the policy was never set (the defaults apply). */
  updatedAt: maybeEpochMs,
});
export type RetentionDto = z.infer<typeof retentionDtoSchema>;

/** GET and PUT /api/v1/settings/retention. */
export const retentionResponseSchema = z.strictObject({ retention: retentionDtoSchema });

export const auditEntryDtoSchema = z.strictObject({
  /** The row id (a bigint, as a string); also the paging cursor. */
  id: z.string(),
  at: epochMs,
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});
export type AuditEntryDto = z.infer<typeof auditEntryDtoSchema>;

/** GET /api/v1/settings/audit: newest first. */
export const auditPageSchema = z.strictObject({
  entries: z.array(auditEntryDtoSchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** POST /api/v1/tokens. */
export const mintedTokenResponseSchema = z.strictObject({
  token: z.string(),
  /** Epoch milliseconds. */
  expiresAt: epochMs,
  /** The signing key's kid (also in the JWT header); null when signed with a CALLSCOPE_JWT_SECRET entry. */
  kid: z.string().nullable(),
});
export type MintedTokenResponse = z.infer<typeof mintedTokenResponseSchema>;
