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

/** A number of the ingest limits; an empty value counts as unset (it must not turn a limit off by accident). */
function ingestLimit(o: { min: 0 | 1; default: number; fraction?: boolean }) {
  const n = o.fraction ? z.coerce.number() : z.coerce.number().int();
  return z.preprocess((v) => (v === '' ? undefined : v), n.min(o.min).default(o.default));
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  /** Connections this node's Prisma pool opens (the job queue has 4 more of its own). */
  CALLSCOPE_DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  CALLSCOPE_DATA_DIR: z.string().default('./data'),
  CALLSCOPE_JWT_SECRET: secretList,
  CALLSCOPE_MASTER_KEY: z.string().optional(),
  CALLSCOPE_HOST_IDENTIFIER: z.string().optional(),
  /** Session monitoring: the payloads' `projectId`. */
  CALLSCOPE_PROJECT_ID: z.string().min(1).default('callscope'),
  // Vonage session-monitoring callbacks in (POST /api/v1/monitoring/vonage): the signature secret of the callback
  // (unset: unsigned callbacks are accepted), and where a callback's conference comes from (docs/monitoring.md).
  CALLSCOPE_VONAGE_SIGNATURE_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional()),
  CALLSCOPE_VONAGE_CONFERENCE_FROM: z
    .string()
    .regex(/^(sessionId|data:[A-Za-z0-9_-]{1,64})$/, 'sessionId, or data:<field> (a field of the JSON token data)')
    .default('sessionId'),
  // Outbound webhooks (lib/server/webhooks, docs/webhooks.md): retries, the disable rule, private destinations.
  CALLSCOPE_WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().max(3600).default(5),
  CALLSCOPE_WEBHOOK_RETRY_MAX_SECONDS: z.coerce.number().positive().max(86_400).default(900),
  CALLSCOPE_WEBHOOK_RETRY_FOR_HOURS: z.coerce.number().positive().max(720).default(24),
  CALLSCOPE_WEBHOOK_DISABLE_FAILURES: z.coerce.number().int().min(1).default(50),
  CALLSCOPE_WEBHOOK_DISABLE_WINDOW_MINUTES: z.coerce.number().positive().max(10_080).default(30),
  CALLSCOPE_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  // pg-boss's schema (lib/server/jobs/job-queue.ts): nodes with the same one share their jobs.
  CALLSCOPE_JOB_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/, 'letters, digits and underscores, not starting with a digit, ≤ 50')
    .default('pgboss'),
  // The API recognises only `Bearer cs_…` as an API key: any other key would be provisioned and never work.
  CALLSCOPE_BOOTSTRAP_API_KEY: z
    .string()
    .min(24)
    .regex(/^cs_/, 'must start with cs_ (API keys are sent as Authorization: Bearer cs_…)')
    .optional(),
  CALLSCOPE_ADMIN_EMAIL: z.string().email().optional(),
  CALLSCOPE_ADMIN_PASSWORD: z.string().min(8).optional(),
  CALLSCOPE_SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  // SIGTERM drains live sessions; past this the process exits anyway (exit code 1).
  CALLSCOPE_SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(10),
  CALLSCOPE_MAX_UPLOAD_MB: z.coerce.number().positive().default(200),
  // How many proxies in front of Callscope append to X-Forwarded-For: false/0 (none: the socket's address), true = 1.
  CALLSCOPE_TRUST_PROXY: z
    .string()
    .default('false')
    .refine((v) => /^(true|false|\d{1,2})$/.test(v), { message: 'true, false or a number of proxies (0–99)' })
    .transform((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v))),
  // WebSocket ingest limits (lib/server/ingest/ingest-limits.ts); a rate or a count of 0 turns that limit off.
  CALLSCOPE_INGEST_MAX_FRAME_BYTES: ingestLimit({ min: 1, default: 4_194_304 }),
  CALLSCOPE_INGEST_FRAMES_PER_SECOND: ingestLimit({ min: 0, default: 50, fraction: true }),
  CALLSCOPE_INGEST_FRAME_BURST: ingestLimit({ min: 1, default: 2000 }),
  CALLSCOPE_INGEST_BYTES_PER_SECOND: ingestLimit({ min: 0, default: 1_048_576 }),
  CALLSCOPE_INGEST_BYTE_BURST: ingestLimit({ min: 1, default: 16_777_216 }),
  CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_TOKEN: ingestLimit({ min: 0, default: 10 }),
  CALLSCOPE_INGEST_MAX_CONNECTIONS_PER_ADDRESS: ingestLimit({ min: 0, default: 500 }),
  CALLSCOPE_INGEST_CONNECTIONS_PER_SECOND_PER_ADDRESS: ingestLimit({ min: 0, default: 20, fraction: true }),
  CALLSCOPE_INGEST_CONNECTION_BURST_PER_ADDRESS: ingestLimit({ min: 1, default: 200 }),
  // Refused ingest attempts recorded per second for the connect page (rejected-attempts.ts); 0: none, only counted.
  CALLSCOPE_INGEST_REJECTIONS_PER_SECOND: z.coerce.number().min(0).max(10_000).default(5),
  // GET /metrics: a bearer token on the main port (unset: 404), and/or a token-free port bound to 127.0.0.1.
  CALLSCOPE_METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional()),
  CALLSCOPE_METRICS_PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  // Live dump bytes the live analysis thread may be behind by before a session is detached (live-analysis.ts).
  CALLSCOPE_LIVE_ANALYSIS_MAX_BACKLOG_MB: z.coerce.number().min(0.001).max(4096).default(64),
  // A node whose heartbeat is older than this is lost: another node ends its live sessions (node-liveness.ts).
  CALLSCOPE_NODE_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(30),
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

const checkedEnvSchema = envSchema.refine(
  (e) =>
    e.CALLSCOPE_INGEST_BYTES_PER_SECOND === 0 || e.CALLSCOPE_INGEST_BYTE_BURST >= e.CALLSCOPE_INGEST_MAX_FRAME_BYTES,
  {
    message: 'must be at least CALLSCOPE_INGEST_MAX_FRAME_BYTES (else a frame of the largest size is never accepted)',
    path: ['CALLSCOPE_INGEST_BYTE_BURST'],
  },
);

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = checkedEnvSchema.safeParse(source);
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
