/** {@link ObjectStore} on Amazon S3 (SDK v3). */
import type { Readable } from 'node:stream';

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

import { ObjectNotFoundError } from '../../core/errors';
import type { ObjectStore } from './object-store';

/** S3's answers for a key that does not exist. */
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);

/** {@link ObjectStore} on Amazon S3. The client is built once per module and injected. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async head(bucket: string, key: string, versionId?: string): Promise<{ sizeBytes: number } | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return { sizeBytes: out.ContentLength ?? 0 };
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async read(bucket: string, key: string, versionId?: string): Promise<Readable> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return out.Body as Readable;
    } catch (e: unknown) {
      if (isNotFound(e)) throw new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
      throw e;
    }
  }

  async readText(bucket: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body?.transformToString('utf-8');
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async write(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async copy(bucket: string, sourceKey: string, destinationKey: string, sourceVersionId?: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: destinationKey, CopySource: copySource(bucket, sourceKey, sourceVersionId) }),
    );
  }

  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  }
}

/** `CopySource` is `bucket/key` URL-encoded, slashes kept (`?versionId=` for one version). */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const source = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return versionId === undefined ? source : `${source}?versionId=${encodeURIComponent(versionId)}`;
}

function isNotFound(e: unknown): boolean {
  return e instanceof Error && NOT_FOUND.has(e.name);
}
