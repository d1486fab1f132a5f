import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiKey } from '../lib/server/data/api-keys';
import { createStaff } from '../lib/server/data/staff';
import type { Role } from '../lib/shared/roles';
import { startTestServer, type TestServer } from './helpers/server';

/**
 * Every page and every API route × anonymous, staff of each role (a real next-auth session cookie) and API keys of
 * each role, through the real server. The routes come from the app/ folder itself: a route or page that is not in
 * ACCESS below fails the test, so a new one cannot be added without saying who may use it.
 *
 * Below the required role: API 401 (anonymous) or 403 (signed in); pages redirect to /login (anonymous) or answer
 * 403. At or above it: anything but 401 / 403 (unknown ids give 404, empty bodies 422: the role check passed).
 */
const ROOT = path.resolve(import.meta.dirname, '..');
type Access = 'public' | Role;

/** Who may use what. `public` routes check their own credentials (ingest JWT, next-auth) or none. */
const ACCESS: Record<string, Access> = {
  'GET /api/health': 'public',
  'GET /api/openapi.json': 'public',
  'POST /api/setup': 'public',
  'GET /api/auth/[...nextauth]': 'public',
  'POST /api/auth/[...nextauth]': 'public',
  'POST /api/v1/upload': 'public',
  'POST /api/v1/frames': 'public',
  'POST /api/v1/monitoring/vonage': 'public',
  'GET /api/v1/sessions': 'support',
  'GET /api/v1/search': 'support',
  'GET /api/v1/search/export': 'support',
  'GET /api/v1/overview': 'support',
  'GET /api/v1/sessions/[id]': 'support',
  'GET /api/v1/sessions/[id]/events': 'support',
  'GET /api/v1/sessions/[id]/tracks/[trackId]/series': 'support',
  'GET /api/v1/sessions/[id]/dump': 'engineer',
  'GET /api/v1/conferences/[conference]': 'support',
  'GET /api/v1/conferences/[conference]/events': 'support',
  'GET /api/v1/users/[user]': 'support',
  'DELETE /api/v1/users/[user]': 'admin',
  'GET /api/v1/users/[user]/export': 'admin',
  'GET /api/v1/live': 'support',
  'GET /api/v1/ingest/rejections': 'engineer',
  'POST /api/v1/ingest/test-token': 'engineer',
  'POST /api/v1/tokens': 'admin',
  'GET /api/v1/settings/keys': 'admin',
  'POST /api/v1/settings/keys': 'admin',
  'DELETE /api/v1/settings/keys/[id]': 'admin',
  'GET /api/v1/settings/keys/grace': 'admin',
  'PUT /api/v1/settings/keys/grace': 'admin',
  'GET /api/v1/settings/api-keys': 'admin',
  'POST /api/v1/settings/api-keys': 'admin',
  'DELETE /api/v1/settings/api-keys/[id]': 'admin',
  'GET /api/v1/settings/staff': 'admin',
  'POST /api/v1/settings/staff': 'admin',
  'PATCH /api/v1/settings/staff/[id]': 'admin',
  'GET /api/v1/settings/retention': 'admin',
  'PUT /api/v1/settings/retention': 'admin',
  'GET /api/v1/settings/audit': 'admin',
  'GET /api/v1/webhooks': 'admin',
  'POST /api/v1/webhooks': 'admin',
  'GET /api/v1/webhooks/[id]': 'admin',
  'PATCH /api/v1/webhooks/[id]': 'admin',
  'DELETE /api/v1/webhooks/[id]': 'admin',
  'POST /api/v1/webhooks/[id]/test': 'admin',
  'GET /api/v1/webhooks/[id]/deliveries': 'admin',
  'POST /api/v1/webhooks/[id]/deliveries/[deliveryId]/redeliver': 'admin',
  'POST /api/v1/webhooks/[id]/rotate-secret': 'admin',
  'GET /api/v1/settings/room-policies': 'admin',
  'POST /api/v1/settings/room-policies': 'admin',
  'PATCH /api/v1/settings/room-policies/[id]': 'admin',
  'DELETE /api/v1/settings/room-policies/[id]': 'admin',
  'PAGE /login': 'public',
  'PAGE /setup': 'public',
  'PAGE /': 'support',
  'PAGE /overview': 'support',
  'PAGE /live': 'support',
  'PAGE /connect': 'engineer',
  'PAGE /api-reference': 'support',
  'PAGE /sessions/[id]': 'support',
  'PAGE /conferences/[conference]': 'support',
  'PAGE /conferences/[conference]/report': 'support',
  'PAGE /users/[user]': 'support',
  'PAGE /settings': 'admin',
  'PAGE /settings/keys': 'admin',
  'PAGE /settings/tokens': 'admin',
  'PAGE /settings/api-keys': 'admin',
  'PAGE /settings/staff': 'admin',
  'PAGE /settings/retention': 'admin',
  'PAGE /settings/audit': 'admin',
  'PAGE /settings/webhooks': 'admin',
  'PAGE /settings/room-policies': 'admin',
};

function walk(dir: string, file: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full, file);
    return name === file ? [full] : [];
  });
}

