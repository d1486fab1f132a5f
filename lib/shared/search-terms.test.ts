import { describe, expect, test } from 'vitest';
import { metadataTerm, metadataTerms, parseSearchTerms } from './search-terms';

describe('the search box’s terms', () => {
  test('without terms the query is the id prefix, exactly as typed', () => {
    expect(parseSearchTerms('user_alice')).toEqual({ text: 'user_alice', metadata: [], rating: undefined, errors: [] });
    expect(parseSearchTerms('room  with spaces').text).toBe('room  with spaces');
  });

  test('key:value terms are metadata, compared without case; quoted values may hold spaces', () => {
    const t = parseSearchTerms('Plan:PRO region:"eu west" user_');
    expect(t.metadata).toEqual(['plan=pro', 'region=eu west']);
    expect(t.text).toBe('user_');
    expect(t.metadata).toContain(metadataTerm('plan', 'Pro'));
  });

  test('rating terms: exact, at most, at least, combined', () => {
    expect(parseSearchTerms('rating:5').rating).toEqual({ equals: 5 });
    expect(parseSearchTerms('rating:<=2').rating).toEqual({ lte: 2 });
    expect(parseSearchTerms('rating:>=4').rating).toEqual({ gte: 4 });
    expect(parseSearchTerms('rating:>1 rating:<4 plan:pro')).toMatchObject({
      rating: { gt: 1, lt: 4 },
      metadata: ['plan=pro'],
      text: undefined,
    });
  });

  test('a rating outside 1–5 or not a number is an error, not a metadata term', () => {
    for (const q of ['rating:9', 'rating:<=0', 'rating:good', 'rating:2.5']) {
      const t = parseSearchTerms(q);
      expect(t.errors, q).toHaveLength(1);
      expect(t.metadata, q).toEqual([]);
    }
  });

  test('stored terms match searched ones: numbers and strings alike', () => {
    expect(metadataTerms({ Plan: 'Pro', seats: 10 })).toEqual(['plan=pro', 'seats=10']);
    expect(parseSearchTerms('seats:10').metadata).toEqual(metadataTerms({ seats: 10 }));
    expect(metadataTerms(null)).toEqual([]);
  });
});
