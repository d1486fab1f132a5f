/**
 * Where the shared real-dump fixtures live (outside the repo: `../shared/fixtures` from the repo root).
 * Tests skip with a clear message when the folder is absent (machines outside the team); CI always has it.
 */

import fs from 'node:fs';
import path from 'node:path';

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../../../..', 'shared/fixtures');
export const FIXTURES_AVAILABLE = fs.existsSync(FIXTURES_DIR);
export const FIXTURES_MISSING = `SKIPPED: fixtures folder ${FIXTURES_DIR} is absent (it lives next to the repo on team machines and CI)`;

if (!FIXTURES_AVAILABLE) console.warn(FIXTURES_MISSING);

export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURES_DIR, ...parts);
}

export function readFixture(...parts: string[]): Buffer {
  return fs.readFileSync(fixturePath(...parts));
}
