import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ISSUE_CLOSE_AFTER_MS,
  ISSUE_CLOSE_MIN_SAMPLES,
  ISSUE_MIN_BAD_SHARE,
  STARTUP_FREEZE_MAX_MS,
  STARTUP_FREEZE_WINDOW_MS,
  THRESHOLDS,
} from './thresholds';

const DOC = path.resolve(import.meta.dirname, '../../../docs/thresholds.md');

/** Rows of the main table in docs/thresholds.md, keyed by the backticked key column (the verdict tables after it
 * use backticked keys too, so reading stops at their heading). */
function documentedRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const issuePart = fs.readFileSync(DOC, 'utf8').split('\n## Fault verdicts')[0];
  for (const line of issuePart.split('\n')) {
    const match = /^\| `(\w+)` \|(.*)\|$/.exec(line);
    if (match) rows.set(match[1], match[2].split('|').map((c) => c.trim()));
  }
  return rows;
}

describe('docs/thresholds.md documents THRESHOLDS exactly', () => {
  const rows = documentedRows();

  test('one row per threshold, no extra rows', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(THRESHOLDS).sort());
  });

  for (const [key, t] of Object.entries(THRESHOLDS)) {
    test(key, () => {
      const [metric, unit, direction, warning, critical, minDuration, why] = rows.get(key) ?? [];
      expect(metric).toBe(t.metric);
      expect(unit).toBe(t.unit);
      expect(direction).toBe(t.direction);
      expect(Number(warning)).toBe(t.warning);
      expect(Number(critical)).toBe(t.critical);
      expect(minDuration).toBe(`${t.minDurationMs / 1000} s`);
      expect(why).toBe(t.why);
    });
  }
});

describe('docs/thresholds.md states the fixed-rule constants with their values', () => {
  const doc = fs.readFileSync(DOC, 'utf8');
  const constants: [string, string][] = [
    ['ISSUE_CLOSE_AFTER_MS', `${ISSUE_CLOSE_AFTER_MS / 1000} s`],
    ['ISSUE_CLOSE_MIN_SAMPLES', `${ISSUE_CLOSE_MIN_SAMPLES}`],
    ['ISSUE_MIN_BAD_SHARE', `${ISSUE_MIN_BAD_SHARE * 100} %`],
    ['STARTUP_FREEZE_WINDOW_MS', `${STARTUP_FREEZE_WINDOW_MS / 1000} s`],
    ['STARTUP_FREEZE_MAX_MS', `${STARTUP_FREEZE_MAX_MS / 1000} s`],
  ];
  for (const [name, value] of constants) {
    test(name, () => {
      expect(doc).toContain(`\`${name}\` = ${value}`);
    });
  }
});
