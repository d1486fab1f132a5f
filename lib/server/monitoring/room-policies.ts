/**
 * Room policies enforced on Callscope's own view of a room (its connections and streams, not platform callbacks,
 * which would count the same people twice): a violation is a `policyViolation` event on the conference's timeline
 * (and so a webhook), naming the offending connections, so the customer's backend can force the disconnect.
 *
 * - maxParticipants: the connectionCreated that takes the room past the limit → one violation naming that (newest)
 *   connection.
 * - screenShare: a streamCreated with videoType `screen` by a user not on the list → one naming that connection.
 * - maxDuration: once two are present, a job due at the deadline (pg-boss, so it fires on whichever node is up,
 *   never an in-process timer) re-checks the room and emits one naming everyone present; a sweep every minute
 *   catches rooms whose deadline job was never sent (a policy added during the call, a node lost at the moment).
 *
 * The most specific matching policy applies (conference-pattern.ts). Dedupe keys make each violation happen once:
 * per connection, per screen-share stream start, per room opening (generation).
 */
import type { MonitoringConnection } from '@/lib/schemas/monitoring';
import type { AppendResult, NewMonitoringEvent, StoredMonitoringEvent } from '@/lib/server/data/monitoring';
import { roomsWithTwoPresent } from '@/lib/server/data/monitoring';
import {
  mostSpecificPolicy,
  type RoomPolicy,
  roomPoliciesForEnforcement,
  roomPolicyFor,
} from '@/lib/server/data/room-policies';
import type { JobQueue } from '@/lib/server/jobs/job-queue';
import { logger } from '@/lib/server/logger';
import type { ConnectionInfo, Monitoring, MonitoringListener } from '@/lib/server/monitoring/monitoring';

const DEADLINE_QUEUE = 'room-policy-deadline';
const SWEEP_QUEUE = 'room-policy-sweep';

interface DeadlineJob {
  conference: string;
  generation: number;
}

function minutes(ms: number): number {
  return Math.round((ms / 60_000) * 1000) / 1000;
}

/** The stored Callscope connection event as a ConnectionInfo (payloads name it as ingest did). */
function connectionOf(e: StoredMonitoringEvent): ConnectionInfo | undefined {
  if (e.sessionId === undefined || !e.connectionId) return undefined;
  const createdAt = e.payload.stream?.connection.createdAt ?? e.payload.connection?.createdAt ?? e.occurredAt.getTime();
  return { rowId: e.sessionId, conference: e.conference, session: e.connectionId, user: e.userId ?? null, createdAt };
}

function violation(
  monitoring: Monitoring,
  conference: string,
  at: number,
  policy: NonNullable<ReturnType<Monitoring['payload']>['policy']>,
  dedupeKey: string,
  offenders: { c?: ConnectionInfo; connections: MonitoringConnection[] },
): NewMonitoringEvent {
  const { c, connections } = offenders;
  return {
    event: 'policyViolation',
    source: 'callscope',
    occurredAt: new Date(at),
    sessionId: c?.rowId,
    connectionId: c ? monitoring.connection(c).id : undefined,
    userId: c?.user,
    payload: monitoring.payload('policyViolation', conference, at, { c, connections, policy }),
    dedupeKey,
  };
}

/** The violations one stored event makes under `policy`, with the room as that commit left it. */
function violationsOf(monitoring: Monitoring, policy: RoomPolicy, e: StoredMonitoringEvent, result: AppendResult) {
  const c = connectionOf(e);
  if (!c) return [];
  const named = { c, connections: [monitoring.connection(c)] };
  const at = e.occurredAt.getTime();
  if (e.event === 'connectionCreated' && policy.maxParticipants !== null) {
    if (result.room.participants <= policy.maxParticipants) return [];
    const rule = { id: policy.id, conference: policy.conference, rule: 'maxParticipants' as const };
    return [
      violation(
        monitoring,
        e.conference,
        at,
        { ...rule, limit: policy.maxParticipants, actual: result.room.participants },
        `policy:${policy.id}:maxParticipants:${c.rowId}`,
        named,
      ),
    ];
  }
  if (e.event === 'streamCreated' && e.payload.stream?.videoType === 'screen' && policy.screenShareUsers !== null) {
    if (c.user && policy.screenShareUsers.includes(c.user)) return [];
    const rule = { id: policy.id, conference: policy.conference, rule: 'screenShare' as const };
    return [
      violation(
        monitoring,
        e.conference,
        at,
        { ...rule, limit: policy.screenShareUsers, actual: c.user ?? '' },
        `policy:${policy.id}:screenShare:${e.id}`,
        named,
      ),
    ];
  }
  return [];
}

/**
 * The onStored listener: judges each commit's new Callscope events against the conference's policy, stores the
 * violations, and sends the time limit's deadline job when the room has two present.
 */
