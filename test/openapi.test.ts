import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import { NextRequest } from 'next/server';
import { describe, expect, test } from 'vitest';
import { GET as openApiRoute } from '../app/api/openapi.json/route';
import { type OpenApiDocument, openApiDocument } from '../lib/server/openapi/document';
import { NOT_DOCUMENTED, OPERATIONS } from '../lib/server/openapi/operations';
import { openApiErrors, operationPath } from './helpers/openapi-validate';

/**
 * The OpenAPI reference (lib/server/openapi) against the specification and against the code: the document validates
 * as OpenAPI 3.1 (the official schema, through @readme/openapi-parser) and every component as JSON Schema 2020-12;
 * every method of every app/api route file has its operation and every operation its route, with the role its
 * handler's `route({access})` asks for and the very zod objects its handler validates with. The API shape tests
 * (read-api-shapes, settings-api-shapes) validate real answers against it through test/helpers/openapi-validate.ts.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name === 'route.ts' ? [full] : [];
  });
}

interface RouteMethod {
  key: string;
  file: string;
  /** The source of this method's export, up to the next one. */
  source: string;
}

/** `app/api/v1/users/[user]/route.ts` GET → `GET /api/v1/users/[user]`, with the export's source. */
function routeMethods(): RouteMethod[] {
  const found: RouteMethod[] = [];
  for (const file of walk(path.join(ROOT, 'app/api'))) {
    const url = `/${path.relative(path.join(ROOT, 'app'), path.dirname(file)).split(path.sep).join('/')}`;
    const source = readFileSync(file, 'utf8');
    for (const method of METHODS) {
      const start = source.search(new RegExp(`export (const|async function) ${method}\\b`));
      if (start >= 0) {
        const rest = source.slice(start + 1);
        const next = rest.search(/\nexport (const|async function) /);
        found.push({ key: `${method} ${url}`, file, source: next >= 0 ? rest.slice(0, next) : rest });
      } else if (new RegExp(`export \\{[^}]*\\bas ${method}\\b`).test(source)) {
        found.push({ key: `${method} ${url}`, file, source: '' });
      }
    }
  }
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

/** `/api/v1/users/{user}` → `/api/v1/users/[user]`. */
const routeKey = (op: { method: string; path: string }) =>
  `${op.method.toUpperCase()} ${op.path.replace(/\{([^}]+)\}/g, '[$1]')}`;

/** The zod objects a route file imports from lib/schemas, by local name. */
async function schemaImports(file: string): Promise<Record<string, unknown>> {
  const source = readFileSync(file, 'utf8');
  const imported: Record<string, unknown> = {};
  for (const m of source.matchAll(/import \{([^}]+)\} from '@\/lib\/schemas\/([\w-]+)'/g)) {
    const module = (await import(path.join(ROOT, 'lib/schemas', `${m[2]}.ts`))) as Record<string, unknown>;
    for (const name of m[1].split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
      if (name) imported[name] = module[name];
    }
  }
  return imported;
}

const document: OpenApiDocument = openApiDocument();

describe('the document', () => {
  test('validates against the OpenAPI 3.1 specification', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).length).toBeGreaterThan(30);
  });

  test('the validator catches a broken document (so the pass above means something)', async () => {
    const broken = structuredClone(document) as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: unknown[] }>>;
    };
    broken.paths['/api/v1/sessions'].get.responses['200'] = { content: {} }; // a response needs a description
    expect((await validate(broken as never)).valid).toBe(false);
    const noParam = structuredClone(document) as unknown as typeof broken;
    noParam.paths['/api/v1/sessions/{id}'].get.parameters = [];
    expect((await validate(noParam as never)).valid).toBe(false);
  });

  test('every component is a valid JSON Schema 2020-12 (strict ajv compiles each one)', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, validateFormats: false });
    ajv.addKeyword('components'); // the holder of the schemas, not a schema keyword: each schema is compiled below
    ajv.addSchema({ $id: 'doc', components: { schemas: document.components.schemas } });
    const failures: string[] = [];
    for (const name of Object.keys(document.components.schemas)) {
      try {
        ajv.compile({ $ref: `doc#/components/schemas/${name}` });
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(Object.keys(document.components.schemas).length).toBeGreaterThan(40);
  });

  test('GET /api/openapi.json answers it, publicly', async () => {
    const res = await openApiRoute(new NextRequest('http://callscope.test/api/openapi.json'), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(document)));
    expect(openApiErrors('get', '/api/openapi.json', 200, document)).toEqual([]);
  });

  test('a session list item keeps its name and is shared by reference', () => {
    const page = document.components.schemas.ListSessionsResponse as { properties: Record<string, unknown> };
    expect(page.properties.sessions).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/SessionListItem' },
    });
    expect(JSON.stringify(document)).not.toContain('"$schema"');
  });
});

