/**
 * A duplicate upload is an object event whose execution already exists: the same key, the same
 * bytes. The trigger (on AWS and locally) and `etl watch` both decide what becomes of it here.
 * Once the execution has archived those bytes, the event's version is deleted from extract/, so
 * extract/ holds only work not yet done. Until then it stays where it is.
 */
import * as z from 'zod/mini';

import { describeError } from '../core/errors';
import { type ExecutionInput, NULL_VERSION_ID } from '../core/execution-input';
import type { ExecutionLookup } from './adapters/execution-starter';
import type { ObjectStore } from './adapters/object-store';

/** What settling a duplicate needs. */
export interface DuplicateDeps {
  readonly store: ObjectStore;
  readonly executions: ExecutionLookup;
}

/** The duplicate event, as the fields of the execution input the trigger built from it. */
export type DuplicateEvent = Pick<ExecutionInput, 'bucket' | 'key' | 'versionId' | 'eventTime' | 'executionName'>;

/**
 * - `archived`: the execution archived these bytes, so the event's version was deleted from extract/.
 * - `redelivery`: S3 sent the execution's own event again. That version is the execution's to
 *   archive, and nothing else needs deleting.
 * - `left`: the version stays in extract/, and `reason` says why.
 */
export type DuplicateDisposition = 'archived' | 'redelivery' | 'left';

/** What was done with a duplicate, and why, in words for the log and `etl watch`. */
export interface DuplicateOutcome {
  readonly disposition: DuplicateDisposition;
  readonly reason: string;
}

/** A duplicate event and what was done with it. */
export interface SettledDuplicate extends DuplicateEvent, DuplicateOutcome {}

/**
 * The fields of the existing execution's input that the decision reads. zod/mini keeps the
 * trigger's bundle small, so this is not the handlers' full `executionInputSchema`.
 */
const firstExecutionSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  versionId: z.string(),
  eventTime: z.string(),
  archivedKey: z.string(),
});

/**
 * Decides what becomes of a duplicate event and does it. This never throws: if a lookup fails,
 * the version stays in extract/, since nothing may be deleted that has not been archived.
 */
export async function settleDuplicate(deps: DuplicateDeps, event: DuplicateEvent): Promise<DuplicateOutcome> {
  try {
    return await decide(deps, event);
  } catch (e: unknown) {
    const error = describeError(e);
    return left(`it could not be checked against execution ${event.executionName} (${error.name}: ${error.message})`);
  }
}

async function decide(deps: DuplicateDeps, event: DuplicateEvent): Promise<DuplicateOutcome> {
  const found = firstExecutionSchema.safeParse(await deps.executions.inputOf(event.executionName));
  if (!found.success || found.data.bucket !== event.bucket || found.data.key !== event.key) {
    return left(`no execution ${event.executionName} of s3://${event.bucket}/${event.key} was found`);
  }
  const first = found.data;
  // When S3 sends an event again, it is the same record: the same version and the same time. A
  // new upload of the same bytes gets a new versionId on S3. In the folder bucket, where a version
  // id is a hash of the bytes, it still gets a new event time.
  if (first.versionId === event.versionId && first.eventTime === event.eventTime) {
    return { disposition: 'redelivery', reason: `the event of execution ${event.executionName} came again; that execution archives its version` };
  }
  if (event.versionId === NULL_VERSION_ID) {
    return left('the bucket is not versioned, so a delete could remove a newer upload under the key');
  }
  if (!(await deps.store.head(event.bucket, first.archivedKey))) {
    return left(
      `execution ${event.executionName} has not archived these bytes (it is still running, or it failed and its input stays for a redrive or went to extract/rejected/)`,
    );
  }
  await deps.store.delete(event.bucket, event.key, event.versionId);
  return { disposition: 'archived', reason: `the same bytes are archived at ${first.archivedKey}; this version was removed from extract/` };
}

function left(why: string): DuplicateOutcome {
  return { disposition: 'left', reason: `left in extract/: ${why}` };
}
