/**
 * Error classes of the pipeline. Each sets a stable `name` ending in `Error`: the state machine's
 * `Retry`/`Catch` clauses, the notifications and the CLI all refer to these names verbatim, and
 * `glue/errors.py` raises the transform's under the same names.
 *
 * Each class also says what it means for a run ({@link ErrorKind}): infra derives from these
 * classes which Glue failures are a verdict on the data and which names a notified failure ends
 * with, so a new class is classified here and nowhere else.
 */
import type { RunReport } from './run-report';

/**
 * What an error says about a run, which decides who hears of it:
 * - `rejected-input`: the upload is refused as it is. Validate's verdicts (the file moves to
 *   `extract/rejected/`, one `etl-job-failure`, the execution fails at `Rejected` under the
 *   error's name), and keys or objects the pipeline never takes.
 * - `data-verdict`: the transform's verdict on the whole file. The Glue job run fails, one
 *   `etl-job-failure`, the input stays for a redrive; no alarm, since the data is at fault.
 * - `refused-config`: the deployed configuration of the dataset is refused for its data (a schema
 *   change that is not a compatible evolution of the one its loads were written with). Validate
 *   fails before the transform, so nothing is written: one `etl-job-failure`, the input stays in
 *   `extract/` for a redrive once the configuration is fixed; the file is not at fault.
 * - `critical`: the pipeline itself failed (its code, its configuration, a service it calls).
 * - `unnotified`: the execution ends without having told anyone (the critical alert itself could
 *   not be published). It is the one kind a notified failure never ends with, so the
 *   execution-failure rule (EventBridge, outside the state machine) alerts `etl-critical-alerts`.
 *
 * A verdict stays a verdict whichever step reaches it, so a class lists every kind it can be:
 * `HeaderMismatchError` is Validate's verdict on the file and the transform's too.
 */
export type ErrorKind = 'rejected-input' | 'data-verdict' | 'refused-config' | 'critical' | 'unnotified';

/** Options of an {@link EtlError}: the `cause`, and what a transform had counted when it stopped. */
export interface EtlErrorOptions extends ErrorOptions {
  /** The run report's fields counted before the failure (counts, rejects key, quality failures). */
  readonly report?: Partial<RunReport>;
}

/**
 * Base class: every error the pipeline raises on purpose. A subclass sets its name and kinds as
 * statics, so they can be read without constructing it; the constructor names each instance.
 * @example
 * export class QualityThresholdError extends EtlError {
 *   static override readonly errorName = 'QualityThresholdError';
 *   static override readonly kinds = ['data-verdict'] as const;
 * }
 */
export abstract class EtlError extends Error {
  /** The stable name every instance carries: a literal, since the Lambda bundles minify class names. */
  static readonly errorName: string = 'EtlError';
  /** Every {@link ErrorKind} the error can be; each class sets its own. */
  static readonly kinds: readonly ErrorKind[] = [];
  /** What the transform had counted when it stopped: written into the failed run's report. */
  declare readonly report?: Partial<RunReport>;

  constructor(message: string, options?: EtlErrorOptions) {
    super(message, options);
    this.name = new.target.errorName;
    if (options?.report) this.report = options.report;
  }
}

/** The dataset configuration file is missing, not JSON, or fails its schema. */
export class ConfigError extends EtlError {
  static override readonly errorName = 'ConfigError';
  static override readonly kinds = ['critical'] as const;
}

/** An object key is outside the layout the pipeline owns (for example it escapes the bucket). */
export class InvalidKeyError extends EtlError {
  static override readonly errorName = 'InvalidKeyError';
  static override readonly kinds = ['rejected-input'] as const;
}

/** No dataset's `match` glob covers the uploaded key. */
export class UnknownDatasetError extends EtlError {
  static override readonly errorName = 'UnknownDatasetError';
  static override readonly kinds = ['rejected-input'] as const;
}

/** The object has no bytes at all. */
export class EmptyFileError extends EtlError {
  static override readonly errorName = 'EmptyFileError';
  static override readonly kinds = ['rejected-input'] as const;
}

/** The header is there but no data row follows it. */
export class NoDataRowsError extends EtlError {
  static override readonly errorName = 'NoDataRowsError';
  static override readonly kinds = ['rejected-input'] as const;
}

/** The bytes are not UTF-8 text (binary, compressed, or another encoding). */
export class EncodingError extends EtlError {
  static override readonly errorName = 'EncodingError';
  static override readonly kinds = ['rejected-input'] as const;
}

/**
 * The CSV cannot be parsed (for example an unterminated quote): in the rows Validate reads, or,
 * beyond them, in the whole file the transform reads.
 */
export class MalformedCsvError extends EtlError {
  static override readonly errorName = 'MalformedCsvError';
  static override readonly kinds = ['rejected-input', 'data-verdict'] as const;
}

/**
 * The header does not match the dataset's columns (missing, unknown or repeated names): found by
 * Validate, or by the transform when it reads a file Validate did not check.
 */
