/**
 * The code the token tool and the connect page show. Pure string builders (no token or secret is ever sent anywhere
 * by them). A null token: ingest needs none (no signing key), so the URLs carry none.
 */

export type SnippetKind = 'api' | 'sign';

interface Origin {
  host: string;
  secure: boolean;
}

const js = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function wsBase(origin: Origin): string {
  return `${origin.secure ? 'wss' : 'ws'}://${origin.host}`;
}

export function connectLine(origin: Origin, path: string, token: string | null): string {
  const cleanPath = path.trim().replace(/^\/+/, '');
  const query = token ? `?rtcstats-token=${encodeURIComponent(token)}` : '';
  return `trace.connect(${js(`${wsBase(origin)}/${cleanPath}${query}`)});`;
}

/** rtcstats-js (`rtcstats#5.0`): wrap the page's WebRTC APIs, then connect with the token in the query. */
export function rtcstatsJsSnippet(origin: Origin, path: string, token: string | null): string {
  return [
    '// npm install @rtcstats/rtcstats-js: load this before the page calls getUserMedia or creates an RTCPeerConnection.',
    "import { wrapRTCStatsWithDefaultOptions } from '@rtcstats/rtcstats-js';",
    '',
    '// Wraps RTCPeerConnection, getUserMedia and enumerateDevices; getStats every 1000 ms.',
    'const trace = wrapRTCStatsWithDefaultOptions();',
    connectLine(origin, path, token),
  ].join('\n');
}

/**
 * Jitsi's `@jitsi/rtcstats` (`3.1_STANDARD`): it cannot add a query parameter, so the token travels as a `/t/<token>`
 * path segment; the client appends `/<meetingFqn>?statsSessionId=…` to the endpoint.
 */
export function jitsiSnippet(origin: Origin, room: string, user: string, token: string | null): string {
  const endpoint = `${wsBase(origin)}${token ? `/t/${encodeURIComponent(token)}` : ''}`;
  return [
    '// npm install @jitsi/rtcstats: set up before the page calls getUserMedia or creates an RTCPeerConnection.',
    "import rtcstatsInit from '@jitsi/rtcstats/rtcstats';",
    "import traceInit from '@jitsi/rtcstats/trace-ws';",
    '',
    'const trace = traceInit({',
    `  endpoint: ${js(endpoint)},`,
    `  meetingFqn: ${js(room)},`,
    "  onCloseCallback: ({ code, reason }) => console.warn('rtcstats closed', code, reason),",
    '  useLegacy: false,',
    '});',
    'rtcstatsInit({ statsEntry: trace.statsEntry }, { pollInterval: 1000, useLegacy: false });',
    'trace.connect(false);',
    `trace.identity('identity', null, { displayName: ${js(user)}, confName: ${js(room)} });`,
  ].join('\n');
}

export function backendSnippet(
  kind: SnippetKind,
  origin: Origin,
  opts: { user?: string; session?: string; conference?: string; expiresIn: number; kid: string | null },
): string {
  const fields = `user: ${js(opts.user ?? 'user-id')}, session: ${js(opts.session ?? 'session-id')}, conference: ${js(
    opts.conference ?? 'conference-id',
  )}`;
  if (kind === 'api') {
    const base = `${origin.secure ? 'https' : 'http'}://${origin.host}`;
    return [
      '// Node 20+. CALLSCOPE_API_KEY: an admin API key from Settings → API keys (cs_...).',
      `const res = await fetch(${js(`${base}/api/v1/tokens`)}, {`,
      "  method: 'POST',",
      `  headers: { authorization: \`Bearer \${process.env.CALLSCOPE_API_KEY}\`, 'content-type': 'application/json' },`,
      `  body: JSON.stringify({ ${fields}, expiresIn: ${opts.expiresIn} }),`,
      '});',
      `if (!res.ok) throw new Error(\`Callscope token request failed: \${res.status}\`);`,
      'const { token, expiresAt } = await res.json(); // expiresAt: epoch milliseconds',
    ].join('\n');
  }
  return [
    "import { SignJWT } from 'jose';",
    '',
    "// rtcstats-server's generateAuthToken: HS256, identity under `rtcStats`, exp = iat + expiresIn (seconds).",
    '// CALLSCOPE_JWT_SECRET: the secret shown once when the signing key was created or rotated.',
    'export async function generateAuthToken(rtcStats, secret, expiresIn = 3600) {',
    '  const now = Math.floor(Date.now() / 1000);',
    '  return new SignJWT({ rtcStats })',
    opts.kid
      ? `    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ${js(opts.kid)} }) // kid optional: without it every verifying key is tried`
      : "    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })",
    '    .setIssuedAt(now)',
    '    .setExpirationTime(now + expiresIn)',
    '    .sign(new TextEncoder().encode(secret));',
    '}',
    '',
    `const token = await generateAuthToken({ ${fields} }, process.env.CALLSCOPE_JWT_SECRET, ${opts.expiresIn});`,
  ].join('\n');
}
