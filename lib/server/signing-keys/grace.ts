import { type GracePeriodDto, MAX_GRACE_SECONDS } from '@/lib/schemas/settings';
import { type Actor, auditFor } from '@/lib/server/data/audit';
import {
  deleteUsageBefore,
  raiseMaxTokenLifetime,
  readGraceSettings,
  updateKeysPastGrace,
  writeGraceOverride,
} from '@/lib/server/data/signing-keys';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import { logger } from '@/lib/server/logger';
import { SigningKeyError } from '@/lib/server/signing-keys/errors';
import { signingKeysChanged } from '@/lib/server/signing-keys/process-ring';
import type { SigningKeyRing } from '@/lib/server/signing-keys/types';

/**
 * The grace period: how long a rotated-out key keeps verifying. Automatic (the longest token lifetime seen plus a
 * margin) unless an admin sets it; `expireGracePeriods()` revokes keys whose period ended. It runs every minute
 * from the job queue (`scheduleKeyRingMaintenance`: a pg-boss cron job, once per minute for all nodes), and the
 * key ring calls it when it meets such a key. Usage counters are this process's memory: `startKeyUsageFlush`
 * writes them on a local timer, as every node must for its own counters.
 */

/** Used for the grace period when no token has been seen yet: rtcstats' `generateAuthToken` default. */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
/** Added to the longest lifetime: clock skew, key-cache lifetime, a token minted just before the rotation. */
export const GRACE_MARGIN_SECONDS = 600;
/** A token claiming a longer lifetime does not stretch the automatic grace period beyond this. */
const MAX_AUTO_LIFETIME_SECONDS = 30 * 24 * 3600;
/** Usage buckets older than this serve nothing (the UI shows 24 h). */
const USAGE_KEPT_MS = 7 * 24 * 3600_000;

/** A valid grace period in whole seconds (0 … 365 days), else `invalid_grace`. */
export function checkGrace(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_GRACE_SECONDS) {
    throw new SigningKeyError('invalid_grace', `the grace period is between 0 and ${MAX_GRACE_SECONDS} seconds`);
  }
  return Math.round(seconds);
}

export async function getGracePeriod(): Promise<GracePeriodDto> {
  const { overrideSeconds, maxLifetimeSeen } = await readGraceSettings();
  const lifetime = Math.min(maxLifetimeSeen ?? DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_AUTO_LIFETIME_SECONDS);
  return {
    seconds: overrideSeconds ?? lifetime + GRACE_MARGIN_SECONDS,
    auto: overrideSeconds === null,
    overrideSeconds,
    maxTokenLifetimeSeconds: maxLifetimeSeen,
    marginSeconds: GRACE_MARGIN_SECONDS,
  };
}

/** Sets the grace period used by rotations (seconds), or `null` to go back to the automatic one. */
export async function setGracePeriodSeconds(
  seconds: number | null,
  opts: { actor?: Actor } = {},
): Promise<GracePeriodDto> {
  await writeGraceOverride(seconds === null ? null : checkGrace(seconds));
  await auditFor(opts.actor, 'signing_key.grace_period_set', null, { seconds });
  return getGracePeriod();
}

/** Raises the stored longest token lifetime to `seconds` if it is longer (never lowers it). */
export async function noteTokenLifetime(seconds: number): Promise<void> {
  if (!Number.isFinite(seconds) || seconds <= 0) return;
  await raiseMaxTokenLifetime(Math.round(Math.min(seconds, MAX_AUTO_LIFETIME_SECONDS)));
}

/**
 * Turns every `verifying` key whose grace period has ended into `revoked`. Called by the key ring when it sees
 * one and by the periodic maintenance. Returns the kids revoked.
 */
export async function expireGracePeriods(now: Date = new Date()): Promise<string[]> {
  const revoked = await updateKeysPastGrace(now);
  await deleteUsageBefore(new Date(now.getTime() - USAGE_KEPT_MS));
  if (revoked.length) {
    signingKeysChanged();
    logger().info({ kids: revoked }, 'grace period ended: signing keys revoked');
  }
  return revoked;
}

export const KEY_MAINTENANCE_QUEUE = 'signing-key-grace';

/** The key maintenance job: end grace periods (and drop old usage buckets); the ring reloads if a key went. */
export async function runKeyRingMaintenance(ring: SigningKeyRing): Promise<{ revoked: string[] }> {
  const revoked = await expireGracePeriods();
  if (revoked.length) ring.invalidate();
  return { revoked };
}

/** Every minute, cluster-wide once; `stately`: one queued and one running at most. */
export function scheduleKeyRingMaintenance(jobs: JobQueue, ring: SigningKeyRing): Promise<void> {
  return jobs.define({
    name: KEY_MAINTENANCE_QUEUE,
    queue: { policy: 'stately', expireInSeconds: 60, retryLimit: 1, retryDelay: 10 },
    cron: '* * * * *',
    pollingIntervalSeconds: 5,
    handler: () => runKeyRingMaintenance(ring),
  });
}

/**
 * Writes this process's usage counters every `intervalMs` (unref'd timer: it never keeps the process alive).
 * `stop()` clears it and flushes once more.
 */
export function startKeyUsageFlush(
  ring: SigningKeyRing,
  opts: { intervalMs?: number } = {},
): { stop(): Promise<void> } {
  const log = logger();
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= ring
      .flushUsage()
      .catch((err) => log.error({ err }, 'signing key usage flush failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, opts.intervalMs ?? 30_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await ring.flushUsage().catch((err) => log.error({ err }, 'signing key usage flush failed'));
    },
  };
}
