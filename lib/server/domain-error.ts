import type { ErrorCode } from '@/lib/server/api';

/**
 * A request the domain refuses (a key that cannot be rotated, an API key name that is taken...). Each subclass says
 * which HTTP error each of its codes is; the route wrapper answers with it, the code kept as `issues.reason`, so no
 * route handler maps errors itself.
 */
export abstract class DomainError<Code extends string> extends Error {
  protected abstract readonly statusOf: Record<Code, ErrorCode>;

  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }

  get apiCode(): ErrorCode {
    return this.statusOf[this.code];
  }
}
