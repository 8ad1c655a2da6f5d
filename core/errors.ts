/**
 * Error classes of the pipeline. Each sets a stable `name` ending in `Error`: the state machine's
 * `Retry`/`Catch` clauses, the notifications and the CLI all refer to these names verbatim.
 */

/** Base class: every error the pipeline raises on purpose. */
export class EtlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EtlError';
  }
}

/** The dataset configuration file is missing, not JSON, or fails its schema. */
export class ConfigError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** An object key is outside the layout the pipeline owns (for example it escapes the bucket). */
export class InvalidKeyError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

/** No dataset's `match` glob covers the uploaded key. */
export class UnknownDatasetError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownDatasetError';
  }
}

/** The object has no bytes at all. */
export class EmptyFileError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyFileError';
  }
}

/** The header is there but no data row follows it. */
export class NoDataRowsError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'NoDataRowsError';
  }
}

/** The bytes are not UTF-8 text (binary, compressed, or another encoding). */
export class EncodingError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'EncodingError';
  }
}

/** The CSV cannot be parsed (for example an unterminated quote). */
export class MalformedCsvError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedCsvError';
  }
}

/** The header does not match the dataset's columns (missing, unknown or repeated names). */
export class HeaderMismatchError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderMismatchError';
  }
}

/** Too many rows have the wrong number of fields or values of the wrong type. */
export class MalformedRowsError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRowsError';
  }
}

/** A quality threshold configured as `fail` was crossed by the full-file transform. */
export class QualityThresholdError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'QualityThresholdError';
  }
}

/** The transform engine failed while reading, transforming or writing. */
export class TransformError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

/** The transform's run report is missing or unreadable. */
export class RunReportError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'RunReportError';
  }
}

/** An object the step needs is not in the bucket. */
export class ObjectNotFoundError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * A local object that is not a regular file inside the bucket: a link whose target leaves the
 * bucket, a FIFO, a device, a folder. It is never read, copied or served.
 */
export class NotARegularFileError extends EtlError {
  constructor(message: string) {
    super(message);
    this.name = 'NotARegularFileError';
  }
}

/** Describes any thrown value as `{ name, message }`, the shape notifications and reports carry. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
