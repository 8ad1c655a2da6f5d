/**
 * Archive: moves a processed input to `extract/archived/YYYY-MM-DD/…`. Then the other versions of
 * the key that hold the same bytes (the same content id, as the trigger named the upload) leave
 * extract/ too: re-uploads that arrived while this execution ran, which the trigger had to leave
 * in place because nothing was archived yet (duplicate-upload.ts). A version with other bytes is
 * a new upload with an execution of its own, and stays.
 */
import { ObjectNotFoundError } from '../core/errors';
import { type ExecutionInput, NULL_VERSION_ID } from '../core/execution-input';
import { executionInputSchema } from '../core/execution-input-schema';
import { isETag, type ObjectStore, type ObjectVersion } from './adapters/object-store';
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
        content: input.version,
        versionIds: reuploadsRemoved,
        archivedKey: input.archivedKey,
        executionName: input.executionName,
      });
    }
    return { ...moved, reuploadsRemoved };
  });
}

/**
 * Deletes the versions of the input's key that hold the bytes the event named (the execution
 * input's `version`), once the archived copy is there. Safe to repeat: a version deleted by an
 * earlier attempt (or by the trigger) is no longer listed. Nothing is done on a bucket that is
 * not versioned, where a delete could remove a newer upload under the key.
 */
async function removeReuploads(store: ObjectStore, input: ExecutionInput): Promise<string[]> {
  if (input.versionId === NULL_VERSION_ID || input.version === '') return [];
  if (!(await store.head(input.bucket, input.archivedKey))) {
    throw new ObjectNotFoundError(`s3://${input.bucket}/${input.archivedKey} is missing after the move: no re-upload is deleted`);
  }
  const others = (await store.listVersions(input.bucket, input.key)).filter((v) => v.versionId !== input.versionId && v.versionId !== NULL_VERSION_ID);
  const sameBytes: string[] = [];
  for (const version of others) {
    if (await holdsInput(store, input, version)) sameBytes.push(version.versionId);
  }
  for (const versionId of sameBytes) await store.delete(input.bucket, input.key, versionId);
  return sameBytes;
}

/**
 * Whether a version of the input's key holds the input's bytes. ListObjectVersions gives ETags,
 * not checksums, and an ETag is not the bytes' (SSE-KMS, multipart): each version is looked up
 * (a HEAD) for its content id. Equal ETags are the same bytes too, and decide when the input was
 * named by its ETag (the bucket had no checksum of it).
 */
async function holdsInput(store: ObjectStore, input: ExecutionInput, version: ObjectVersion): Promise<boolean> {
  if (isETag(input.version) && version.eTag === input.version) return true;
  const head = await store.head(input.bucket, input.key, version.versionId);
  return head?.contentId !== undefined && head.contentId === input.version;
}
