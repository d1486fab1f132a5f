/**
 * What every benchmark does around processes: reading a server child's IPC messages in order (`childInbox`), and
 * running a benchmark's main as a script with a whole-run timeout, Ctrl-C handling and cleanup (`runBench`).
 */

import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ChildMessage } from './ingest-protocol';

/**
 * A server child's messages: `next(type)` waits for the next message of that type (an `error` message throws),
 * failing with the tail of `logFile` when the child exits first. `exited` resolves when it has exited.
 */
export function childInbox(proc: ChildProcess, label: string, logFile: string, onExit?: () => void) {
  const inbox: ChildMessage[] = [];
  let wake: (() => void) | undefined;
  proc.on('message', (m: ChildMessage) => {
    inbox.push(m);
    wake?.();
  });
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      onExit?.();
      wake?.();
      resolve();
    });
  });
  const next = async (type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (i >= 0) {
        const [m] = inbox.splice(i, 1);
        if (m.type === 'error') throw new Error(`${label}: ${m.message}`);
        return m;
      }
      if (proc.exitCode !== null || proc.signalCode !== null) {
        const tail = (await readFile(logFile, 'utf8').catch(() => '')).slice(-3000);
        throw new Error(`${label} exited (${proc.exitCode ?? proc.signalCode}) before "${type}"\n${tail}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${label}: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  return { next, exited };
}

/**
 * Runs `main` as the script: its exit code, 1 when it throws or runs past `timeoutS`; `cleanup` always runs
 * first, also on SIGINT / SIGTERM (exit 130).
 */
export function runBench(
  name: string,
  main: () => Promise<number>,
  timeoutS: number,
  cleanup: () => Promise<void>,
): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n${signal}: cleaning up`);
      cleanup().finally(() => process.exit(130));
    });
  }
  const timedOut = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${name} timed out after ${timeoutS} s`)), timeoutS * 1000).unref(),
  );
  Promise.race([main(), timedOut])
    .then(
      (code) => code,
      (err: unknown) => {
        console.error(err instanceof Error ? (err.stack ?? err.message) : err);
        return 1;
      },
    )
    .then(async (code) => {
      await cleanup();
      process.exit(code);
    });
}
