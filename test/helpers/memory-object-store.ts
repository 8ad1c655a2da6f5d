/**
 * An {@link ObjectStore} in memory for unit tests, versioned as the pipeline's bucket: every write
 * is a new version, and a delete with a `versionId` removes only that version. It records the
 * deletes it was asked for. A version's ETag is the MD5 of its bytes, as S3's of a single-part upload.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { ObjectNotFoundError } from '../../core/errors';
import type { ObjectStore, ObjectVersion } from '../../handlers/adapters/object-store';

export class MemoryObjectStore implements ObjectStore {
  /** Every delete asked for: bucket, key and version (`undefined`: the current one). */
  readonly deletes: { bucket: string; key: string; versionId?: string }[] = [];
  /** The versions of each `bucket/key`, oldest first. */
  private readonly versions = new Map<string, { versionId: string; body: Buffer }[]>();
  private written = 0;

  /** Stores an object as a new version and returns its version id. */
  put(bucket: string, key: string, body: string | Uint8Array = '', versionId = `v${++this.written}`): string {
    const path = `${bucket}/${key}`;
    this.versions.set(path, [...(this.versions.get(path) ?? []), { versionId, body: Buffer.from(body) }]);
    return versionId;
  }

  /** The version ids `key` holds, oldest first. */
  versionIds(bucket: string, key: string): string[] {
    return (this.versions.get(`${bucket}/${key}`) ?? []).map((v) => v.versionId);
  }

  async head(bucket: string, key: string, versionId?: string): Promise<{ sizeBytes: number } | undefined> {
    const version = this.find(bucket, key, versionId);
    return version && { sizeBytes: version.body.length };
  }

  async read(bucket: string, key: string, versionId?: string): Promise<Readable> {
    const version = this.find(bucket, key, versionId);
    if (!version) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
    return Readable.from([version.body]);
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
    return versions
      .map((v, i) => ({ versionId: v.versionId, eTag: md5(v.body), sizeBytes: v.body.length, isLatest: i === versions.length - 1 }))
      .reverse();
  }

  private find(bucket: string, key: string, versionId?: string): { versionId: string; body: Buffer } | undefined {
    const versions = this.versions.get(`${bucket}/${key}`) ?? [];
    return versionId === undefined ? versions.at(-1) : versions.find((v) => v.versionId === versionId);
  }
}

/** The ETag S3 gives a single-part upload of these bytes (without its quotes). */
export function md5(body: string | Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}
