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

/** Moves `sourceKey` to `destinationKey`; throws {@link ObjectNotFoundError} when neither exists. */
export async function moveObject(store: ObjectStore, bucket: string, sourceKey: string, destinationKey: string): Promise<MoveResult> {
  if (await store.head(bucket, sourceKey)) {
    await store.copy(bucket, sourceKey, destinationKey);
    await store.delete(bucket, sourceKey);
    return { bucket, sourceKey, destinationKey, alreadyMoved: false };
  }
  if (await store.head(bucket, destinationKey)) return { bucket, sourceKey, destinationKey, alreadyMoved: true };
  throw new ObjectNotFoundError(`neither s3://${bucket}/${sourceKey} nor s3://${bucket}/${destinationKey} exists`);
}
