/** A typed outcome at the domain edge: no exceptions for expected failures. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/**
 * Domain errors carry no HTTP codes: the API maps kinds to statuses in one place.
 * - Invalid: the command breaks a rule of its own (a field, a missing material).
 * - NotFound: an unknown case, task or matter.
 * - Forbidden: the caller may not act on this (a department deciding another's task).
 * - Conflict: the case is not in a state that allows the command.
 * - Concurrency: another writer appended first; the handler retries from a fresh load.
 */
export type ErrorKind = 'Invalid' | 'NotFound' | 'Forbidden' | 'Conflict' | 'Concurrency';

export interface FieldIssue {
  path: string;
  message: string;
}

export interface DomainError {
  kind: ErrorKind;
  message: string;
  errors?: FieldIssue[];
}

export const fail = (kind: ErrorKind, message: string, errors?: FieldIssue[]): { ok: false; error: DomainError } =>
  err(errors ? { kind, message, errors } : { kind, message });
