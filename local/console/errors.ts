/** Errors of the console server; each maps to one HTTP status and keeps a stable name. */

/** A request the console refuses, with the HTTP status to answer. */
export class ConsoleRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    name = 'ConsoleRequestError',
  ) {
    super(message);
    this.name = name;
  }
}

/** A path or key that would resolve outside the local root (403). */
export class PathOutsideRootError extends ConsoleRequestError {
  constructor(message: string) {
    super(403, message, 'PathOutsideRootError');
  }
}

/** No such execution, file or route (404). */
export class NotFoundError extends ConsoleRequestError {
  constructor(message: string) {
    super(404, message, 'NotFoundError');
  }
}

/** An upload larger than the console accepts (413). */
export class UploadTooLargeError extends ConsoleRequestError {
  constructor(message: string) {
    super(413, message, 'UploadTooLargeError');
  }
}

/** An upload the pipeline cannot take: bad name, unknown dataset, nothing started (400). */
export class InvalidUploadError extends ConsoleRequestError {
  constructor(message: string) {
    super(400, message, 'InvalidUploadError');
  }
}
