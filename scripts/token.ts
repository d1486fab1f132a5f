import { parseArgs } from 'node:util';
import { generateAuthToken } from '../lib/shared/auth-token';

/**
 * npm run token -- --user U --session S --conference C --lifetime 600 [--url ws://host:3000/path]
 * Signs with the first CALLSCOPE_JWT_SECRET entry (or --secret). Prints the token, or the URL with it.
 */
const { values } = parseArgs({
  options: {
    user: { type: 'string', short: 'U' },
    session: { type: 'string', short: 's' },
    conference: { type: 'string', short: 'c' },
    lifetime: { type: 'string', short: 'l', default: '600' },
    url: { type: 'string', short: 'u' },
    secret: { type: 'string' },
    kid: { type: 'string' },
  },
});

const lifetime = Number(values.lifetime);
if (!Number.isInteger(lifetime) || lifetime <= 0) {
  console.error(`Invalid --lifetime: ${values.lifetime}`);
  process.exit(2);
}
const secret = values.secret ?? process.env.CALLSCOPE_JWT_SECRET?.split(',')[0]?.trim();
if (!secret) {
  console.error('No secret: set CALLSCOPE_JWT_SECRET or pass --secret');
  process.exit(2);
}
if (Buffer.byteLength(secret) < 32) {
  console.error('The secret must have at least 32 bytes (256 bits)');
  process.exit(2);
}
const token = await generateAuthToken(
  { user: values.user, session: values.session, conference: values.conference },
  secret,
  lifetime,
  { kid: values.kid },
);
if (values.url) {
  const url = new URL(values.url);
  url.searchParams.set('rtcstats-token', token);
  console.log(url.toString());
} else {
  console.log(token);
}
