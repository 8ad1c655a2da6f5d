/** {@link ObjectStore} on Amazon S3 (SDK v3). */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';

import { ObjectNotFoundError } from '../../core/errors';
import type { ObjectHead, ObjectVersion, TokenedText, TransformStore } from './object-store';

/** S3's answers to a conditional write another writer won. */
const LOST_RACE = new Set(['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey']);

/** S3's answers for a key (or a version of it) that does not exist; HEAD's has no body, so no code. */
const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound']);

/**
 * The checksums S3 may hold for an object, in the order a content id is taken from them: S3's
 * default first (CRC-64/NVME, which S3 computes for every new object uploaded without a checksum,
 * and which is always of the full object), then the others from the strongest. S3 keeps the one
 * algorithm the upload chose (the AWS SDKs send CRC-32 by default, the AWS CLI CRC-64/NVME), so
 * the order only decides for an object that has several.
 */
const CHECKSUMS = [
  ['crc64nvme', 'ChecksumCRC64NVME'],
  ['sha512', 'ChecksumSHA512'],
  ['sha256', 'ChecksumSHA256'],
  ['xxhash128', 'ChecksumXXHASH128'],
  ['sha1', 'ChecksumSHA1'],
  ['md5', 'ChecksumMD5'],
  ['xxhash3', 'ChecksumXXHASH3'],
  ['xxhash64', 'ChecksumXXHASH64'],
  ['crc32c', 'ChecksumCRC32C'],
  ['crc32', 'ChecksumCRC32'],
] as const satisfies readonly (readonly [string, keyof HeadObjectCommandOutput])[];

/**
 * Checksums of 32 bits: two other files under one key share one once in 4 billion pairs, and a
 * false duplicate would delete an upload never loaded, so their content id also holds the size.
 */
const SHORT_CHECKSUMS: ReadonlySet<string> = new Set(['crc32', 'crc32c']);

/** A composite checksum (of the parts' checksums) ends with the number of parts: `…-3`. */
const PART_COUNT_SUFFIX = /-[1-9][0-9]*$/;

const MIB = 1024 * 1024;
/** S3's bounds on the parts of a multipart upload (a single CopyObject stops at 5 GiB). */
const S3_PART = { minBytes: 5 * MIB, maxBytes: 5 * 1024 * MIB, maxCount: 10_000 } as const;
/** Part copies in flight at once: S3 copies each part server-side, so a few at a time go faster. */
const PART_COPIES_IN_FLIGHT = 8;

/** Options of {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /**
   * Objects larger than this are copied in parts: a single CopyObject refuses sources above 5 GiB,
   * and one long request would use much of the Archive and Reject functions' timeouts.
   * @default 512 MiB
   */
  readonly multipartCopyThresholdBytes?: number;
  /** Size of each copied part, at least S3's 5 MiB; raised to fit S3's 10,000 parts. @default 512 MiB */
  readonly copyPartBytes?: number;
  /** `MaxKeys` of each ListObjectVersions page (versions and delete markers). @default S3's 1,000 */
  readonly listVersionsPageSize?: number;
}

/** {@link ObjectStore} on Amazon S3. The client is built once per module and injected. */
export class S3ObjectStore implements TransformStore {
  private readonly multipartCopyThresholdBytes: number;
  private readonly copyPartBytes: number;
  private readonly listVersionsPageSize: number | undefined;

  constructor(
    private readonly s3: S3Client,
    options: S3ObjectStoreOptions = {},
  ) {
    this.multipartCopyThresholdBytes = Math.min(options.multipartCopyThresholdBytes ?? 512 * MIB, S3_PART.maxBytes);
    this.copyPartBytes = options.copyPartBytes ?? 512 * MIB;
    this.listVersionsPageSize = options.listVersionsPageSize;
    if (this.copyPartBytes < S3_PART.minBytes || this.copyPartBytes > S3_PART.maxBytes) {
      throw new RangeError(`copyPartBytes must be from ${S3_PART.minBytes} to ${S3_PART.maxBytes} (S3's part sizes), got ${this.copyPartBytes}`);
    }
  }

