/**
 * The object storage the handlers need, as a small interface: Amazon S3 on AWS
 * ({@link S3ObjectStore}), a folder on a laptop (`local/folder-bucket.ts`).
 */
import type { Readable } from 'node:stream';

/** One version of an object, as {@link ObjectStore.listVersions} lists it. */
export interface ObjectVersion {
  readonly versionId: string;
  /**
   * The ETag without S3's surrounding quotes, as an S3 event notification names it (and so as
   * the execution input's `version` holds it): equal ETags under one key are the same bytes.
   */
  readonly eTag: string;
  readonly sizeBytes: number;
  /** Whether this version is the current object of the key. */
  readonly isLatest: boolean;
}

/**
 * Object storage as the pipeline uses it. Keys are plain S3 keys (not URL-encoded). A `versionId`
 * names one version of the object (S3's; `"null"` for an unversioned one); without it, the
 * current version.
 */
export interface ObjectStore {
  /** Size of the object, or `undefined` when it (that version) does not exist. */
  head(bucket: string, key: string, versionId?: string): Promise<{ readonly sizeBytes: number } | undefined>;
  /** A byte stream of the object; throws `ObjectNotFoundError` when it does not exist. */
  read(bucket: string, key: string, versionId?: string): Promise<Readable>;
  /** The object as UTF-8 text, or `undefined` when it does not exist. */
  readText(bucket: string, key: string): Promise<string | undefined>;
  /** Creates or replaces an object. */
  write(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** Server-side copy within the bucket (of that version of the source). */
  copy(bucket: string, sourceKey: string, destinationKey: string, sourceVersionId?: string): Promise<void>;
  /**
   * Deletes an object (no error when it is already gone). With a `versionId`, only that version:
   * a newer upload under the key stays.
   */
  delete(bucket: string, key: string, versionId?: string): Promise<void>;
  /**
   * Every version `key` holds (exactly that key: not the other keys it is a prefix of), newest
   * first. Delete markers are not versions and are left out.
   */
  listVersions(bucket: string, key: string): Promise<readonly ObjectVersion[]>;
}
