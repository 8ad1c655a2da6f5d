/**
 * Archive: moves a processed input to `extract/archived/YYYY-MM-DD/…`. Then the other versions of
 * the key that hold the same bytes (the same ETag) leave extract/ too: re-uploads that arrived
 * while this execution ran, which the trigger had to leave in place because nothing was archived
 * yet (duplicate-upload.ts). A version with other bytes is a new upload with an execution of its
 * own, and stays.
 */
import { ObjectNotFoundError } from '../core/errors';
import { type ExecutionInput, NULL_VERSION_ID } from '../core/execution-input';
import { executionInputSchema } from '../core/execution-input-schema';
import type { ObjectStore } from './adapters/object-store';
import { type MoveResult, moveObject } from './move-object';
import { instrument, MetricUnit, type Observability } from './observability';

/** Dependencies of the Archive handler. */
export interface ArchiveDeps {
  readonly store: ObjectStore;
  readonly obs: Observability;
}

/** Where the input is now, and which re-uploads of its bytes left extract/ with it. */
export interface ArchiveResult extends MoveResult {
  /**
   * The version ids of the key's other versions with the archived bytes, deleted from extract/
   * by this attempt (none on a redrive that finds them gone already).
   */
  readonly reuploadsRemoved: readonly string[];
}

/** Builds the Archive handler. */
export function createArchiveHandler(deps: ArchiveDeps) {
  return instrument(deps.obs, 'archive', async (event: unknown): Promise<ArchiveResult> => {
    const input = executionInputSchema.parse(event);
    const moved = await moveObject(deps.store, input.bucket, input.key, input.versionId, input.archivedKey);
    deps.obs.metrics.addMetric('FilesArchived', MetricUnit.Count, 1);
    deps.obs.logger.info('input archived', { ...moved, executionName: input.executionName });
    const reuploadsRemoved = await removeReuploads(deps.store, input);
    if (reuploadsRemoved.length > 0) {
      deps.obs.logger.info('re-uploads of the archived bytes removed from extract/', {
        key: input.key,
        eTag: input.version,
        versionIds: reuploadsRemoved,
        archivedKey: input.archivedKey,
        executionName: input.executionName,
      });
    }
    return { ...moved, reuploadsRemoved };
  });
}

/**
 * Deletes the versions of the input's key whose ETag is the one the event named (the execution
 * input's `version`), once the archived copy is there. Safe to repeat: a version deleted by an
 * earlier attempt (or by the trigger) is no longer listed. Nothing is done on a bucket that is
 * not versioned, where a delete could remove a newer upload under the key.
 */
async function removeReuploads(store: ObjectStore, input: ExecutionInput): Promise<string[]> {
  if (input.versionId === NULL_VERSION_ID || input.version === '') return [];
  if (!(await store.head(input.bucket, input.archivedKey))) {
    throw new ObjectNotFoundError(`s3://${input.bucket}/${input.archivedKey} is missing after the move: no re-upload is deleted`);
  }
  const sameBytes = (await store.listVersions(input.bucket, input.key)).filter(
    (v) => v.eTag === input.version && v.versionId !== input.versionId && v.versionId !== NULL_VERSION_ID,
  );
  for (const version of sameBytes) await store.delete(input.bucket, input.key, version.versionId);
  return sameBytes.map((v) => v.versionId);
}
