/** The code the token tool shows. Pure string builders (no token or secret is ever sent anywhere by them). */

export type SnippetKind = 'api' | 'sign';

interface Origin {
  host: string;
  secure: boolean;
}

const js = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function connectLine(origin: Origin, path: string, token: string): string {
  const cleanPath = path.trim().replace(/^\/+/, '');
  const scheme = origin.secure ? 'wss' : 'ws';
  return `trace.connect(${js(`${scheme}://${origin.host}/${cleanPath}?rtcstats-token=${encodeURIComponent(token)}`)});`;
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
