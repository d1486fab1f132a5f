/**
 * The one error a decoder throws at its caller (everything else about bad input is a warning): the input is not a
 * dump Callscope reads (`unsupported`), it is one but broken where strict reading requires it whole (`invalid`),
 * or it inflates past the caller's limit (`too_large`). Routes map the kinds to 415, 422 and 413.
 */
export type DumpFormatErrorKind = 'unsupported' | 'invalid' | 'too_large';

/** A brand, not `instanceof`: the server and Next's route bundle each load their own copy of this class. */
const BRAND = Symbol.for('callscope.DumpFormatError');

export class DumpFormatError extends Error {
  readonly [BRAND] = true;

  constructor(
    readonly kind: DumpFormatErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DumpFormatError';
  }

  static is(err: unknown): err is DumpFormatError {
    return typeof err === 'object' && err !== null && (err as { [BRAND]?: boolean })[BRAND] === true;
  }
}
