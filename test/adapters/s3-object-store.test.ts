/**
 * S3ObjectStore against moto's S3 server on 127.0.0.1 — what S3 answers, not only the calls made:
 * keys that need encoding, head, read, copy (single and multipart), delete, missing keys and
 * versions, the versions of one key listed, on a versioned bucket as the pipeline's is, and the
 * content id a head gives (the same bytes, however uploaded, one id). aws-sdk-client-mock only
 * injects what moto cannot produce (a part copy failing halfway).
 *
 * moto (5.2) keeps a checksum only when the upload names an algorithm: the one the client sent on
 * a PutObject (the SDK sends CRC-32 by default), the one CreateMultipartUpload named, computed
 * over the whole object for FULL_OBJECT; unlike S3, none for an upload without one. Without the
 * awscrt package, moto's own CRC-64/NVME of a multipart upload is a CRC-32 in disguise, so a
 * multipart CRC-64/NVME is only compared with another multipart one here.
 */
import 'aws-sdk-client-mock-jest';

import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

import {
  AbortMultipartUploadCommand,
  type ChecksumAlgorithm,
  type ChecksumType,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

import { ObjectNotFoundError } from '../../core/errors';
import { fullObjectChecksum, S3ObjectStore } from '../../handlers/adapters/s3-object-store';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';

/** Keys as uploads name them: spaces, `+`, `%`, `#`, brackets, `&`, `=`, non-ASCII. */
const KEYS = [
  'extract/plain.csv',
  'extract/with space.csv',
  'extract/a+b.csv',
  'extract/100%.csv',
  'extract/#1.csv',
  'extract/[1].csv',
  'extract/a&b=c.csv',
  'extract/ünï/東京 2026.csv',
];
const MIB = 1024 * 1024;

let moto: MotoServer;
let s3: S3Client;
let store: S3ObjectStore;
let bucketCount = 0;

/** A fresh bucket, versioned (as the pipeline's) unless told otherwise. */
async function bucket(versioned = true): Promise<string> {
  bucketCount += 1;
  const name = `etl-test-${process.pid}-${bucketCount}`;
  await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  return name;
}

async function put(
  name: string,
  key: string,
  body: string | Uint8Array,
  extra: { ContentType?: string; Metadata?: Record<string, string> } = {},
): Promise<string | undefined> {
  return (await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body, ...extra }))).VersionId;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The content id of bytes the SDK uploaded in one part with its default checksum (CRC-32). */
const crc32Id = (bytes: string | Uint8Array): string => {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(bytes));
  return `crc32:${crc.toString('base64')}:${Buffer.byteLength(bytes)}`;
};

