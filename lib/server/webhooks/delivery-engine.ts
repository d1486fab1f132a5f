/**
 * Webhook delivery from the durable job queue. A delivery line is one endpoint and one conference: its deliveries go
 * out one at a time in the conference's event order, each retried until it succeeds or its retry period ends, and
 * only then the next. Three queues:
 *
 * - `webhook-deliver` (stately, singleton key = the line): one job works a line, delivering its due deliveries in
 *   order. A line waiting for a retry does not keep a job queued here (that would hold back a kick, which stately
 *   dedupes): it leaves a wake-up instead.
 * - `webhook-wake`: a job at the retry's time (its id derived from the line and the time, so one wake per retry)
 *   that queues the line's deliver job.
 * - `webhook-sweep`: every minute (and at start), lines of enabled endpoints with a due delivery get a deliver job,
 *   so a crashed node, a lost wake or a restart loses nothing.
 *
 * New events kick their lines at once (`monitoring.onStored`). At least once: a 2xx whose record is lost (a crash
 * between the answer and the update) is sent again, with the same `webhook-id`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { MonitoringPayload } from '@/lib/schemas/monitoring';
import {
  type AttemptMode,
  type AttemptRecord,
  createTestDelivery,
  deliveryToSend,
  dueLines,
  lineHead,
  recordAttempt,
  webhookTarget,
} from '@/lib/server/data/webhooks';
import type { Env } from '@/lib/server/env';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import { logger } from '@/lib/server/logger';
import type { Monitoring } from '@/lib/server/monitoring/monitoring';
import { postWebhook } from '@/lib/server/webhooks/send';

export const DELIVER_QUEUE = 'webhook-deliver';
/** Deliver workers per node (each handles one line at a time). */
const DELIVERY_WORKERS = 4;
const WAKE_QUEUE = 'webhook-wake';
const SWEEP_QUEUE = 'webhook-sweep';

/** A receiver has this long to answer with a 2xx. */
const TIMEOUT_MS = 15_000;
/** A deliver job hands its line to a fresh job after this long, so one busy line never holds a claim for long. */
const JOB_BUDGET_MS = 60_000;

export interface WebhookConfig {
  retryBaseMs: number;
  retryMaxMs: number;
  retryForMs: number;
  disableFailures: number;
  disableWindowMinutes: number;
  allowPrivate: boolean;
  timeoutMs: number;
  projectId: string;
  userAgent: string;
}

export function webhookConfig(env: Env, version: string): WebhookConfig {
  return {
    retryBaseMs: env.CALLSCOPE_WEBHOOK_RETRY_BASE_SECONDS * 1000,
    retryMaxMs: env.CALLSCOPE_WEBHOOK_RETRY_MAX_SECONDS * 1000,
    retryForMs: env.CALLSCOPE_WEBHOOK_RETRY_FOR_HOURS * 3_600_000,
    disableFailures: env.CALLSCOPE_WEBHOOK_DISABLE_FAILURES,
    disableWindowMinutes: env.CALLSCOPE_WEBHOOK_DISABLE_WINDOW_MINUTES,
    allowPrivate: env.CALLSCOPE_WEBHOOK_ALLOW_PRIVATE,
    timeoutMs: TIMEOUT_MS,
    projectId: env.CALLSCOPE_PROJECT_ID,
    userAgent: `Callscope-Webhooks/${version}`,
  };
}

/** The wait after the n-th failed attempt (1-based): base, doubling, capped. */
export function retryDelayMs(config: Pick<WebhookConfig, 'retryBaseMs' | 'retryMaxMs'>, attempt: number): number {
  return Math.min(config.retryBaseMs * 2 ** Math.min(attempt - 1, 40), config.retryMaxMs);
}

export interface DeliveryLine {
  endpointId: string;
  conference: string;
}

const lineKey = (line: DeliveryLine) => `${line.endpointId}:${line.conference}`;

