import { z } from 'zod';
import packageJson from '@/package.json';
import { declaredChecks } from '@/lib/schemas/read-api';
import { ERROR_STATUS } from '@/lib/server/api';
import { type Access, NAMED_SCHEMAS, type Operation, OPERATIONS } from './operations';

/**
 * The OpenAPI 3.1 document, built from operations.ts with zod 4's own `z.toJSONSchema` (JSON Schema 2020-12, the
 * dialect OpenAPI 3.1 uses): no second description of any shape. Answers go through one registry (output types:
 * what the server sends), bodies and query strings through another (input types: what a client may send, defaults
 * optional). Built once per process; it depends on the code only, so every installation serves the same document.
 */

type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, SecurityScheme> };
}

interface SecurityScheme {
  type: 'http' | 'apiKey';
  scheme?: 'bearer';
  bearerFormat?: string;
  in?: 'cookie' | 'query' | 'header';
  name?: string;
  description: string;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface MediaObject {
  schema?: JsonSchema;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaObject>;
}

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** The role `route({access})` requires: `public`, `support`, `engineer` or `admin`. */
  'x-callscope-role': Access;
  security: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaObject> };
  responses: Record<string, ResponseObject>;
}

const COMPONENTS = '#/components/schemas/';

/** What an error status means in this API (docs/api.md); every error answer is `Error`. */
const ERROR_MEANING: Record<number, string> = {
  400: 'Malformed JSON, or an empty body',
  401: 'Not signed in, or a bad token / API key',
  403: 'Signed in without the role, or a signed-in write from another site',
  404: 'No such resource',
  409: 'Conflicts with what is stored',
  413: 'Body too large',
  415: 'Content-Type not accepted (JSON bodies need application/json), or an unknown dump format',
  422: 'Validation failed: `issues` says which field',
  429: 'Rate limited',
  503: 'Unavailable',
};

const ERROR_CODE_OF = Object.fromEntries(Object.entries(ERROR_STATUS).map(([code, status]) => [status, code]));

/**
 * Shared by both registries. `declared` values (read-api.ts: shapes lib/stats owns) are described by their run-time
 * check; anything else zod cannot represent fails the build of the document (test/openapi.test.ts), not silently.
 */
function conversionParams(io: 'input' | 'output'): z.core.ToJSONSchemaParams {
  return {
    io,
    target: 'draft-2020-12',
    unrepresentable: (ctx) => {
      const check = declaredChecks.get(ctx.zodSchema);
      if (check) return strip(z.toJSONSchema(check, conversionParams(io)));
      throw new Error(`OpenAPI: ${ctx.message} (at ${ctx.path.join('.') || 'the root'})`);
    },
    override: (ctx) => {
      // A plain z.object strips unknown keys when parsing, but the server's answers are not parsed: the document
      // must not promise that nothing else is there. Strict objects (z.strictObject) keep `additionalProperties: false`.
      const def = ctx.zodSchema._zod.def;
      if (io === 'output' && def.type === 'object' && def.catchall === undefined)
        delete ctx.jsonSchema.additionalProperties;
      // `z.number().int()` says "a safe integer" with ±2^53 bounds: true of every JSON integer here, noise to a reader.
      if (ctx.jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete ctx.jsonSchema.minimum;
      if (ctx.jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete ctx.jsonSchema.maximum;
    },
  };
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

function isRawBody(body: Operation['body']): body is { raw: { contentTypes: string[]; description: string } } {
  return body !== undefined && 'raw' in body;
}

/** Names every answer and body schema once (a schema used twice keeps its first name) in two registries. */
function registries() {
  const output = z.registry<{ id: string }>();
  const input = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  const taken = new Set<string>();
  const name = (registry: typeof output, schema: z.ZodType, wanted: string): string => {
    const existing = names.get(schema);
    if (existing) return existing;
    if (taken.has(wanted)) throw new Error(`OpenAPI: two schemas named ${wanted}`);
    taken.add(wanted);
    names.set(schema, wanted);
    registry.add(schema, { id: wanted });
    return wanted;
  };
  for (const [schema, wanted] of NAMED_SCHEMAS) name(output, schema, wanted);
  const responseNames = new Map<string, string>();
  const bodyNames = new Map<string, string>();
  for (const op of OPERATIONS) {
    for (const [status, response] of Object.entries(op.responses)) {
      if (!response.schema) continue;
      const wanted =
        response.contentType === 'application/x-ndjson' ? `${pascal(op.id)}Line` : `${pascal(op.id)}Response`;
      responseNames.set(`${op.id} ${status}`, name(output, response.schema, wanted));
    }
    if (op.body && !isRawBody(op.body)) bodyNames.set(op.id, name(input, op.body.schema, `${pascal(op.id)}Body`));
  }
  return { output, input, responseNames, bodyNames };
}

function convert(registry: z.core.$ZodRegistry<{ id?: string }>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, { ...conversionParams(io), uri: (id) => `${COMPONENTS}${id}` });
  if ('__shared' in schemas) throw new Error('OpenAPI: a schema with a global `id` would land outside components');
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, strip(schema)]));
}