beforeAll(async () => {
  moto = await startMotoServer();
  s3 = new S3Client(moto.clientConfig);
  store = new S3ObjectStore(s3);
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

describe('keys that need encoding', () => {
  let name: string;
  beforeAll(async () => {
    name = await bucket();
  });

  it.each(KEYS)('%s: head, read, readText, copy and delete', async (key) => {
    // Prepare
    const text = 'order_id,qty\n1,2\n';
    await store.write(name, key, text, 'text/csv');
    const destination = key.replace('extract/', 'extract/archived/2026-11-25/');

    // Act
    const head = await store.head(name, key);
    const read = (await bytesOf(await store.read(name, key))).toString('utf-8');
    const readText = await store.readText(name, key);
    await store.copy(name, key, destination);
    await store.delete(name, key);

    // Assess
    expect(head).toEqual({ sizeBytes: Buffer.byteLength(text), contentId: crc32Id(text) });
    expect([read, readText]).toEqual([text, text]);
    expect(await store.readText(name, destination)).toBe(text);
    expect(await store.head(name, key)).toBeUndefined();
  });
});

describe('missing keys', () => {
  let name: string;
  beforeAll(async () => {
    name = await bucket();
  });

  it('head and readText answer undefined; read throws ObjectNotFoundError; delete succeeds', async () => {
    // Act / Assess
    expect(await store.head(name, 'extract/none.csv')).toBeUndefined();
    expect(await store.readText(name, 'logs/glue-jobs/orders/none.json')).toBeUndefined();
    await expect(store.read(name, 'extract/none.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.delete(name, 'extract/none.csv')).resolves.toBeUndefined();
  });

  it('a version that does not exist (any more) is missing too', async () => {
    // Prepare: a version, deleted for good
    const version = await put(name, 'extract/gone.csv', 'a\n');
    await put(name, 'extract/gone.csv', 'b\n');
    await store.delete(name, 'extract/gone.csv', version);

    // Act / Assess
    expect(await store.head(name, 'extract/gone.csv', version)).toBeUndefined();
    await expect(store.read(name, 'extract/gone.csv', version)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});

describe('versioned objects', () => {
  let name: string;
  let first: string | undefined;
  beforeAll(async () => {
    // Prepare: the event named version 1; the key was overwritten since
    name = await bucket();
    first = await put(name, 'extract/orders.csv', 'version one\n');
    await put(name, 'extract/orders.csv', 'version two!\n');
  });

  it('reads, heads and copies the version named, not the current one', async () => {
    // Act
    const head = await store.head(name, 'extract/orders.csv', first);
    const read = (await bytesOf(await store.read(name, 'extract/orders.csv', first))).toString('utf-8');
    await store.copy(name, 'extract/orders.csv', 'extract/archived/2026-11-25/orders.csv', first);

    // Assess
    expect(head).toEqual({ sizeBytes: 12, contentId: crc32Id('version one\n') });
    expect(read).toBe('version one\n');
    expect(await store.readText(name, 'extract/archived/2026-11-25/orders.csv')).toBe('version one\n');
    expect(await store.readText(name, 'extract/orders.csv')).toBe('version two!\n');
  });

  it('reads the tail of the version named (a ranged GET), all of it when shorter', async () => {
    // Act
    const tail = await store.readTail(name, 'extract/orders.csv', first, 4);
    const whole = await store.readTail(name, 'extract/orders.csv', first, 100);

    // Assess
    expect(Buffer.from(tail).toString('utf-8')).toBe('one\n');
    expect(Buffer.from(whole).toString('utf-8')).toBe('version one\n');
    await expect(store.readTail(name, 'extract/gone.csv', undefined, 4)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('deletes only the version named: the newer upload stays', async () => {
    // Act
    await store.delete(name, 'extract/orders.csv', first);

    // Assess
    expect(await store.head(name, 'extract/orders.csv', first)).toBeUndefined();
    expect(await store.readText(name, 'extract/orders.csv')).toBe('version two!\n');
  });

  it('deleting without a version leaves a delete marker: the key reads as missing', async () => {
    // Prepare
    await put(name, 'extract/marker.csv', 'x\n');

    // Act
    await store.delete(name, 'extract/marker.csv');

    // Assess
    expect(await store.head(name, 'extract/marker.csv')).toBeUndefined();
  });
});

describe('the versions of one key', () => {
  const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

  it.each(['extract/orders.csv', 'extract/ünï/東京 2026+1.csv'])(
    '%s: every version newest first, ETags unquoted, no delete marker, no other key it prefixes',
    async (key) => {
      // Prepare: the same bytes twice, other bytes between, a delete marker; keys the key prefixes
      const name = await bucket();
      await put(name, `${key}.bak`, 'a\n');
      const first = await put(name, key, 'a\n');
      const second = await put(name, key, 'bb\n');
      await store.delete(name, key);
      const third = await put(name, key, 'a\n');
      await put(name, `${key}/inner.csv`, 'a\n');
      await put(name, `${key}2`, 'a\n');

      // Act
      const versions = await store.listVersions(name, key);

      // Assess
      expect(versions).toEqual([
        { versionId: third, eTag: md5('a\n'), sizeBytes: 2, isLatest: true },
        { versionId: second, eTag: md5('bb\n'), sizeBytes: 3, isLatest: false },
        { versionId: first, eTag: md5('a\n'), sizeBytes: 2, isLatest: false },
      ]);
    },
  );

  it('page by page (MaxKeys), stopping at the first other key', async () => {
    // Prepare: 5 versions of the key, 4 of a key it prefixes (listed after it)
    const name = await bucket();
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 5; i += 1) ids.unshift(await put(name, 'extract/daily.csv', `day ${i}\n`));
    for (let i = 0; i < 4; i += 1) await put(name, 'extract/daily.csv.1', `old ${i}\n`);
    const client = new S3Client(moto.clientConfig);
    const send = jest.spyOn(client, 'send');
    const paged = new S3ObjectStore(client, { listVersionsPageSize: 2 });

    // Act
    const versions = await paged.listVersions(name, 'extract/daily.csv');

    // Assess: pages of 2, 2, then 1 + the other key's first version, where the listing stops
    expect(versions.map((v) => v.versionId)).toEqual(ids);
    expect(versions.map((v) => v.isLatest)).toEqual([true, false, false, false, false]);
    const lists = send.mock.calls.map(([command]) => command).filter((command) => command instanceof ListObjectVersionsCommand);
    expect(lists.map((command) => command.input.MaxKeys)).toEqual([2, 2, 2]);
    client.destroy();
  });

  it('a key with no versions (or no such key) lists none', async () => {
    // Prepare
    const name = await bucket();
    await put(name, 'extract/other.csv', 'x\n');

    // Act / Assess
    expect(await store.listVersions(name, 'extract/none.csv')).toEqual([]);
  });
});

describe('copies above the multipart threshold', () => {
  // S3's smallest part is 5 MiB: an 11 MiB object is three parts (5, 5, 1).
  const small = (): S3ObjectStore => new S3ObjectStore(s3, { multipartCopyThresholdBytes: MIB, copyPartBytes: 5 * MIB });
  const body = randomBytes(11 * MIB);

  it.each([true, false])('copy the object part by part, bytes, type and metadata kept (versioned bucket: %s)', async (versioned) => {
    // Prepare
    const name = await bucket(versioned);
    await put(name, 'extract/big orders+1.csv', body, { ContentType: 'text/csv', Metadata: { source: 'upload' } });

    // Act
    await small().copy(name, 'extract/big orders+1.csv', 'extract/archived/2026-11-25/big orders+1.csv');

    // Assess: a multipart object ("<md5 of the parts' md5s>-<parts>") with the same bytes
    const copied = await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'extract/archived/2026-11-25/big orders+1.csv' }));
    expect(copied.ETag).toMatch(/-3"$/);
    expect(copied).toMatchObject({ ContentLength: body.length, ContentType: 'text/csv', Metadata: { source: 'upload' } });
    expect(sha256(await bytesOf(await store.read(name, 'extract/archived/2026-11-25/big orders+1.csv')))).toBe(sha256(body));
  });

  it('copy every part from the version named, after the key was overwritten', async () => {
    // Prepare
    const name = await bucket();
    const first = await put(name, 'extract/big.csv', body);
    await put(name, 'extract/big.csv', randomBytes(12 * MIB));

    // Act
    await small().copy(name, 'extract/big.csv', 'extract/rejected/2026-11-25/big.csv', first);

    // Assess
    expect(sha256(await bytesOf(await store.read(name, 'extract/rejected/2026-11-25/big.csv')))).toBe(sha256(body));
  });

  it('stay a single CopyObject at or below the threshold', async () => {
    // Prepare
    const name = await bucket();
    await put(name, 'extract/small.csv', randomBytes(MIB));

    // Act
    await small().copy(name, 'extract/small.csv', 'extract/archived/small.csv');

    // Assess: a single-part object's ETag is its MD5, with no part count
    const copied = await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'extract/archived/small.csv' }));
    expect(copied.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('abort the upload when a part fails, and fail with the part error (injected: moto cannot fail a part)', async () => {
    // Prepare
    const client = new S3Client({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(HeadObjectCommand).resolves({ ContentLength: 20 * MIB, ETag: '"abc"', VersionId: 'v1' });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    mock.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    mock.on(UploadPartCopyCommand, { PartNumber: 2 }).rejects(Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' }));
    mock.on(AbortMultipartUploadCommand).resolves({});
    const failing = new S3ObjectStore(client, { multipartCopyThresholdBytes: MIB, copyPartBytes: 5 * MIB });

    // Act
    const act = failing.copy('etl-bucket', 'extract/big.csv', 'extract/archived/big.csv', 'v1');

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InternalError' });
    expect(mock).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: 'etl-bucket', Key: 'extract/archived/big.csv', UploadId: 'upload-1' });
    expect(mock).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    expect(mock).toHaveReceivedCommandWith(UploadPartCopyCommand, {
      CopySource: 'etl-bucket/extract/big.csv?versionId=v1',
      CopySourceRange: 'bytes=5242880-10485759',
    });
  });

  it('refuse a part size S3 would refuse', () => {
    expect(() => new S3ObjectStore(s3, { copyPartBytes: MIB })).toThrow(RangeError);
  });
});

describe('content ids: the same bytes, however uploaded, one id', () => {
  const KEY = 'extract/orders-daily.csv';
  // 11 MiB: three parts of 5 MiB (5, 5, 1) or two of 6 MiB (6, 5), S3's smallest part being 5 MiB.
  const body = randomBytes(11 * MIB);
  let name: string;
  beforeAll(async () => {
    name = await bucket();
  });

  /** A multipart upload of `bytes` in parts of `partBytes`; returns the version id. */
  async function multipart(bytes: Buffer, partBytes: number, checksum: { algorithm?: ChecksumAlgorithm; type?: ChecksumType } = {}): Promise<string> {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: name, Key: KEY, ChecksumAlgorithm: checksum.algorithm, ChecksumType: checksum.type }),
    );
    const parts = [];
    for (let first = 0, number = 1; first < bytes.length; first += partBytes, number += 1) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: name,
          Key: KEY,
          UploadId,
          PartNumber: number,
          Body: bytes.subarray(first, first + partBytes),
          ChecksumAlgorithm: checksum.algorithm,
        }),
      );
      parts.push({ PartNumber: number, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC64NVME: out.ChecksumCRC64NVME });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: name, Key: KEY, UploadId, MultipartUpload: { Parts: parts } }));
    return done.VersionId as string;
  }

  async function eTagOf(versionId: string): Promise<string> {
    return (await store.listVersions(name, KEY)).find((v) => v.versionId === versionId)?.eTag as string;
  }

  it('two single-part uploads with CRC-64/NVME: one content id, crc64nvme:<base64>', async () => {
    // Prepare
    const first = await s3.send(new PutObjectCommand({ Bucket: name, Key: KEY, Body: body, ChecksumAlgorithm: 'CRC64NVME' }));
    const again = await s3.send(new PutObjectCommand({ Bucket: name, Key: KEY, Body: body, ChecksumAlgorithm: 'CRC64NVME' }));

    // Act
    const one = await store.head(name, KEY, first.VersionId);
    const two = await store.head(name, KEY, again.VersionId);

    // Assess: a 64-bit checksum is 8 bytes, 12 characters of base64
    expect(one?.contentId).toMatch(/^crc64nvme:[A-Za-z0-9+/]{11}=$/);
    expect(two).toEqual(one);
    expect(one?.contentId).toBe(`crc64nvme:${first.ChecksumCRC64NVME}`);
  });

  it('multipart uploads with other part sizes: other ETags, one content id', async () => {
    // Prepare
    const fives = await multipart(body, 5 * MIB, { algorithm: 'CRC64NVME' });
    const sixes = await multipart(body, 6 * MIB, { algorithm: 'CRC64NVME' });

    // Act
    const [one, two] = [await store.head(name, KEY, fives), await store.head(name, KEY, sixes)];

    // Assess
    expect(await eTagOf(fives)).toMatch(/-3$/);
    expect(await eTagOf(sixes)).toMatch(/-2$/);
    expect(one?.contentId).toMatch(/^crc64nvme:/);
    expect(two?.contentId).toBe(one?.contentId);
  });

  it("one part with the SDK's default checksum (CRC-32) and multipart with a full-object CRC-32: other ETags, one content id, with the size", async () => {
    // Prepare
    const single = await put(name, KEY, body);
    const parts = await multipart(body, 5 * MIB, { algorithm: 'CRC32', type: 'FULL_OBJECT' });

    // Act
    const [one, two] = [await store.head(name, KEY, single), await store.head(name, KEY, parts)];

    // Assess
    expect(await eTagOf(single as string)).not.toBe(await eTagOf(parts));
    expect(one).toEqual({ sizeBytes: body.length, contentId: crc32Id(body) });
    expect(two).toEqual(one);
  });

  it('other bytes under the key: another content id', async () => {
    // Prepare
    const other = Buffer.from(body);
    other[other.length - 1] ^= 0xff;
    const versions = [
      (await s3.send(new PutObjectCommand({ Bucket: name, Key: KEY, Body: body, ChecksumAlgorithm: 'CRC64NVME' }))).VersionId,
      (await s3.send(new PutObjectCommand({ Bucket: name, Key: KEY, Body: other, ChecksumAlgorithm: 'CRC64NVME' }))).VersionId,
      await put(name, KEY, body),
      await put(name, KEY, other),
    ];

    // Act
    const ids = await Promise.all(versions.map(async (v) => (await store.head(name, KEY, v))?.contentId));

    // Assess
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[3]).not.toBe(ids[2]);
  });

  it('none for an object stored without a checksum, or with a composite one (it depends on the part size)', async () => {
    // Prepare: moto keeps no checksum for a multipart upload that names none (S3 would add its CRC-64/NVME)
    const without = await multipart(body, 5 * MIB);
    const composite = await multipart(body, 5 * MIB, { algorithm: 'CRC32', type: 'COMPOSITE' });

    // Act
    const [one, two] = [await store.head(name, KEY, without), await store.head(name, KEY, composite)];

    // Assess
    expect(one).toEqual({ sizeBytes: body.length });
    expect(two).toEqual({ sizeBytes: body.length });
  });

  it('heads with ChecksumMode ENABLED and the version named', async () => {
    // Prepare
    const version = await put(name, KEY, 'a\n');
    const client = new S3Client(moto.clientConfig);
    const send = jest.spyOn(client, 'send');

    // Act
    await new S3ObjectStore(client).head(name, KEY, version);

    // Assess
    const heads = send.mock.calls.map(([command]) => command).filter((command) => command instanceof HeadObjectCommand);
    expect(heads.map((command) => command.input)).toEqual([{ Bucket: name, Key: KEY, VersionId: version, ChecksumMode: 'ENABLED' }]);
    client.destroy();
  });
});

