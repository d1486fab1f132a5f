/**
 * At most `n` of some work at a time; the rest waits its turn, in order (a slot is handed straight to the next, so
 * the limit holds exactly). For work that is cheap to queue but costly to run many of at once: dumps compressed in a
 * thread (each holds a deflate state), conference results refreshed after thousands of finals (each a transaction).
 */
export function inTurn(n: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
