/** Errors of the console server; each maps to one HTTP status, keeps a stable name and takes `ErrorOptions` for its cause. */

/** A request the console refuses, with the HTTP status to answer. */
export class ConsoleRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    name = 'ConsoleRequestError',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = name;
  }
}

/** A path or key that would resolve outside the local root (403). */
export class PathOutsideRootError extends ConsoleRequestError {
  constructor(message: string, options?: ErrorOptions) {
    super(403, message, 'PathOutsideRootError', options);
  }
}

/** No such execution, file or route (404). */
export class NotFoundError extends ConsoleRequestError {
  constructor(message: string, options?: ErrorOptions) {
    super(404, message, 'NotFoundError', options);
  }
}

/** An upload larger than the console accepts (413). */
export class UploadTooLargeError extends ConsoleRequestError {
  constructor(message: string, options?: ErrorOptions) {
    super(413, message, 'UploadTooLargeError', options);
  }
}

/** An upload the pipeline cannot take: bad name, unknown dataset, nothing started (400). */
export class InvalidUploadError extends ConsoleRequestError {
  constructor(message: string, options?: ErrorOptions) {
    super(400, message, 'InvalidUploadError', options);
  }
}