describe('the document matches the routes', () => {
  const routes = routeMethods();

  test('every route method has its operation, and every operation its route', () => {
    const documented = new Set([...OPERATIONS.map(routeKey), ...Object.keys(NOT_DOCUMENTED)]);
    const existing = new Set(routes.map((r) => r.key));
    expect(
      routes.filter((r) => !documented.has(r.key)).map((r) => r.key),
      'route methods without an operation (lib/server/openapi/operations.ts)',
    ).toEqual([]);
    expect(
      [...documented].filter((k) => !existing.has(k)),
      'operations without a route',
    ).toEqual([]);
    expect(routes.length).toBeGreaterThan(40);
  });

  test("each operation's role is the one its handler's route({access}) requires", () => {
    const byKey = new Map(OPERATIONS.map((op) => [routeKey(op), op]));
    const mismatched: string[] = [];
    for (const route of routes) {
      const op = byKey.get(route.key);
      if (!op) continue;
      const access = route.source.match(/access: '(\w+)'/)?.[1];
      if (access !== op.access) mismatched.push(`${route.key}: handler ${access}, document ${op.access}`);
      const documentedRole = document.paths[op.path][op.method]['x-callscope-role'];
      if (documentedRole !== access) mismatched.push(`${route.key}: x-callscope-role ${documentedRole}`);
    }
    expect(mismatched).toEqual([]);
  });

  test('each operation names the zod objects its handler validates with (the same objects, not copies)', async () => {
    const byKey = new Map(OPERATIONS.map((op) => [routeKey(op), op]));
    const problems: string[] = [];
    for (const route of routes) {
      const op = byKey.get(route.key);
      if (!op) continue;
      const imports = await schemaImports(route.file);
      for (const part of ['query', 'body'] as const) {
        const name = route.source.match(new RegExp(`\\b${part}: (\\w+)`))?.[1];
        const documented = op[part];
        const schema = documented && 'schema' in documented ? documented.schema : documented;
        if (name) {
          if (!(name in imports)) problems.push(`${route.key}: ${part} ${name} is not imported from lib/schemas`);
          else if (imports[name] !== schema) problems.push(`${route.key}: ${part} is not ${name}`);
          if (op.readBy?.[part]) problems.push(`${route.key}: ${part} goes through route(), not readBy`);
        } else if (documented && !('raw' in documented) && !op.readBy?.[part]) {
          problems.push(`${route.key}: the handler takes no ${part}, and no module is named as reading it`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('a query or body a handler reads itself: the modules named use the same schema, or every field', async () => {
    const problems: string[] = [];
    for (const op of OPERATIONS) {
      const readers = op.readBy ?? {};
      if (readers.body) {
        const schema = op.body && 'schema' in op.body ? op.body.schema : undefined;
        const used = await Promise.all(readers.body.map((file) => schemaImports(path.join(ROOT, file))));
        if (!schema || !used.some((imports) => Object.values(imports).includes(schema)))
          problems.push(`${op.id}: no reader imports its body schema`);
      }
      if (readers.query && op.query) {
        const source = readers.query.map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
        const fields = Object.keys((op.query as unknown as { shape: Record<string, unknown> }).shape);
        for (const field of fields)
          if (!source.includes(`'${field}'`)) problems.push(`${op.id}: nobody reads ?${field}`);
      }
    }
    expect(problems).toEqual([]);
    expect(OPERATIONS.filter((op) => op.readBy).length).toBe(3);
  });

  test('path parameters: each {param} is described, and is the route folder’s [param]', () => {
    for (const op of OPERATIONS) {
      const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      expect(Object.keys(op.pathParams ?? {}).sort(), `${op.method} ${op.path}`).toEqual(names);
    }
  });

  test('operation ids are unique and every operation has a summary and a tag', () => {
    const ids = OPERATIONS.map((op) => op.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(OPERATIONS.filter((op) => !op.summary || !op.tag)).toEqual([]);
  });
});

describe('answers checked against the document', () => {
  const minted = { token: 'eyJ.x.y', expiresAt: 1_765_000_000_000, kid: null };

  test('a concrete path finds its operation (literal segments before parameters)', () => {
    expect(operationPath('/api/v1/settings/keys/grace')).toBe('/api/v1/settings/keys/grace');
    expect(operationPath('/api/v1/settings/keys/k1')).toBe('/api/v1/settings/keys/{id}');
    expect(operationPath('/api/v1/sessions/42/tracks/PC_0%3Ain/series?maxPoints=50')).toBe(
      '/api/v1/sessions/{id}/tracks/{trackId}/series',
    );
    expect(operationPath('/api/v1/nothing')).toBeUndefined();
  });

  test('a matching answer passes; an extra, a missing or a retyped field fails; so does an undocumented status', () => {
    expect(openApiErrors('post', '/api/v1/tokens', 201, minted)).toEqual([]);
    expect(openApiErrors('post', '/api/v1/tokens', 201, { ...minted, extra: 1 })).not.toEqual([]);
    const { kid: _kid, ...missing } = minted;
    expect(openApiErrors('post', '/api/v1/tokens', 201, missing)).not.toEqual([]);
    expect(openApiErrors('post', '/api/v1/tokens', 201, { ...minted, expiresAt: '2026-12-03' })).not.toEqual([]);
    expect(openApiErrors('post', '/api/v1/tokens', 200, minted)).not.toEqual([]);
    expect(openApiErrors('put', '/api/v1/tokens', 201, minted)).not.toEqual([]);
  });

  test('errors have one shape, and shapes owned by lib/stats are checked as JSON objects', () => {
    const error = { error: { code: 'forbidden', message: 'This needs the admin role' } };
    expect(openApiErrors('post', '/api/v1/tokens', 403, error)).toEqual([]);
    expect(openApiErrors('post', '/api/v1/tokens', 403, { error: { code: 'nope', message: 'x' } })).not.toEqual([]);
    const series = { sessionId: '1', trackId: 't', points: 1, t: [1], values: { bitrate: [null] } };
    expect(openApiErrors('get', '/api/v1/sessions/1/tracks/t/series', 200, series)).toEqual([]);
    const badValues = { ...series, values: { bitrate: ['fast'] } };
    expect(openApiErrors('get', '/api/v1/sessions/1/tracks/t/series', 200, badValues)).not.toEqual([]);
  });

  test('query parameters come from the handlers’ zod query schemas, with their bounds and defaults', () => {
    const params = document.paths['/api/v1/sessions'].get.parameters ?? [];
    const limit = params.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { default: 50, minimum: 1, maximum: 200 } });
    expect(params.map((p) => p.name)).toContain('conference');
  });
});
