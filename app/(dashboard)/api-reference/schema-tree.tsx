import type { ReactNode } from 'react';
import type { z } from 'zod';

/**
 * A JSON Schema (from the OpenAPI document's components) drawn as a tree a person reads: each field with its type,
 * whether it is required, its bounds, and its own fields below. Named components open on demand (`<details>`), so a
 * large answer (a session's detail) stays short until asked; a component already open above is not opened again.
 * Rendered on the server only: no script, nothing for the CSP to allow.
 */

type Schema = z.core.JSONSchema.BaseSchema;
type Components = Record<string, Schema>;

const REF = '#/components/schemas/';

function refName(schema: Schema): string | undefined {
  return typeof schema.$ref === 'string' && schema.$ref.startsWith(REF) ? schema.$ref.slice(REF.length) : undefined;
}

function variants(schema: Schema): Schema[] | undefined {
  const list = schema.anyOf ?? schema.oneOf;
  return Array.isArray(list) ? (list as Schema[]) : undefined;
}

function isObjectSchema(schema: Schema): boolean {
  return schema.type === 'object' || schema.properties !== undefined;
}

/** A short type: `string | null`, `array of SessionListItem`, `'good' | 'fair'`, `map of number`, `any`. */
function typeLabel(schema: Schema): string {
  const name = refName(schema);
  if (name) return name;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const anyOf = variants(schema);
  if (anyOf) return anyOf.map(typeLabel).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const labels = types.map((type) => {
    if (type === 'array') {
      const items = schema.items;
      return items && typeof items === 'object' && !Array.isArray(items) ? `array of ${typeLabel(items)}` : 'array';
    }
    if (
      type === 'object' &&
      !schema.properties &&
      schema.additionalProperties &&
      typeof schema.additionalProperties === 'object'
    ) {
      const values = typeLabel(schema.additionalProperties);
      return values === 'any' ? 'object' : `map of ${values}`;
    }
    return String(type);
  });
  if (labels.length) return labels.join(' | ');
  if (isObjectSchema(schema)) return 'object';
  return 'any';
}

/** Bounds and defaults worth knowing when calling: `1–200`, `default 50`, `pattern ^\d+$`, `email`. */
function constraints(schema: Schema): string[] {
  const out: string[] = [];
  const range = (min: unknown, max: unknown, unit = '') => {
    if (min !== undefined && max !== undefined) out.push(`${min}–${max}${unit}`);
    else if (min !== undefined) out.push(`≥ ${min}${unit}`);
    else if (max !== undefined) out.push(`≤ ${max}${unit}`);
  };
  range(schema.minimum ?? schema.exclusiveMinimum, schema.maximum ?? schema.exclusiveMaximum);
  range(schema.minLength, schema.maxLength, ' characters');
  range(schema.minItems, schema.maxItems, ' items');
  if (typeof schema.format === 'string') out.push(schema.format);
  if (typeof schema.pattern === 'string') out.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.additionalProperties === false) out.push('no other fields');
  return out;
}

/** A body's or an answer's schema: its named component drawn open at once (it is what the reader came for). */
export function RootSchema({ schema, components }: { schema: Schema; components: Components }) {
  const name = refName(schema);
  const target = name ? components[name] : undefined;
  if (!name || !target) return <SchemaTree schema={schema} components={components} />;
  return (
    <div className="schema-root" data-schema={name}>
      <code className="schema-type">{name}</code>
      <SchemaTree schema={target} components={components} seen={new Set([name])} />
    </div>
  );
}

/** One value's type and bounds on a line (a query parameter). */
export function SchemaLine({ schema }: { schema: Schema }) {
  return (
    <>
      <code className="schema-type">{typeLabel(schema)}</code>
      {constraints(schema).map((c) => (
        <span key={c} className="schema-constraint">
          {c}
        </span>
      ))}
    </>
  );
}

/** What a value's children are: an object's fields, an array's items, a union's variants, a map's values. */
function children(schema: Schema, components: Components, seen: ReadonlySet<string>): ReactNode {
  const name = refName(schema);
  if (name) {
    const target = components[name];
    if (!target) return null;
    if (seen.has(name)) return <p className="muted small">{name}, as above</p>;
    return (
      <details className="schema-ref">
        <summary>
          <code>{name}</code>
        </summary>
        <SchemaTree schema={target} components={components} seen={new Set([...seen, name])} />
      </details>
    );
  }
  const anyOf = variants(schema);
  if (anyOf) {
    const complex = anyOf.filter((v) => refName(v) || isObjectSchema(v) || v.type === 'array');
    if (!complex.length) return null;
    return (
      <ul className="schema-variants">
        {complex.map((variant, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: variants are fixed by the schema, never reordered.
          <li key={i}>
            <span className="muted small">one of: </span>
            <code>{typeLabel(variant)}</code>
            {children(variant, components, seen)}
          </li>
        ))}
      </ul>
    );
  }
  if (schema.properties) return <SchemaTree schema={schema} components={components} seen={seen} />;
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
    return children(schema.items, components, seen);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return children(schema.additionalProperties, components, seen);
  }
  return null;
}

/** An object's fields, one line each, children below; any other schema: its type and children. */
export function SchemaTree({
  schema,
  components,
  seen = new Set(),
}: {
  schema: Schema;
  components: Components;
  seen?: ReadonlySet<string>;
}) {
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) {
    return (
      <div className="schema-tree">
        <code className="schema-type">{typeLabel(schema)}</code>
        {children(schema, components, seen)}
      </div>
    );
  }
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const entries = Object.entries(properties);
  return (
    <ul className="schema-tree">
      {entries.length === 0 ? <li className="muted small">no fields</li> : null}
      {entries.map(([field, property]) => (
        <li key={field} data-field={field}>
          <code className="schema-field">{field}</code>
          {required.has(field) ? null : <span className="schema-optional">optional</span>}{' '}
          <SchemaLine schema={property} />
          {typeof property.description === 'string' ? <div className="muted small">{property.description}</div> : null}
          {children(property, components, seen)}
        </li>
      ))}
    </ul>
  );
}