/** A query schema's fields as OpenAPI query parameters (a query string is flat: each field is one parameter). */
function queryParameters(query: z.ZodType): ParameterObject[] {
  const schema = strip(z.toJSONSchema(query, conversionParams('input')));
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function pathParameters(op: Operation): ParameterObject[] {
  const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  return names.map((name) => ({
    name,
    in: 'path',
    required: true,
    ...(op.pathParams?.[name] ? { description: op.pathParams[name] } : {}),
    schema: { type: 'string' },
  }));
}

function security(op: Operation): Record<string, string[]>[] {
  if (op.access !== 'public') return [{ apiKey: [] }, { staffSession: [] }];
  if (op.credential === 'ingest-token') return [{ ingestToken: [] }, { ingestTokenQuery: [] }, {}];
  if (op.credential === 'vonage-signature') return [{ vonageSignature: [] }];
  return [];
}

/** The error statuses an operation can answer: what the wrapper implies, plus the operation's own. */
function errorStatuses(op: Operation): number[] {
  const statuses = new Set(op.errors ?? []);
  if (op.access !== 'public') statuses.add(401).add(403);
  if (op.query || (op.body && !isRawBody(op.body))) statuses.add(422);
  if (op.body && !isRawBody(op.body)) statuses.add(400).add(415);
  if (op.pathParams) statuses.add(404);
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(op: Operation, responseNames: Map<string, string>, bodyNames: Map<string, string>) {
  const error = { 'application/json': { schema: { $ref: `${COMPONENTS}Error` } } };
  const responses: Record<string, ResponseObject> = {};
  for (const [status, response] of Object.entries(op.responses)) {
    const contentType = response.contentType ?? 'application/json';
    const name = responseNames.get(`${op.id} ${status}`);
    const schema: JsonSchema = name
      ? { $ref: `${COMPONENTS}${name}` }
      : { type: 'string', contentMediaType: contentType };
    const alternatives = (response.alternatives ?? []).map((type) => [
      type,
      { schema: { type: 'string', contentMediaType: type } },
    ]);
    responses[status] = {
      description: response.description,
      content: { [contentType]: { schema }, ...Object.fromEntries(alternatives) },
    };
  }
  for (const status of errorStatuses(op)) {
    responses[status] = {
      description: `\`${ERROR_CODE_OF[status]}\`: ${ERROR_MEANING[status] ?? 'Error'}`,
      content: error,
    };
  }
  responses.default = { description: 'Any other error (`internal_error` 500…)', content: error };

  const parameters = [...pathParameters(op), ...(op.query ? queryParameters(op.query) : [])];
  let requestBody: OperationObject['requestBody'];
  if (isRawBody(op.body)) {
    const schema: JsonSchema = { type: 'string', contentMediaType: 'application/octet-stream' };
    requestBody = {
      required: true,
      description: op.body.raw.description,
      content: Object.fromEntries(op.body.raw.contentTypes.map((type) => [type, { schema }])),
    };
  } else if (op.body) {
    requestBody = {
      required: true,
      ...(op.body.description ? { description: op.body.description } : {}),
      content: { 'application/json': { schema: { $ref: `${COMPONENTS}${bodyNames.get(op.id)}` } } },
    };
  }
  const object: OperationObject = {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    'x-callscope-role': op.access,
    security: security(op),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
  return object;
}

const SECURITY_SCHEMES: Record<string, SecurityScheme> = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'cs_…',
    description: 'An API key created in Settings → API keys; it has a role like a staff member.',
  },
  staffSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'next-auth.session-token',
    description:
      'The dashboard’s session cookie (`__Secure-next-auth.session-token` over https). Writes must come from this site (Origin).',
  },
  ingestToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An HS256 ingest token (`POST /api/v1/tokens`, or minted by your backend with the signing secret).',
  },
  ingestTokenQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'rtcstats-token',
    description: 'The ingest token in the query.',
  },
  vonageSignature: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Vonage’s signed callback JWT (HS256 with the signature secret; `payload_hash` of the body).',
  },
};

function build(): OpenApiDocument {
  const { output, input, responseNames, bodyNames } = registries();
  const outputSchemas = convert(output, 'output');
  const inputSchemas = convert(input, 'input');
  const paths: OpenApiDocument['paths'] = {};
  for (const op of OPERATIONS) {
    paths[op.path] ??= {};
    if (paths[op.path][op.method]) throw new Error(`OpenAPI: ${op.method} ${op.path} is listed twice`);
    paths[op.path][op.method] = operationObject(op, responseNames, bodyNames);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Callscope API',
      version: packageJson.version,
      description:
        'Callscope’s HTTP API. Every time is epoch milliseconds, every bitrate bits per second. Not described here: the WebSocket ingest (any path), `GET /healthcheck` and `GET /metrics` (answered before Next): see docs/api.md.',
    },
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: { schemas: { ...outputSchemas, ...inputSchemas }, securitySchemes: SECURITY_SCHEMES },
  };
}

let built: OpenApiDocument | undefined;

/** The document (built on first use; a build error is a bug in a schema or in operations.ts, and is thrown). */
export function openApiDocument(): OpenApiDocument {
  built ??= build();
  return built;
}
