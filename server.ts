import { pathToFileURL } from 'node:url';
import { startServer } from '@/lib/server/app';
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
      const stop = (signal: string) => {
        logger().info({ signal }, 'shutting down');
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
