/** Errors of the `etl` CLI itself; each sets a stable `name`. */

/** The SQL given to `etl query` failed (DuckDB's message, on one line); exit code 1. */
export class QueryFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryFailedError';
  }
}
