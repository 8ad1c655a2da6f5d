/**
 * An {@link ObjectStore} in memory for unit tests, versioned as the pipeline's bucket: every write
 * is a new version, and a delete with a `versionId` removes only that version. It records the
 * deletes it was asked for. A version's ETag and its content id are the MD5 of its bytes, as the
 * folder bucket's, unless {@link MemoryObjectStore.put} is told otherwise: an ETag of its own (S3's
 * for an SSE-KMS upload, or a multipart one) or no content id (an S3 object without a checksum).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { ObjectNotFoundError } from '../../core/errors';
import type { ObjectHead, ObjectStore, ObjectVersion } from '../../handlers/adapters/object-store';

/** How {@link MemoryObjectStore.put} stores a version. */
export interface PutOptions {
  /** @default `v<n>` */
  readonly versionId?: string;
  /** @default the MD5 of the bytes */
  readonly eTag?: string;
  /** `null`: none, as S3 has for an object stored without a checksum. @default the MD5 of the bytes */
  readonly contentId?: string | null;
}

interface StoredVersion {
  readonly versionId: string;
  readonly body: Buffer;
  readonly eTag: string;
  readonly contentId: string | undefined;
}

export class MemoryObjectStore implements ObjectStore {
  /** Every delete asked for: bucket, key and version (`undefined`: the current one). */
  readonly deletes: { bucket: string; key: string; versionId?: string }[] = [];
  /** Every head asked for: bucket, key and version. */
  readonly heads: { bucket: string; key: string; versionId?: string }[] = [];
  /** The versions of each `bucket/key`, oldest first. */
  private readonly versions = new Map<string, StoredVersion[]>();
  private written = 0;

  /** Stores an object as a new version and returns its version id (`options` as a string: the version id). */
  put(bucket: string, key: string, body: string | Uint8Array = '', options: string | PutOptions = {}): string {
    const { versionId = `v${++this.written}`, eTag = md5(body), contentId = md5(body) } = typeof options === 'string' ? { versionId: options } : options;
    const path = `${bucket}/${key}`;
    const version = { versionId, body: Buffer.from(body), eTag, contentId: contentId ?? undefined };
    this.versions.set(path, [...(this.versions.get(path) ?? []), version]);
    return versionId;
  }

  /** The version ids `key` holds, oldest first. */
  versionIds(bucket: string, key: string): string[] {
    return (this.versions.get(`${bucket}/${key}`) ?? []).map((v) => v.versionId);
  }

  async head(bucket: string, key: string, versionId?: string): Promise<ObjectHead | undefined> {
    this.heads.push({ bucket, key, versionId });
    const version = this.find(bucket, key, versionId);
    if (!version) return undefined;
    return version.contentId === undefined ? { sizeBytes: version.body.length } : { sizeBytes: version.body.length, contentId: version.contentId };
  }

  async read(bucket: string, key: string, versionId?: string): Promise<Readable> {
    const version = this.find(bucket, key, versionId);
    if (!version) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    return Readable.from([version.body]);
  }

  async readTail(bucket: string, key: string, versionId: string | undefined, bytes: number): Promise<Uint8Array> {
    const version = this.find(bucket, key, versionId);
    if (!version) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    return version.body.subarray(Math.max(0, version.body.length - bytes));
  }

  async readText(bucket: string, key: string): Promise<string | undefined> {
    return this.find(bucket, key)?.body.toString('utf-8');
  }

  async write(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
    this.put(bucket, key, body);
  }

  async copy(bucket: string, sourceKey: string, destinationKey: string, sourceVersionId?: string): Promise<void> {
    const source = this.find(bucket, sourceKey, sourceVersionId);
    if (!source) throw new ObjectNotFoundError(`s3://${bucket}/${sourceKey} does not exist`);
    this.put(bucket, destinationKey, source.body);
  }

  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    this.deletes.push({ bucket, key, versionId });
    const path = `${bucket}/${key}`;
    const kept = (this.versions.get(path) ?? []).filter((v, i, all) => (versionId === undefined ? i !== all.length - 1 : v.versionId !== versionId));
    this.versions.set(path, kept);
  }

  async listVersions(bucket: string, key: string): Promise<ObjectVersion[]> {
    const versions = this.versions.get(`${bucket}/${key}`) ?? [];
    return versions.map((v, i) => ({ versionId: v.versionId, eTag: v.eTag, sizeBytes: v.body.length, isLatest: i === versions.length - 1 })).reverse();
  }

  private find(bucket: string, key: string, versionId?: string): StoredVersion | undefined {
    const versions = this.versions.get(`${bucket}/${key}`) ?? [];
    return versionId === undefined ? versions.at(-1) : versions.find((v) => v.versionId === versionId);
  }
}

/** The ETag S3 gives a single-part upload of these bytes (without its quotes). */
export function md5(body: string | Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}
