/**
 * Every environment variable Callscope reads, validated once. README's configuration table mirrors this.
 * Kept free of `server-only` because server.ts (not bundled by Next) imports it too.
 */

import { z } from 'zod';

const secretList = z
  .string()
  .optional()
  .transform((raw) =>
    (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((secrets) => secrets.every((s) => Buffer.byteLength(s) >= 32), {
    message: 'every CALLSCOPE_JWT_SECRET entry needs at least 32 bytes (256 bits)',
  });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  CALLSCOPE_DATA_DIR: z.string().default('./data'),
  CALLSCOPE_JWT_SECRET: secretList,
  CALLSCOPE_MASTER_KEY: z.string().optional(),
  CALLSCOPE_HOST_IDENTIFIER: z.string().optional(),
  // The API recognises only `Bearer cs_…` as an API key: any other key would be provisioned and never work.
  CALLSCOPE_BOOTSTRAP_API_KEY: z
    .string()
    .min(24)
    .regex(/^cs_/, 'must start with cs_ (API keys are sent as Authorization: Bearer cs_…)')
    .optional(),
  CALLSCOPE_ADMIN_EMAIL: z.string().email().optional(),
  CALLSCOPE_ADMIN_PASSWORD: z.string().min(8).optional(),
  CALLSCOPE_SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  CALLSCOPE_MAX_UPLOAD_MB: z.coerce.number().positive().default(200),
  // How many proxies in front of Callscope append to X-Forwarded-For: false/0 (none: the socket's address), true = 1.
  CALLSCOPE_TRUST_PROXY: z
    .string()
    .default('false')
    .refine((v) => /^(true|false|\d{1,2})$/.test(v), { message: 'true, false or a number of proxies (0–99)' })
    .transform((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v))),
  CALLSCOPE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NEXTAUTH_SECRET: z.string().optional(),
  NEXTAUTH_URL: z.string().optional(),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  // Raw dumps in an S3-compatible bucket instead of the data directory (lib/server/dump-store.ts).
  S3_BUCKET: z.string().min(3).optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_PREFIX: z.string().default('dumps/'),
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function env(): Env {
  cached ??= loadEnv();
  return cached;
}

/** Tests change the environment between servers; this drops the cached copy. */
export function resetEnvCache(): void {
  cached = undefined;
}