  /** HeadObject with `ChecksumMode: ENABLED` (on an SSE-KMS object S3 then wants `kms:Decrypt` too). */
  async head(bucket: string, key: string, versionId?: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }));
      const sizeBytes = out.ContentLength ?? 0;
      const contentId = fullObjectChecksum(out, sizeBytes);
      return contentId === undefined ? { sizeBytes } : { sizeBytes, contentId };
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

  async readTail(bucket: string, key: string, versionId: string | undefined, bytes: number): Promise<Uint8Array> {
    try {
      // A suffix range: the last `bytes` bytes, or the whole object when it is smaller.
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, Range: `bytes=-${bytes}` }));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
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
    // The length given: the SDK cannot tell an empty body's (a version's empty `_replaces`) and warns.
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ContentLength: length }));
  }

  async fetchToFile(bucket: string, key: string, versionId: string | undefined, file: string): Promise<boolean> {
    let body: Readable;
    try {
      body = (await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).Body as Readable;
    } catch (e: unknown) {
      if (isNotFound(e)) return false;
      throw e;
    }
    await pipeline(body, createWriteStream(file));
    return true;
  }

  /** One PutObject streaming the file (S3 takes up to 5 GB so; the fast path's files are far smaller). */
  async putFile(bucket: string, key: string, file: string): Promise<void> {
    const { size } = await stat(file);
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
  }

  async listKeys(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  async readWithToken(bucket: string, key: string): Promise<TokenedText | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { text: (await out.Body?.transformToString('utf-8')) ?? '', token: out.ETag ?? '' };
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * S3's conditional PUT: `If-Match` the token, or `If-None-Match: *` for none. A lost race is
   * 412 PreconditionFailed, or 409 ConditionalRequestConflict while another conditional write of
   * the key is in flight (S3 asks to retry), or NoSuchKey when the object was deleted meanwhile —
   * unless the object now holds exactly `body`: the SDK retries a PUT whose response was lost
   * (ECONNRESET, a timeout), and S3 answers the retry 412 for this very write, already applied.
   * The object is read back on each such answer, and holding `body` is a win (`body` names files of
   * this attempt alone, so no other writer wrote the same text).
   */
  async writeIfMatch(bucket: string, key: string, body: string, token: string | null): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'text/plain',
          ...(token === null ? { IfNoneMatch: '*' } : { IfMatch: token }),
        }),
      );
      return true;
    } catch (e: unknown) {
      if (e instanceof Error && LOST_RACE.has(e.name)) return (await this.readText(bucket, key)) === body;
      throw e;
    }
  }

  async copy(bucket: string, sourceKey: string, destinationKey: string, sourceVersionId?: string): Promise<void> {
    const source = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: sourceKey, VersionId: sourceVersionId }));
    if ((source.ContentLength ?? 0) <= this.multipartCopyThresholdBytes) {
      await this.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: destinationKey, CopySource: copySource(bucket, sourceKey, sourceVersionId) }));
      return;
    }
    await this.copyInParts(bucket, sourceKey, destinationKey, source, sourceVersionId ?? source.VersionId);
  }

  /**
   * A multipart copy. Every part comes from the one version the head saw (by its version id, or on
   * an unversioned bucket by its ETag), so an upload under the key mid-copy cannot mix two files.
   * A failed part aborts the upload (the bucket's lifecycle rule clears what an abort misses).
   */
  private async copyInParts(
    bucket: string,
    sourceKey: string,
    destinationKey: string,
    source: HeadObjectCommandOutput,
    versionId: string | undefined,
  ): Promise<void> {
    const size = source.ContentLength ?? 0;
    const partBytes = Math.max(this.copyPartBytes, Math.ceil(size / S3_PART.maxCount));
    const ranges = Array.from({ length: Math.ceil(size / partBytes) }, (_, i) => ({
      number: i + 1,
      first: i * partBytes,
      last: Math.min(size, (i + 1) * partBytes) - 1,
    }));
    // CopyObject keeps these; a multipart upload starts without them.
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: destinationKey,
        ContentType: source.ContentType,
        ContentEncoding: source.ContentEncoding,
        ContentDisposition: source.ContentDisposition,
        ContentLanguage: source.ContentLanguage,
        CacheControl: source.CacheControl,
        Metadata: source.Metadata,
      }),
    );
    try {
      const parts = await mapConcurrently(ranges, PART_COPIES_IN_FLIGHT, async (range): Promise<CompletedPart> => {
        const out = await this.s3.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: destinationKey,
            UploadId,
            PartNumber: range.number,
            CopySource: copySource(bucket, sourceKey, versionId),
            CopySourceRange: `bytes=${range.first}-${range.last}`,
            CopySourceIfMatch: versionId === undefined ? source.ETag : undefined,
          }),
        );
        return { PartNumber: range.number, ETag: out.CopyPartResult?.ETag };
      });
      await this.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: destinationKey, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e: unknown) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: destinationKey, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  }

  /**
   * ListObjectVersions with `Prefix` = the key, page by page. S3 lists keys in UTF-8 binary order
   * and the key itself is the smallest key it prefixes, so its versions come first: the listing
   * stops at the first other key (`extract/a.csv.bak` after `extract/a.csv`).
   */
  async listVersions(bucket: string, key: string): Promise<ObjectVersion[]> {
    const versions: ObjectVersion[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await this.s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
          MaxKeys: this.listVersionsPageSize,
        }),
      );
      for (const v of page.Versions ?? []) {
        if (v.Key !== key || v.VersionId === undefined) continue;
        versions.push({ versionId: v.VersionId, eTag: unquote(v.ETag ?? ''), sizeBytes: v.Size ?? 0, isLatest: v.IsLatest === true });
      }
      const otherKey = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].some((entry) => entry.Key !== key);
      if (!page.IsTruncated || otherKey || page.NextKeyMarker === undefined) return versions;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }
}

