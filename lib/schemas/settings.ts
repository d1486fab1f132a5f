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
// Response shapes (times are epoch ms, like the rest of the API).

export type SigningKeyState = 'active' | 'verifying' | 'revoked';

export interface SigningKeyDto {
  id: string;
  kid: string;
  source: 'db' | 'env';
  readOnly: boolean;
  state: SigningKeyState;
  createdAt: number | null;
  activatedAt: number | null;
  verifyingUntil: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  verifiedLast24h: number;
}

export interface GracePeriodDto {
  seconds: number;
  auto: boolean;
  overrideSeconds: number | null;
  maxTokenLifetimeSeconds: number | null;
  marginSeconds: number;
}

export interface SigningKeysResponse {
  keys: SigningKeyDto[];
  grace: GracePeriodDto;
}

/** The answer to create/rotate: `secret` is shown this once and never again. */
export interface NewSigningKeyResponse {
  key: SigningKeyDto;
  secret: string;
  previous: SigningKeyDto[];
  graceSeconds: number | null;
}

export interface ApiKeyDto {
  id: string;
  name: string;
  prefix: string;
  role: (typeof ROLES)[number];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** The answer to create: `key` is shown this once and never again. */
export interface NewApiKeyResponse {
  apiKey: ApiKeyDto;
  key: string;
}

export interface StaffAccountDto {
  id: string;
  email: string;
  name: string | null;
  role: (typeof ROLES)[number];
  disabled: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

export interface RetentionDto {
  rawDumpDays: number | null;
  seriesDays: number | null;
  sessionDays: number | null;
  updatedAt: number | null;
}

export interface AuditEntryDto {
  id: string;
  at: number;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

export interface AuditPage {
  entries: AuditEntryDto[];
  nextCursor: string | null;
}

export interface MintedTokenResponse {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The signing key's kid (also in the JWT header); null when signed with a CALLSCOPE_JWT_SECRET entry. */
  kid: string | null;
}
