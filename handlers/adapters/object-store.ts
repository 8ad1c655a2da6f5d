/**
 * The object storage the handlers need, as a small interface: Amazon S3 on AWS
 * ({@link S3ObjectStore}), a folder on a laptop (`local/runtime/folder-bucket.ts`).
 */
import type { Readable } from 'node:stream';

/** One version of an object, as {@link ObjectStore.listVersions} lists it. */
export interface ObjectVersion {
  readonly versionId: string;
  /**
   * The ETag without S3's surrounding quotes, as an S3 event notification names it. Equal ETags
   * are the same bytes, but the same bytes may have other ETags: on S3 an object encrypted with
   * SSE-KMS or SSE-C gets an ETag of its own at each upload, and a multipart upload's depends on
   * its part size. What identifies the bytes is {@link ObjectHead.contentId} (ListObjectVersions
   * does not return checksums).
   */
  readonly eTag: string;
  readonly sizeBytes: number;
  /** Whether this version is the current object of the key. */
  readonly isLatest: boolean;
}

/** What {@link ObjectStore.head} tells of an object (one version of it). */
export interface ObjectHead {
  readonly sizeBytes: number;
  /**
   * A checksum of the bytes that is the same for the same bytes however they were uploaded or
   * encrypted (single part or multipart, any part size, SSE-KMS or not), prefixed with its
   * algorithm on S3 (`crc64nvme:<base64>`: S3's full-object checksum). `undefined` when the store
   * has none for this object (on S3: an object stored before S3's default checksums, or with a
   * composite checksum only); the pipeline then falls back to the ETag.
   */
  readonly contentId?: string;
}

/**
 * Whether an upload's identity (the execution input's `version`) is an ETag, S3's form of one
 * (32 hex digits, `-<parts>` after a multipart upload's): the trigger's fallback when the store
 * gave no {@link ObjectHead.contentId}. A content id of S3 (`<algorithm>:<checksum>`) is not one.
 * (The local stores' content id is the MD5 of the bytes, which is their ETag too.)
 */
export function isETag(identity: string): boolean {
  return /^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/.test(identity);
}

/**
 * Object storage as the pipeline uses it. Keys are plain S3 keys (not URL-encoded). A `versionId`
 * names one version of the object (S3's; `"null"` for an unversioned one); without it, the
 * current version.
 */
export interface ObjectStore {
  /** Size and content id of the object, or `undefined` when it (that version) does not exist. */
  head(bucket: string, key: string, versionId?: string): Promise<ObjectHead | undefined>;
  /** A byte stream of the object; throws `ObjectNotFoundError` when it does not exist. */
  read(bucket: string, key: string, versionId?: string): Promise<Readable>;
  /**
   * The last `bytes` bytes of the object (all of it when smaller): a ranged read, e.g. a gzip
   * file's trailer. Throws `ObjectNotFoundError` when it does not exist.
   */
  readTail(bucket: string, key: string, versionId: string | undefined, bytes: number): Promise<Uint8Array>;
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

/** An object's text with a token of its bytes, for a conditional write ({@link TransformStore.writeIfMatch}). */
export interface TokenedText {
  readonly text: string;
  /** S3's ETag of the object (a folder's: the MD5 of its bytes, as S3's of such an object). */
  readonly token: string;
}

/**
 * What the DuckDB transform needs of the bucket beyond {@link ObjectStore}: local files in and out
 * (a Lambda reads and writes through S3; a folder links and moves) and S3's conditional write, for
 * the dataset state's manifest.
 */
export interface TransformStore extends ObjectStore {
  /** Makes that version of the object a local file at `file` (downloaded; a folder may link it); `false` when it does not exist. */
  fetchToFile(bucket: string, key: string, versionId: string | undefined, file: string): Promise<boolean>;
  /** Stores a local file's bytes under `key`; the file stays where it is. */
  putFile(bucket: string, key: string, file: string): Promise<void>;
  /** The keys under a prefix, sorted. */
  listKeys(bucket: string, prefix: string): Promise<string[]>;
  /** The object's text and token, or `undefined` when there is none. */
  readWithToken(bucket: string, key: string): Promise<TokenedText | undefined>;
  /**
   * Replaces the object only while it still has `token` (`null`: only while there is none);
   * `false`, changing nothing, when another writer got there first. `true` too when the object
   * already holds exactly `body`: this write's own, applied by an earlier try whose answer was lost
   * (the SDK retries it, and the retry finds the token changed — by this very write).
   */
  writeIfMatch(bucket: string, key: string, body: string, token: string | null): Promise<boolean>;
}
