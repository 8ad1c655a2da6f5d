/**
 * The state machine's input, built by the trigger from one S3 event record. Everything later
 * steps need is decided here, once, so that retries and redrives see the same names and dates.
 */
import { z } from 'zod';

import {
  archivedKey,
  datasetLoadPrefix,
  executionName,
  type ObjectVersionRef,
  rejectedKey,
  runReportKey,
  utcDate,
} from './naming';

/** Schema of the execution input (handlers parse their event with it). */
export const executionInputSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  version: z.string(),
  eventTime: z.string(),
  /** `null` when no dataset matches: the Validate step then rejects the file by name. */
  dataset: z.string().nullable(),
  executionName: z.string().min(1).max(80),
  ingestionDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  archivedKey: z.string(),
  rejectedKey: z.string(),
  reportKey: z.string(),
  outputPrefix: z.string(),
});

/** The state machine's input. */
export type ExecutionInput = z.infer<typeof executionInputSchema>;

/** What the trigger knows about the object and its event. */
export interface ObjectEvent extends ObjectVersionRef {
  readonly sizeBytes: number;
  readonly eventTime: string;
}

/** Builds the execution input for an object event and its dataset (if any). */
export function buildExecutionInput(event: ObjectEvent, dataset: string | undefined): ExecutionInput {
  const ingestionDate = utcDate(new Date(event.eventTime));
  const datasetName = dataset ?? null;
  const name = executionName(dataset ?? 'unmatched', event);
  return {
    bucket: event.bucket,
    key: event.key,
    sizeBytes: event.sizeBytes,
    version: event.version,
    eventTime: event.eventTime,
    dataset: datasetName,
    executionName: name,
    ingestionDate,
    archivedKey: archivedKey(event.key, ingestionDate),
    rejectedKey: rejectedKey(event.key, ingestionDate),
    reportKey: runReportKey(dataset ?? 'unmatched', name),
    outputPrefix: datasetLoadPrefix(dataset ?? 'unmatched'),
  };
}