/** A stable UUID for a line's wake-up at one time: the same retry never queues two. */
function wakeId(line: DeliveryLine, at: Date): string {
  const h = createHash('sha256')
    .update(`webhook-wake:${lineKey(line)}:${at.getTime()}`)
    .digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export class WebhookDeliveries {
  constructor(
    readonly config: WebhookConfig,
    private readonly jobs: Pick<JobQueue, 'send'>,
  ) {}

  /** Queues the deliver job of each line (one per line: stately dedupes a queued one). */
  async kick(lines: DeliveryLine[]): Promise<void> {
    for (const line of lines) {
      await this.jobs.send(DELIVER_QUEUE, line, { singletonKey: lineKey(line), retryLimit: 3, retryDelay: 5 });
    }
  }

  private async wake(line: DeliveryLine, at: Date): Promise<void> {
    await this.jobs.send(WAKE_QUEUE, line, { id: wakeId(line, at), startAfter: at, retryLimit: 5, retryDelay: 5 });
  }

  private get rule() {
    return { failures: this.config.disableFailures, windowMinutes: this.config.disableWindowMinutes };
  }

  /** One attempt of one delivery to one endpoint, recorded; the outcome with what became of the delivery. */
  private async attempt(
    target: { id: string; url: string; secrets: string[] },
    delivery: { id: string; eventId: string; payload: MonitoringPayload },
    mode: AttemptMode,
  ): Promise<{ outcome: AttemptRecord; disabled: boolean; state: string; nextAttemptAt: Date | null }> {
    const outcome = await postWebhook({
      url: target.url,
      id: delivery.eventId,
      body: JSON.stringify(delivery.payload),
      secrets: target.secrets,
      allowPrivate: this.config.allowPrivate,
      timeoutMs: this.config.timeoutMs,
      userAgent: this.config.userAgent,
    });
    const recorded = await recordAttempt({ id: delivery.id, endpointId: target.id }, outcome, mode, this.rule);
    if (recorded.disabled) {
      logger().warn({ endpoint: target.id, error: outcome.error }, 'webhook endpoint disabled by the failure rule');
    }
    return { outcome, ...recorded };
  }

  /** Works one line: its due deliveries in order, until one must wait (a wake-up is left) or none is pending. */
  async deliverLine(line: DeliveryLine): Promise<void> {
    const stopAt = Date.now() + JOB_BUDGET_MS;
    for (;;) {
      const target = await webhookTarget(line.endpointId);
      // Disabled: its deliveries wait for re-enabling (and the admin's replay decision).
      if (!target?.enabled) return;
      const head = await lineHead(line.endpointId, line.conference);
      if (!head) return;
      if (!head.due) {
        if (head.nextAttemptAt) await this.wake(line, head.nextAttemptAt);
        return;
      }
      const mode: AttemptMode = {
        kind: 'line',
        delayMs: retryDelayMs(this.config, head.attempts + 1),
        forMs: this.config.retryForMs,
      };
      const result = await this.attempt(target, head, mode);
      if (result.disabled) return;
      if (result.state === 'pending' && result.nextAttemptAt) {
        await this.wake(line, result.nextAttemptAt);
        return;
      }
      // Succeeded, or failed for good: on to the line's next delivery.
      if (Date.now() > stopAt) {
        await this.kick([line]);
        return;
      }
    }
  }

  /** Lines with a due delivery get their job (the periodic sweep, and at start). */
  async sweep(): Promise<number> {
    const lines = await dueLines();
    await this.kick(lines);
    return lines.length;
  }

  /** A test event, through the same signed path, to one endpoint (even a disabled one): one attempt, recorded. */
  async sendTest(endpointId: string) {
    const target = await webhookTarget(endpointId);
    if (!target) return null;
    const eventId = randomUUID();
    const payload: MonitoringPayload = {
      sessionId: 'callscope-test',
      projectId: this.config.projectId,
      event: 'sessionCreated',
      timestamp: Date.now(),
      callscope: { source: 'callscope', eventId, test: true },
    };
    const id = await createTestDelivery(endpointId, payload);
    const result = await this.attempt(target, { id, eventId, payload }, { kind: 'once' });
    return { deliveryId: id, outcome: result.outcome };
  }

  /**
   * Sends one delivery again now, whatever its state (an admin's redelivery: outside its line's order by nature).
   * A pending one that succeeds lets its line go on at once.
   */
  async redeliver(endpointId: string, deliveryId: string) {
    const target = await webhookTarget(endpointId);
    const delivery = target ? await deliveryToSend(endpointId, deliveryId) : null;
    if (!target || !delivery) return null;
    const result = await this.attempt(target, delivery, { kind: 'manual' });
    if (delivery.state === 'pending' && result.outcome.ok)
      await this.kick([{ endpointId, conference: delivery.conference }]);
    return { deliveryId, outcome: result.outcome };
  }
}

/**
 * The queues and their workers on this node, the sweep every minute, one sweep now (deliveries a stopped or crashed
 * node left pending), and new events' lines kicked as they are stored.
 */
export async function scheduleWebhookDelivery(
  jobs: JobQueue,
  deliveries: WebhookDeliveries,
  monitoring: Monitoring,
): Promise<void> {
  await jobs.define<DeliveryLine>({
    name: DELIVER_QUEUE,
    // A line's job may attempt several deliveries (up to 15 s each) within its budget.
    queue: { policy: 'stately', retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 120 },
    pollingIntervalSeconds: 2,
    // A receiver that hangs (15 s an attempt) holds up only its own line: other lines go on beside it.
    workers: DELIVERY_WORKERS,
    handler: (job) => deliveries.deliverLine(job.data),
  });
  await jobs.define<DeliveryLine>({
    name: WAKE_QUEUE,
    queue: { policy: 'standard', retryLimit: 5, retryDelay: 5, expireInSeconds: 60 },
    pollingIntervalSeconds: 0.5,
    handler: (job) => deliveries.kick([job.data]),
  });
  await jobs.define({
    name: SWEEP_QUEUE,
    queue: { policy: 'singleton', retryLimit: 0, expireInSeconds: 120 },
    cron: '* * * * *',
    pollingIntervalSeconds: 10,
    handler: () => deliveries.sweep(),
  });
  monitoring.onStored((result) => deliveries.kick(result.deliveryLines));
  const swept = await deliveries.sweep();
  if (swept > 0) logger().info({ lines: swept }, 'webhook deliveries left pending resumed');
}
