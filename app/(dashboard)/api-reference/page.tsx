import Link from 'next/link';
import { getStaffSession } from '@/lib/server/auth/staff-auth';
import { type OperationObject, type ParameterObject, openApiDocument } from '@/lib/server/openapi/document';
import { hasRole, type Role } from '@/lib/shared/roles';
import { RootSchema, SchemaLine } from './schema-tree';
import { TryIt } from './try-it';
import './api-reference.css';

export const dynamic = 'force-dynamic';

/**
 * The API reference, drawn on the server from the same OpenAPI document `GET /api/openapi.json` serves (generated
 * from the handlers' zod schemas): operations by tag, each with its method, path, role, parameters, body and answers
 * as trees; reads can be tried from here with the signed-in session. Every staff role may read it: it documents the
 * API, it grants nothing (each route checks its own role).
 */

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

interface Entry {
  method: string;
  path: string;
  op: OperationObject;
}

function matches(entry: Entry, q: string): boolean {
  if (!q) return true;
  const text = `${entry.method} ${entry.path} ${entry.op.summary} ${entry.op.operationId} ${entry.op.tags.join(' ')}`;
  return text.toLowerCase().includes(q.toLowerCase());
}

function canCall(role: Role | undefined, required: OperationObject['x-callscope-role']): boolean {
  return required === 'public' || hasRole(role, required);
}

function anchorOf(tag: string): string {
  return `tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

export default async function ApiReferencePage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  const staff = await getStaffSession();
  const raw = (await searchParams).q;
  const q = (Array.isArray(raw) ? raw[0] : raw)?.trim().slice(0, 200) ?? '';
  const document = openApiDocument();
  const components = document.components.schemas;
  const entries: Entry[] = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method, path, op })),
  );
  const shown = entries.filter((e) => matches(e, q));
  const tags = document.tags.map((t) => t.name).filter((tag) => shown.some((e) => e.op.tags.includes(tag)));

  return (
    <section className="page api-reference" aria-labelledby="api-reference-title">
      <div className="page-head">
        <h1 id="api-reference-title">API reference</h1>
        <p className="muted">
          {document.info.title} {document.info.version}, OpenAPI {document.openapi}, generated from the schemas the
          route handlers validate with. Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. Call it
          with an API key (<code>Authorization: Bearer cs_…</code>, Settings → API keys) or, from these pages, the
          signed-in session. Every time is epoch milliseconds. Not here: the WebSocket ingest, <code>/healthcheck</code>{' '}
          and <code>/metrics</code> (docs/api.md).
        </p>
      </div>
      <form className="search-form api-filter" method="get" action="/api-reference">
        <input
          className="search-input"
          type="search"
          name="q"
          defaultValue={q}
          placeholder="Filter by path, summary or tag"
          aria-label="Filter operations"
        />
        <button type="submit" className="btn">
          Filter
        </button>
        {q ? (
          <Link href="/api-reference" className="btn">
            Show all
          </Link>
        ) : null}
      </form>
      <nav aria-label="Tags" className="api-tags">
        {tags.map((tag) => (
          <a key={tag} href={`#${anchorOf(tag)}`}>
            {tag}
          </a>
        ))}
      </nav>
      {shown.length === 0 ? (
        <p className="muted" data-testid="api-reference-empty">
          No operation matches “{q}”.
        </p>
      ) : null}
      {tags.map((tag) => (
        <section key={tag} className="api-tag" aria-labelledby={anchorOf(tag)}>
          <h2 id={anchorOf(tag)} className="section-title">
            {tag}
          </h2>
          {shown
            .filter((e) => e.op.tags.includes(tag))
            .sort(
              (a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
            )
            .map((entry) => (
              <OperationView
                key={entry.op.operationId}
                entry={entry}
                components={components}
                allowed={canCall(staff?.role, entry.op['x-callscope-role'])}
              />
            ))}
        </section>
      ))}
    </section>
  );
}

type Components = ReturnType<typeof openApiDocument>['components']['schemas'];

