import { expect, test } from 'vitest';
import { overviewQuery } from '@/lib/schemas/overview';
import { overviewRange } from './overview';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const now = Date.UTC(2026, 11, 3, 18, 42, 10);

test('relative ranges end now, rounded out to whole buckets: hours up to 3 days, days beyond', () => {
  expect(overviewRange(overviewQuery.parse({ range: '24h' }), now)).toEqual({
    from: Date.UTC(2026, 11, 2, 18),
    to: Date.UTC(2026, 11, 3, 19),
    grain: 'hour',
    size: HOUR,
  });
  const week = overviewRange(overviewQuery.parse({ range: '7d' }), now);
  expect(week).toEqual({ from: Date.UTC(2026, 10, 26), to: Date.UTC(2026, 11, 4), grain: 'day', size: DAY });
  expect(overviewRange(overviewQuery.parse({ range: '30d' }), now).from).toBe(Date.UTC(2026, 10, 3));
});

test('a custom range keeps its ends when they are whole; 3 days is still hourly', () => {
  const from = Date.UTC(2026, 0, 1);
  expect(overviewRange(overviewQuery.parse({ range: 'custom', from, to: from + 3 * DAY }), now)).toMatchObject({
    from,
    to: from + 3 * DAY,
    grain: 'hour',
  });
  expect(overviewRange(overviewQuery.parse({ range: 'custom', from, to: from + 3 * DAY + 1 }), now).grain).toBe('day');
});

test('the query refuses what cannot be answered', () => {
  expect(overviewQuery.safeParse({ range: 'custom', from: 5 }).success).toBe(false);
  expect(overviewQuery.safeParse({ range: 'custom', from: 10, to: 5 }).success).toBe(false);
  expect(overviewQuery.safeParse({ range: 'custom', from: 0, to: 400 * DAY }).success).toBe(false);
  expect(overviewQuery.safeParse({ metadata: 'plan:pro region:eu' }).success).toBe(false);
  expect(overviewQuery.safeParse({ metadata: 'plan:pro' }).success).toBe(true);
});
