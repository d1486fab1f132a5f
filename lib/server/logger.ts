/** One pino logger per process. Tokens and secrets are never passed to it (see redact as a safety net). */

import pino from 'pino';

const key = Symbol.for('callscope.logger');
type Holder = { [key]?: pino.Logger };

export function logger(): pino.Logger {
  const holder = globalThis as Holder;
  holder[key] ??= pino({
    level: process.env.CALLSCOPE_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { app: 'callscope' },
    redact: { paths: ['token', 'secret', '*.token', '*.secret', 'password', '*.password'], censor: '[redacted]' },
  });
  return holder[key];
}