export class HeaderMismatchError extends EtlError {
  static override readonly errorName = 'HeaderMismatchError';
  static override readonly kinds = ['rejected-input', 'data-verdict'] as const;
}

/** Too many rows have the wrong number of fields or values of the wrong type. */
export class MalformedRowsError extends EtlError {
  static override readonly errorName = 'MalformedRowsError';
  static override readonly kinds = ['rejected-input'] as const;
}

/**
 * A dataset's configuration is not a compatible evolution of the schema its loads were written
 * with (a column's type changed, a column removed or renamed, a non-nullable column added, the
 * dedupe keys or the partitioning changed): refused at synth against `etl.schema-lock.json`, and
 * by Validate against `load/_meta/<dataset>/schema.json` before anything is written. The
 * message lists each change and how to migrate (see core/schema-guard.ts).
 */
export class SchemaEvolutionError extends EtlError {
  static override readonly errorName = 'SchemaEvolutionError';
  static override readonly kinds = ['refused-config'] as const;
}

/** A quality threshold configured as `fail` was crossed by the full-file transform. */
export class QualityThresholdError extends EtlError {
  static override readonly errorName = 'QualityThresholdError';
  static override readonly kinds = ['data-verdict'] as const;
}

/** The transform engine failed while reading, transforming or writing. */
export class TransformError extends EtlError {
  static override readonly errorName = 'TransformError';
  static override readonly kinds = ['critical'] as const;
}

/**
 * The transform could not publish the dataset's new current state: other runs kept publishing
 * theirs first. Nothing of the state is lost (the loads are in place); a redrive publishes it.
 */
export class LatestStateConflictError extends EtlError {
  static override readonly errorName = 'LatestStateConflictError';
  static override readonly kinds = ['critical'] as const;
}

/** The transform's run report is missing or unreadable. */
export class RunReportError extends EtlError {
  static override readonly errorName = 'RunReportError';
  static override readonly kinds = ['critical'] as const;
}

/** An object the step needs is not in the bucket. */
export class ObjectNotFoundError extends EtlError {
  static override readonly errorName = 'ObjectNotFoundError';
  static override readonly kinds = ['critical'] as const;
}

/**
 * A local object that is not a regular file inside the bucket: a link whose target leaves the
 * bucket, a FIFO, a device, a folder. It is never read, copied or served.
 */
export class NotARegularFileError extends EtlError {
  static override readonly errorName = 'NotARegularFileError';
  static override readonly kinds = ['rejected-input'] as const;
}

/**
 * The error an execution ends with at `RedriveGate` once `NotifyCritical` has published: a step
 * of the pipeline itself failed. The message is the caught error (`Error: Cause`).
 */
export class PipelineCriticalError extends EtlError {
  static override readonly errorName = 'PipelineCriticalError';
  static override readonly kinds = ['critical'] as const;
}

/**
 * The error an execution ends with at `RedriveGate` when `NotifyCritical` itself timed out
 * (after its retries): nobody was told, and `States.Timeout` is a name a notified transform
 * failure ends with too, so the execution takes this name, which is not among those, and the
 * execution-failure rule alerts instead. (A publish SNS refused fails the execution at
 * `NotifyCritical` with SNS's error, not on the list either.) The message is the error the alert
 * was about.
 */
export class CriticalNotificationFailedError extends EtlError {
  static override readonly errorName = 'CriticalNotificationFailedError';
  static override readonly kinds = ['unnotified'] as const;
}

/**
 * The Task errors of a Lambda function that the Lambda runtime killed (out of memory, the
 * process exited, out of time): the handler's own error is lost, the Task fails with one of these.
 */
export const LAMBDA_RUNTIME_ERRORS = ['Runtime.OutOfMemory', 'Runtime.ExitError', 'Sandbox.Timedout'] as const;

/** An {@link EtlError} class, whose name and kinds are read without constructing it. */
export type EtlErrorClass = Pick<typeof EtlError, 'errorName' | 'kinds' | 'prototype'>;

/**
 * The {@link EtlError} classes among a module's exports (the base class excepted), so that a
 * class added to the module is in every list derived from it.
 * @example errorClassesIn(await import('./errors'))
 */
export function errorClassesIn(moduleExports: object): EtlErrorClass[] {
  return Object.values(moduleExports).filter((value: unknown): value is EtlErrorClass => typeof value === 'function' && value.prototype instanceof EtlError);
}

/** The names of the classes that can be `kind` (of all of them without one), sorted and distinct. */
export function errorNames(classes: readonly EtlErrorClass[], kind?: ErrorKind): string[] {
  const names = classes.filter((ErrorClass) => kind === undefined || ErrorClass.kinds.includes(kind)).map((ErrorClass) => ErrorClass.errorName);
  return [...new Set(names)].sort();
}

/** Describes any thrown value as `{ name, message }`, the shape notifications and reports carry. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
