import { DomainError } from '@/lib/server/domain-error';

type SigningKeyErrorCode =
  | 'secret_too_short'
  | 'secret_invalid'
  | 'active_exists'
  | 'not_found'
  | 'read_only'
  | 'invalid_grace';

/** A refused key-management request. */
export class SigningKeyError extends DomainError<SigningKeyErrorCode> {
  override name = 'SigningKeyError';
  protected readonly statusOf = {
    secret_too_short: 'unprocessable_entity',
    secret_invalid: 'unprocessable_entity',
    invalid_grace: 'unprocessable_entity',
    active_exists: 'conflict',
    not_found: 'not_found',
    read_only: 'conflict',
  } as const;
}
