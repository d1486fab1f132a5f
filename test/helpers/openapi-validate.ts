import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { openApiDocument } from '../../lib/server/openapi/document';
import type { RouteCaller } from './route-call';

/**
 * Real answers checked against the OpenAPI document (GET /api/openapi.json) rather than against zod: the answer's
 * operation (method + path, concrete or templated) and status pick the response's JSON schema, and ajv (JSON Schema
 * 2020-12, OpenAPI 3.1's dialect) validates the body with it. An answer whose operation or status the document does
 * not list fails as well. The API shape tests wrap their route caller with `openApiChecked`.
 */

const ROOT_ID = 'callscope-openapi';
const document = openApiDocument();
// Formats (email, uuid…) are zod's to check on input; answers are checked for structure and types.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: ROOT_ID, components: document.components });
const compiled = new Map<string, ValidateFunction>();

/** `/api/v1/sessions/42/tracks/x/series?maxPoints=50` → `/api/v1/sessions/{id}/tracks/{trackId}/series`. */
export function operationPath(concrete: string): string | undefined {
  const segments = concrete.split('?')[0].split('/');
  let best: { template: string; literals: number } | undefined;
  for (const template of Object.keys(document.paths)) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    if (!parts.every((p, i) => /^\{.+\}$/.test(p) || p === segments[i])) continue;
    const literals = parts.filter((p) => !p.startsWith('{')).length;
    if (!best || literals > best.literals) best = { template, literals };
  }
  return best?.template;
}

/** The ajv errors of `body` as the answer of `method path` with `status`; empty when it matches the document. */
export function openApiErrors(method: string, path: string, status: number, body: unknown): string[] {
  const template = operationPath(path);
  if (!template) return [`${path}: no operation in the OpenAPI document has this path`];
  const operation = document.paths[template][method.toLowerCase()];
  if (!operation) return [`${method} ${template}: not in the OpenAPI document`];
  const schema = operation.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema?.$ref) return [`${method} ${template}: the document has no JSON answer with status ${status}`];
  const key = `${schema.$ref}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `${ROOT_ID}${schema.$ref}` });
    compiled.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${method} ${template} ${status}: ${e.instancePath || '/'} ${e.message}`);
}

/** Throws when `body` does not match the document's answer for `method path` with `status`. */
export function expectMatchesOpenApi(method: string, path: string, status: number, body: unknown): void {
  const errors = openApiErrors(method, path, status, body);
  if (errors.length) throw new Error(`The answer does not match the OpenAPI document:\n${errors.join('\n')}`);
}

/** The same calls, each answer also validated against the OpenAPI document. */
export function openApiChecked(api: RouteCaller): RouteCaller {
  const checked =
    (method: string, path: string, status = 200) =>
    (body: unknown) => {
      expectMatchesOpenApi(method, path, status, body);
      return body;
    };
  return {
    get: async (handler, path, params, status) =>
      checked('get', path, status)(await api.get(handler, path, params, status)),
    post: async (handler, path, params, body, status) =>
      checked('post', path, status)(await api.post(handler, path, params, body, status)),
    put: async (handler, path, params, body, status) =>
      checked('put', path, status)(await api.put(handler, path, params, body, status)),
    patch: async (handler, path, params, body, status) =>
      checked('patch', path, status)(await api.patch(handler, path, params, body, status)),
    delete: async (handler, path, params, status) =>
      checked('delete', path, status)(await api.delete(handler, path, params, status)),
  };
}