/** `app/api/v1/users/[user]/route.ts` → `/api/v1/users/[user]`; route groups `(dashboard)` leave the URL. */
function urlPattern(file: string): string {
  const dir = path.relative(path.join(ROOT, 'app'), path.dirname(file));
  const parts = dir.split(path.sep).filter((p) => p && !/^\(.*\)$/.test(p));
  return `/${parts.join('/')}`;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Every method of every route file and every page, read from the source (no import: no bundling needed). */
async function discover(): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const entries: string[] = [];
  for (const file of walk(path.join(ROOT, 'app'), 'route.ts')) {
    const source = await readFile(file, 'utf8');
    for (const method of METHODS) {
      if (new RegExp(`export (const|async function) ${method}\\b|export \\{[^}]*\\bas ${method}\\b`).test(source)) {
        entries.push(`${method} ${urlPattern(file)}`);
      }
    }
  }
  for (const file of walk(path.join(ROOT, 'app'), 'page.tsx')) entries.push(`PAGE ${urlPattern(file)}`.replace(/ \/$/, ' /'));
  return entries.sort();
}

const RANK: Record<Access, number> = { public: 0, support: 1, engineer: 2, admin: 3 };
const ROLES: Role[] = ['support', 'engineer', 'admin'];

let server: TestServer;
const cookies: Partial<Record<Role, string>> = {};
const apiKeys: Partial<Record<Role, string>> = {};
const stamp = `${Date.now()}_${Math.random().toString(36).slice(2, 7)}`;

/** A real staff session: next-auth's credentials sign-in, as the login form does it. */
async function signIn(email: string, password: string): Promise<string> {
  const csrf = await fetch(`${server.url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(';')[0]);
  const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.join('; '), origin: server.url },
    body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
  });
  const all = [...jar, ...res.headers.getSetCookie().map((c) => c.split(';')[0])];
  const session = all.find((c) => c.includes('session-token='));
  if (!session) throw new Error(`sign-in of ${email} failed (${res.status})`);
  return all.join('; ');
}

beforeAll(async () => {
  server = await startTestServer({ withNext: true });
  for (const role of ROLES) {
    const email = `matrix-${role}-${stamp}@example.test`;
    const password = `password-${stamp}-${role}`;
    await createStaff({ email, password, role });
    cookies[role] = await signIn(email, password);
    apiKeys[role] = (await createApiKey({ name: `matrix ${role} ${stamp}`, role })).key;
  }
}, 120_000);
afterAll(async () => {
  await server?.close();
});

test('every route and page of the app is in the matrix, and the matrix names nothing that does not exist', async () => {
  const found = await discover();
  expect(found.filter((e) => !(e in ACCESS)), 'routes or pages missing from ACCESS').toEqual([]);
  expect(Object.keys(ACCESS).filter((e) => !found.includes(e)), 'ACCESS entries with no route or page').toEqual([]);
});

/** A concrete URL for a pattern: ids that do not exist (their answer is 404, after the role check). */
function concrete(pattern: string): string {
  return pattern.replace('[...nextauth]', 'session').replace(/\[[^\]]+\]/g, `no-such-${stamp}`);
}

type Principal = { name: string; role: Role | null; headers: Record<string, string> };

function principals(): Principal[] {
  return [
    { name: 'anonymous', role: null, headers: {} },
    ...ROLES.map((role) => ({ name: `${role} staff`, role, headers: { cookie: cookies[role] as string, origin: server.url } })),
    ...ROLES.map((role) => ({ name: `${role} API key`, role, headers: { authorization: `Bearer ${apiKeys[role]}` } })),
  ];
}

describe('API routes', () => {
  const entries = Object.entries(ACCESS).filter(([key, access]) => !key.startsWith('PAGE') && access !== 'public');
  for (const [key, access] of entries) {
    test(`${key} needs ${access}`, async () => {
      const [method, pattern] = key.split(' ');
      const outcomes: string[] = [];
      for (const who of principals()) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
        const res = await fetch(`${server.url}${concrete(pattern)}`, {
          method,
          redirect: 'manual',
          headers: { ...who.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          body,
        });
        const allowed = who.role !== null && RANK[who.role] >= RANK[access];
        const expected = allowed ? 'allowed' : who.role === null ? 401 : 403;
        const got = res.status === 401 || res.status === 403 ? res.status : 'allowed';
        outcomes.push(`${who.name}: ${got === expected ? 'ok' : `expected ${expected}, got ${res.status}`}`);
      }
      expect(outcomes.filter((o) => !o.endsWith(': ok'))).toEqual([]);
    });
  }
});

describe('pages', () => {
  const entries = Object.entries(ACCESS).filter(([key]) => key.startsWith('PAGE'));
  for (const [key, access] of entries) {
    test(`${key} needs ${access}`, async () => {
      const url = concrete(key.slice('PAGE '.length));
      const outcomes: string[] = [];
      for (const who of principals().filter((p) => !p.name.endsWith('API key'))) {
        const res = await fetch(`${server.url}${url}`, { redirect: 'manual', headers: { cookie: who.headers.cookie ?? '' } });
        const allowed = access === 'public' || (who.role !== null && RANK[who.role] >= RANK[access]);
        let got: string;
        if (res.status === 307 || res.status === 308 || res.status === 302) {
          got = (res.headers.get('location') ?? '').includes('/login') ? 'login' : `redirect ${res.headers.get('location')}`;
        } else got = res.status === 403 ? '403' : res.status < 500 ? 'allowed' : `${res.status}`;
        // /login and /setup send signed-in staff (and, once an account exists, everyone) on: still allowed.
        if (allowed && got.startsWith('redirect')) got = 'allowed';
        const expected = allowed ? 'allowed' : who.role === null ? 'login' : '403';
        outcomes.push(`${who.name}: ${got === expected ? 'ok' : `expected ${expected}, got ${got}`}`);
      }
      expect(outcomes.filter((o) => !o.endsWith(': ok'))).toEqual([]);
    });
  }
});