function OperationView({ entry, components, allowed }: { entry: Entry; components: Components; allowed: boolean }) {
  const { method, path, op } = entry;
  const role = op['x-callscope-role'];
  const parameters = op.parameters ?? [];
  const jsonAnswer = Object.entries(op.responses).some(
    ([status, r]) => status.startsWith('2') && r.content?.['application/json'],
  );
  return (
    <details
      className="api-op"
      id={op.operationId}
      data-testid="api-operation"
      data-operation-id={op.operationId}
      data-method={method.toUpperCase()}
      data-path={path}
    >
      <summary>
        <span className={`api-method api-method-${method}`}>{method.toUpperCase()}</span>
        <code className="api-path">{path}</code>
        <span className="api-summary">{op.summary}</span>
        <span
          className={`badge api-role api-role-${role}`}
          title={role === 'public' ? 'No staff role needed' : `Needs the ${role} role`}
        >
          {role}
        </span>
      </summary>
      <div className="api-op-body">
        {op.description ? <p>{op.description}</p> : null}
        <p className="small muted">
          <code>{op.operationId}</code> · {securityText(op)}
          {allowed ? null : ' · your role cannot call it'}
        </p>
        {parameters.length ? <ParametersTable parameters={parameters} /> : null}
        {op.requestBody ? (
          <div>
            <h3 className="api-h3">Request body</h3>
            {op.requestBody.description ? <p className="small">{op.requestBody.description}</p> : null}
            {Object.entries(op.requestBody.content).map(([type, media]) => (
              <div key={type}>
                <div className="small muted">{type}</div>
                {media.schema ? <RootSchema schema={media.schema} components={components} /> : null}
              </div>
            ))}
          </div>
        ) : null}
        <h3 className="api-h3">Responses</h3>
        <ul className="api-responses">
          {Object.entries(op.responses).map(([status, response]) => (
            <li key={status} data-status={status}>
              <strong className={status.startsWith('2') ? 'api-status-ok' : 'api-status-error'}>{status}</strong>{' '}
              {response.description}
              {status.startsWith('2')
                ? Object.entries(response.content ?? {}).map(([type, media]) => (
                    <div key={type}>
                      <div className="small muted">{type}</div>
                      {media.schema ? <RootSchema schema={media.schema} components={components} /> : null}
                    </div>
                  ))
                : null}
            </li>
          ))}
        </ul>
        <p className="small muted">
          Errors are <code>Error</code>: <code>{'{error: {code, message, issues?}}'}</code>.
        </p>
        {method === 'get' && jsonAnswer && allowed ? (
          <div>
            <h3 className="api-h3">Try it</h3>
            <TryIt
              operationId={op.operationId}
              path={path}
              parameters={parameters.map((p) => ({ name: p.name, in: p.in, required: p.required }))}
            />
          </div>
        ) : null}
      </div>
    </details>
  );
}

function securityText(op: OperationObject): string {
  const role = op['x-callscope-role'];
  if (role !== 'public') return `an API key or a staff session with the ${role} role (or higher)`;
  const schemes = op.security.flatMap((s) => Object.keys(s));
  if (schemes.includes('ingestToken'))
    return 'an ingest token (Bearer JWT or ?rtcstats-token=), when ingest requires one';
  if (schemes.includes('vonageSignature')) return 'signed by Vonage (Bearer JWT)';
  return 'no credentials';
}

function ParametersTable({ parameters }: { parameters: ParameterObject[] }) {
  return (
    <div className="table-wrap">
      <h3 className="api-h3">Parameters</h3>
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Name</th>
            <th>In</th>
            <th>Type</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {parameters.map((p) => (
            <tr key={`${p.in}:${p.name}`}>
              <td>
                <code>{p.name}</code>
                {p.required ? <span className="schema-required"> required</span> : null}
              </td>
              <td>{p.in}</td>
              <td>
                <SchemaLine schema={p.schema} />
              </td>
              <td>{p.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
