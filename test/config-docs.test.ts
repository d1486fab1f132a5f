import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { loadEnv } from '../lib/server/env';

/** README's configuration table, .env.example and lib/server/env.ts name the same variables. */
const root = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

function readmeVariables(): string[] {
  const section = read('README.md').split('## Configuration')[1].split('\n## ')[0];
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1]);
  }
  return [...names].sort();
}

test('.env.example names every variable of the README table', () => {
  const example = read('.env.example');
  const variables = readmeVariables();
  expect(variables.length).toBeGreaterThan(20);
  for (const name of variables) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
});

test('.env.example, its commented values included, is a valid configuration', () => {
  const values: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
  for (const line of read('.env.example').split('\n')) {
    const m = /^#? ?([A-Z][A-Z0-9_]+)=(.*)$/.exec(line);
    if (m && m[2] !== '') values[m[1]] = m[2];
  }
  expect(() => loadEnv(values)).not.toThrow();
  expect(Object.keys(values).length).toBeGreaterThan(10);
});
