/**
 * Moving an object within the bucket (copy, then delete), safe to repeat: a retry or a redrive
 * that finds the source gone and the destination present treats the move as done.
 */
import { ObjectNotFoundError } from '../core/errors';
import type { ObjectStore } from './adapters/object-store';

/** Where the object is now. */
export interface MoveResult {
  readonly bucket: string;
  readonly sourceKey: string;
  readonly destinationKey: string;
  readonly alreadyMoved: boolean;
}

/**
 * Moves one version of `sourceKey` to `destinationKey`: copied first, and only that version
 * deleted after (a newer upload under the key stays in place). Throws
 * {@link ObjectNotFoundError} when neither exists.
 */
export async function moveObject(store: ObjectStore, bucket: string, sourceKey: string, versionId: string, destinationKey: string): Promise<MoveResult> {
  if (await store.head(bucket, sourceKey, versionId)) {
    await store.copy(bucket, sourceKey, destinationKey, versionId);
    await store.delete(bucket, sourceKey, versionId);
    return { bucket, sourceKey, destinationKey, alreadyMoved: false };
  }
  if (await store.head(bucket, destinationKey)) return { bucket, sourceKey, destinationKey, alreadyMoved: true };
  throw new ObjectNotFoundError(`neither s3://${bucket}/${sourceKey} nor s3://${bucket}/${destinationKey} exists`);
}