describe('fullObjectChecksum', () => {
  it.each([
    ["CRC-64/NVME, S3's default", { ChecksumCRC64NVME: 'Hr8HqRxQZ2A=', ChecksumType: 'FULL_OBJECT' }, 'crc64nvme:Hr8HqRxQZ2A='],
    ['CRC-64/NVME without a type (always of the full object)', { ChecksumCRC64NVME: 'Hr8HqRxQZ2A=' }, 'crc64nvme:Hr8HqRxQZ2A='],
    [
      'CRC-64/NVME before another',
      { ChecksumSHA256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=', ChecksumCRC64NVME: 'Hr8HqRxQZ2A=', ChecksumType: 'FULL_OBJECT' },
      'crc64nvme:Hr8HqRxQZ2A=',
    ],
    [
      'SHA-256 of a single part',
      { ChecksumSHA256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=', ChecksumType: 'FULL_OBJECT' },
      'sha256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
    ],
    ['CRC-32C, with the size', { ChecksumCRC32C: 'yZRlqg==', ChecksumType: 'FULL_OBJECT' }, 'crc32c:yZRlqg==:4718'],
    ['a composite checksum', { ChecksumCRC32: 'u8Lw+Q==-3', ChecksumType: 'COMPOSITE' }, undefined],
    ['a composite checksum without a type', { ChecksumSHA1: 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=-12' }, undefined],
    ['no checksum', {}, undefined],
  ] as const)('%s', (_, head, expected) => {
    // Act / Assess
    expect(fullObjectChecksum(head, 4718)).toBe(expected);
  });
});
