import { pathToFileURL } from 'node:url';
import { startServer } from '@/lib/server/app';
import { loadEnv } from '@/lib/server/env';
import { logger } from '@/lib/server/logger';

/**
 * Callscope's entry point: one Node server on one port serving Next.js (dashboard, API route handlers) and the
 * WebSocket ingest. `lib/server/app.ts` builds it; this file starts it and stops it on SIGINT / SIGTERM.
 */
export { type RunningServer, type StartOptions, startServer } from '@/lib/server/app';

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  startServer()
    .then((running) => {
      const timeoutMs = loadEnv().CALLSCOPE_SHUTDOWN_TIMEOUT_SECONDS * 1000;
      let stopping = false;
      // `on`, not `once`: a second signal while draining must not fall back to the default (an immediate kill).
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger().info({ signal, timeoutMs }, 'shutting down: draining live sessions');
        setTimeout(() => {
          logger().error({ timeoutMs }, 'shutdown took too long: exiting without finishing the drain');
          process.exit(1);
        }, timeoutMs).unref();
        running.close().then(
          () => process.exit(0),
          (err) => {
            logger().error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