/**
 * The content id of a HeadObject answer: `<algorithm>:<base64>` of the first full-object checksum
 * in {@link CHECKSUMS} (`:<size>` after a 32-bit one), or `undefined` when S3 gave none. A
 * composite checksum (`ChecksumType: COMPOSITE`, or a value ending in `-<parts>`) depends on the
 * part size, so it is none. A checksum without a type (moto never gives one on a HEAD) counts when
 * it has no part count.
 */
export function fullObjectChecksum(head: Pick<HeadObjectCommandOutput, (typeof CHECKSUMS)[number][1] | 'ChecksumType'>, sizeBytes: number): string | undefined {
  if (head.ChecksumType === 'COMPOSITE') return undefined;
  for (const [algorithm, field] of CHECKSUMS) {
    const value = head[field];
    if (value === undefined || value === '') continue;
    if (PART_COUNT_SUFFIX.test(value)) return undefined;
    return SHORT_CHECKSUMS.has(algorithm) ? `${algorithm}:${value}:${sizeBytes}` : `${algorithm}:${value}`;
  }
  return undefined;
}

/** An ETag as S3's APIs answer it (`"…"`), as event notifications name it (no quotes). */
function unquote(eTag: string): string {
  return eTag.replace(/^"(.*)"$/, '$1');
}

/** `CopySource` is `bucket/key` URL-encoded, slashes kept (`?versionId=` for one version). */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const source = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return versionId === undefined ? source : `${source}?versionId=${encodeURIComponent(versionId)}`;
}

function isNotFound(e: unknown): boolean {
  return e instanceof Error && NOT_FOUND.has(e.name);
}

/** `work` on every item, at most `limit` at a time, stopping at the first failure; the results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (e: unknown) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
