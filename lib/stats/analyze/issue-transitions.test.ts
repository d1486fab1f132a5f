/**
 * Issue transitions on real dumps analysed as they grow (snapshots between chunks, as a live session's): every
 * issue opens once and closes once, after it opened; an issue the call got over closes before the end, at its
 * end; the final analysis closes everything still open, and opens nothing it did not report.
 */

import { describe, expect, test } from 'vitest';
import { HAVE_FIXTURES, readFixture, SKIP_FIXTURES_MESSAGE } from '../../../test/helpers/fixtures';
import { IncrementalAnalysis } from './incremental-analysis';
import { type IssueTransition, IssueTransitions, issueKey } from './issue-transitions';
import type { SessionAnalysis } from './types';

const skip = !HAVE_FIXTURES;
if (skip) console.warn(`issue-transitions: ${SKIP_FIXTURES_MESSAGE}`);

function live(file: string, chunk: number) {
  const bytes = readFixture('jitsi', file);
  const analysis = new IncrementalAnalysis();
  const transitions = new IssueTransitions();
  const during: IssueTransition[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    analysis.push(bytes.subarray(i, i + chunk));
    const snapshot = analysis.snapshot();
    during.push(...transitions.update(snapshot, false));
    // The same analysis again changes nothing.
    expect(transitions.update(snapshot, false)).toEqual([]);
  }
  const final: SessionAnalysis = analysis.finish();
  const atEnd = transitions.update(final, true);
  return { during, atEnd, final, all: [...during, ...atEnd] };
}

describe.skipIf(skip)('issue transitions', () => {
  for (const file of [
    'google-standard-stats-p2p.txt',
    'chrome-standard-pc-reconnect.txt',
    'safari-standard-stats.txt',
  ]) {
    test(`${file}: each issue opens once, then closes once`, () => {
      const { all, final } = live(file, 32 * 1024);
      const keys = new Set(all.map((t) => t.key));
      expect(keys.size).toBeGreaterThan(0);
      for (const key of keys) {
        const mine = all.filter((t) => t.key === key);
        expect(
          mine.map((t) => t.state),
          key,
        ).toEqual(['open', 'closed']);
        expect(mine[1].at, key).toBeGreaterThanOrEqual(mine[0].at);
      }
      // Every issue of the final analysis was reported (opened and closed).
      for (const issue of final.issues) expect(keys.has(issueKey(issue)), issueKey(issue)).toBe(true);
    });
  }

  test('an issue the call got over closes while the call goes on, at its end; the rest at the final analysis', () => {
    const { during, atEnd, final } = live('google-standard-stats-p2p.txt', 32 * 1024);
    // The first choppy-audio episode on the bridge (10 s), over 20 s before the end.
    const episode = final.issues.find(
      (i) => i.type === 'audio-concealment' && final.end !== null && final.end - i.end > 15_000,
    );
    expect(episode).toBeDefined();
    const closed = during.find(
      (t) => t.key === issueKey(episode as NonNullable<typeof episode>) && t.state === 'closed',
    );
    expect(closed?.at).toBe(episode?.end);
    expect(closed?.severity).toBe('critical');
    expect(closed?.track).toBe(episode?.trackId);
    expect(closed?.evidence.metric).toBe('concealmentPct');
    // What the final analysis still had open (issues lasting to the end) closes there, nothing opens twice.
    const stillOpen = final.issues.filter((i) => !during.some((t) => t.key === issueKey(i) && t.state === 'closed'));
    expect(stillOpen.length).toBeGreaterThan(0);
    expect(
      atEnd
        .filter((t) => t.state === 'closed')
        .map((t) => t.key)
        .sort(),
    ).toEqual(stillOpen.map(issueKey).sort());
  });
});
