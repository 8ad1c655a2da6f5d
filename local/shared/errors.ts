/** Errors of what the CLI and the console share; each keeps a stable `name`. */

/** A problem with the command line or the request itself (the CLI's exit code 2). */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}
