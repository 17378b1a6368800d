/**
 * A computation that either produced a value or a list of problems.
 * Validators return this instead of throwing so that every problem in a config or a graph
 * can be reported in one run (the user fixes them all at once, not one per invocation).
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
