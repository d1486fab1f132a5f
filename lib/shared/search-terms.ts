/**
 * The search box's language: free text (an id or a prefix of one, as before) plus `key:value` terms naming the
 * page's own metadata (`plan:pro`, `region:"eu west"`) and `rating:` terms on its feedback (`rating:5`,
 * `rating:<=2`, `rating:>=4`). One parser for the query validation and the data layer, and one form of a metadata
 * term (`metadataTerm`) for what processing stores and what search looks for: keys and values compared without case.
 */

export interface RatingRange {
  equals?: number;
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
}

export interface SearchTerms {
  /** What is left once the terms are taken out: an id or a prefix of one. */
  text: string | undefined;
  /** `metadataTerm` of each `key:value`; a session must have them all. */
  metadata: string[];
  rating: RatingRange | undefined;
  /** Terms that cannot mean anything (a rating outside 1–5). */
  errors: string[];
}

/** `key:value`, `key:"a value"`, or a word. Keys as metadata keys may be (app-events.ts): no spaces, no colon. */
const TOKEN = /([A-Za-z0-9_.-]{1,64}):(?:"([^"]*)"|(\S+))|(\S+)/g;
const RATING = /^(<=|>=|<|>|=)?([0-9]+)$/;
const OPS = { '<=': 'lte', '>=': 'gte', '<': 'lt', '>': 'gt', '=': 'equals' } as const;

export const RATING_HELP = 'rating takes a whole number from 1 to 5: rating:5, rating:<=2, rating:>=4';

/** The stored and searched form of one metadata field. */
export function metadataTerm(key: string, value: string | number): string {
  return `${key.toLowerCase()}=${String(value).toLowerCase()}`;
}

/** Every field's term, for the session row (`metadata_terms`). */
export function metadataTerms(metadata: Record<string, string | number> | null): string[] {
  return metadata ? Object.entries(metadata).map(([k, v]) => metadataTerm(k, v)) : [];
}

export function parseSearchTerms(q: string): SearchTerms {
  const metadata: string[] = [];
  const errors: string[] = [];
  const words: string[] = [];
  let rating: RatingRange | undefined;
  for (const m of q.matchAll(TOKEN)) {
    const [, key, quoted, bare, word] = m;
    if (word !== undefined) {
      words.push(word);
      continue;
    }
    const value = quoted ?? bare ?? '';
    if (key.toLowerCase() !== 'rating') {
      if (value.trim()) metadata.push(metadataTerm(key, value.trim()));
      continue;
    }
    const r = RATING.exec(value);
    const n = r ? Number(r[2]) : Number.NaN;
    if (!r || n < 1 || n > 5) {
      errors.push(`${m[0]}: ${RATING_HELP}`);
      continue;
    }
    rating = { ...rating, [OPS[(r[1] ?? '=') as keyof typeof OPS]]: n };
  }
  // Without terms the text is the query as typed, so ids with spaces keep matching as before.
  const text = metadata.length === 0 && rating === undefined && errors.length === 0 ? q : words.join(' ');
  return { text: text.trim() || undefined, metadata, rating, errors };
}