export function roomPolicyListener(monitoring: Monitoring, jobs: Pick<JobQueue, 'send'>): MonitoringListener {
  return async (result) => {
    const relevant = result.stored.filter(
      (e) =>
        e.source === 'callscope' &&
        (e.event === 'connectionCreated' || (e.event === 'streamCreated' && e.payload.stream?.videoType === 'screen')),
    );
    if (relevant.length === 0) return;
    const { conference } = result.room;
    const policy = await roomPolicyFor(conference);
    if (!policy) return;
    const events = relevant.flatMap((e) => violationsOf(monitoring, policy, e, result));
    if (events.length > 0) await monitoring.record(conference, () => ({ events }));
    const { openSince, twoPresentSince, generation } = result.room;
    if (
      policy.maxDurationMinutes !== null &&
      openSince &&
      twoPresentSince &&
      relevant.some((e) => e.event === 'connectionCreated')
    ) {
      await sendDeadline(
        jobs,
        { conference, generation },
        twoPresentSince.getTime() + policy.maxDurationMinutes * 60_000,
      );
    }
  };
}

/** One deadline job per room opening and start of two present ('short' queue: a queued key is not queued twice). */
function sendDeadline(jobs: Pick<JobQueue, 'send'>, job: DeadlineJob, dueAt: number) {
  return jobs.send(DEADLINE_QUEUE, job, {
    startAfter: new Date(Math.max(dueAt, Date.now())),
    singletonKey: `${job.conference}:${job.generation}:${dueAt}`,
  });
}

/**
 * The time limit, checked in the room's lock: still open (the same opening, when the job names one), two present
 * for at least the limit → one violation naming every connection created since it opened and not destroyed.
 * Early (a clock ahead, two present again later): the job is sent again for the new deadline.
 */
async function checkDuration(
  monitoring: Monitoring,
  jobs: Pick<JobQueue, 'send'>,
  conference: string,
  policy: RoomPolicy,
  generation?: number,
): Promise<void> {
  const limit = policy.maxDurationMinutes;
  if (limit === null) return;
  let early: number | undefined;
  let openGeneration = 0;
  await monitoring.record(conference, async (room, read) => {
    if (!room.openSince || !room.twoPresentSince) return { events: [] };
    if (generation !== undefined && room.generation !== generation) return { events: [] };
    const now = Date.now();
    const elapsed = now - room.twoPresentSince.getTime();
    if (elapsed < limit * 60_000) {
      early = room.twoPresentSince.getTime() + limit * 60_000;
      openGeneration = room.generation;
      return { events: [] };
    }
    const key = `policy:${policy.id}:maxDuration:${conference}:${room.generation}`;
    if ((await read.existing([key])).size > 0) return { events: [] };
    const present = new Map<string, MonitoringConnection>();
    for (const e of await read.connectionsSinceOpen()) {
      if (!e.connectionId) continue;
      if (e.event === 'connectionCreated' && e.payload.connection) present.set(e.connectionId, e.payload.connection);
      else if (e.event === 'connectionDestroyed') present.delete(e.connectionId);
    }
    const rule = { id: policy.id, conference: policy.conference, rule: 'maxDuration' as const };
    const event = violation(monitoring, conference, now, { ...rule, limit, actual: minutes(elapsed) }, key, {
      connections: [...present.values()],
    });
    return { events: [event] };
  });
  if (early !== undefined && generation !== undefined) {
    await sendDeadline(jobs, { conference, generation: openGeneration }, early);
  }
}

/** Every open room with two present past its policy's limit (the sweep). */
async function sweep(monitoring: Monitoring, jobs: Pick<JobQueue, 'send'>): Promise<void> {
  const policies = (await roomPoliciesForEnforcement()).filter((p) => p.maxDurationMinutes !== null);
  if (policies.length === 0) return;
  const now = Date.now();
  for (const room of await roomsWithTwoPresent()) {
    const policy = mostSpecificPolicy(policies, room.conference);
    if (!policy?.maxDurationMinutes || !room.twoPresentSince) continue;
    if (now - room.twoPresentSince.getTime() < policy.maxDurationMinutes * 60_000) continue;
    await checkDuration(monitoring, jobs, room.conference, policy).catch((err) =>
      logger().warn({ err, conference: room.conference }, 'room policy time limit check failed'),
    );
  }
}

/** The time limit's queues: the deadline jobs and the minute sweep (a cron job: once per minute for all nodes). */
export async function scheduleRoomPolicyChecks(jobs: JobQueue, monitoring: Monitoring): Promise<void> {
  await jobs.define<DeadlineJob>({
    name: DEADLINE_QUEUE,
    queue: { policy: 'short', expireInSeconds: 60, retryLimit: 3, retryDelay: 5 },
    // A deadline fires at most this late.
    pollingIntervalSeconds: 2,
    handler: async (job) => {
      const policy = await roomPolicyFor(job.data.conference);
      if (policy) await checkDuration(monitoring, jobs, job.data.conference, policy, job.data.generation);
    },
  });
  await jobs.define({
    name: SWEEP_QUEUE,
    queue: { policy: 'stately', expireInSeconds: 120, retryLimit: 0 },
    cron: '* * * * *',
    pollingIntervalSeconds: 10,
    handler: () => sweep(monitoring, jobs),
  });
}
