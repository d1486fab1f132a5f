/**
 * A second "node" for test/job-queue.test.ts, in a process of its own so the test can kill -9 it: it schedules one
 * session on the shared job queue, says `claimed <id>` when its worker takes the job, and never finishes it.
 */

import type { DumpStore } from '../../lib/server/dump-store/dump-store';
import { JobQueue } from '../../lib/server/jobs/job-queue';
import { createProcessingQueue } from '../../lib/server/processing/queue';

const jobs = new JobQueue({
  connectionString: process.env.JOB_NODE_DATABASE_URL as string,
  schema: process.env.JOB_NODE_SCHEMA as string,
  drainTimeoutMs: 1000,
  maintenanceIntervalSeconds: 1,
});
const queue = createProcessingQueue({
  store: {} as DumpStore,
  jobs,
  hostIdentifier: process.env.JOB_NODE_HOST,
  queueName: process.env.JOB_NODE_QUEUE,
  expireInSeconds: Number(process.env.JOB_NODE_EXPIRE_SECONDS),
  retryDelaySeconds: 1,
  run: (sessionId) => {
    process.stdout.write(`claimed ${sessionId}\n`);
    return new Promise(() => {});
  },
});
await jobs.start();
await queue.start();
queue.schedule(BigInt(process.env.JOB_NODE_SESSION as string), 'ended');
process.stdout.write('ready\n');
