/**
 * The state machine's input, built by the trigger from one S3 event record. Everything later
 * steps need is decided here, once, so that retries and redrives see the same names and dates.
 * No zod here: the trigger imports this module and must stay small (the schema is in
 * execution-input-schema.ts).
 */
import { archivedKey, datasetLoadPrefix, executionName, inputId, type ObjectVersionRef, rejectedKey, runReportKey, uploadId, utcDate } from './naming';
import type { DatasetRoute } from './config/dataset-routing';
import { fastPathMaxBytesOf } from './fast-path';

/** S3's version id of an object written while the bucket was not versioned. */
export const NULL_VERSION_ID = 'null';

/** The state machine's input (validated by handlers with `executionInputSchema`). */
export interface ExecutionInput {
  readonly bucket: string;
  readonly key: string;
  readonly sizeBytes: number;
  /**
   * The dataset's `fastPathMaxBytes`: the ASL's ChooseEngine sends a file up to this size to
   * TransformInLambda, a larger one to the Glue job (0: always Glue; 0 too for no dataset).
   */
  readonly fastPathMaxBytes: number;
  /**
   * `true`: ChooseEngine sends the file to the Glue job whatever its size (the local CLI's
   * `--engine`, which names the engine every file runs on). The deployed trigger never sets it.
   */
  readonly forceGlueJob?: boolean;
  /** What identifies the bytes: the checksum the bucket keeps of them, else the ETag (`ObjectVersionRef.version`). */
  readonly version: string;
  /**
   * The S3 `versionId` every step reads and copies the input by; `"null"` (S3's own name of the
   * version an unversioned bucket holds) when the event names none.
   */
  readonly versionId: string;
  readonly eventTime: string;
  /** `null` when no dataset matches: the Validate step then rejects the file by name. */
  readonly dataset: string | null;
  readonly executionName: string;
  /** The id of this upload (key and content): it names the archived or rejected copy. */
  readonly uploadId: string;
  /**
   * What the transform names its output files after: the upload (`reuploads: "append"`, each
   * upload loads beside the others) or the key (`"replace"`, a re-upload replaces the key's rows).
   * A rerun or a redrive of the execution replaces its own rows only.
   */
  readonly loadId: string;
  readonly ingestionDate: string;
  readonly archivedKey: string;
  readonly rejectedKey: string;
  readonly reportKey: string;
  readonly outputPrefix: string;
}

/** What the trigger knows about the object and its event. */
export interface ObjectEvent extends ObjectVersionRef {
  /** The record's `versionId`, when the bucket is versioned. */
  readonly versionId?: string;
  readonly sizeBytes: number;
  readonly eventTime: string;
}

/** Builds the execution input for an object event and its dataset (if any). */
export function buildExecutionInput(event: ObjectEvent, dataset: DatasetRoute | undefined): ExecutionInput {
  const ingestionDate = utcDate(new Date(event.eventTime));
  const datasetName = dataset?.name ?? null;
  const name = executionName(datasetName ?? 'unmatched', event);
  const upload = uploadId(event.key, event.version);
  return {
    bucket: event.bucket,
    key: event.key,
    sizeBytes: event.sizeBytes,
    fastPathMaxBytes: fastPathMaxBytesOf(dataset),
    version: event.version,
    versionId: event.versionId ?? NULL_VERSION_ID,
    eventTime: event.eventTime,
    dataset: datasetName,
    executionName: name,
    uploadId: upload,
    loadId: dataset?.reuploads === 'replace' ? inputId(event.key) : upload,
    ingestionDate,
    archivedKey: archivedKey(event.key, ingestionDate, upload),
    rejectedKey: rejectedKey(event.key, ingestionDate, upload),
    reportKey: runReportKey(datasetName ?? 'unmatched', name),
    outputPrefix: datasetLoadPrefix(datasetName ?? 'unmatched'),
  };
}
