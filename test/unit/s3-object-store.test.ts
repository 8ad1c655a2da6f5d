import 'aws-sdk-client-mock-jest';

import { Readable } from 'node:stream';

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

import { ObjectNotFoundError } from '../../core/errors';
import { S3ObjectStore, copySource } from '../../handlers/adapters/s3-object-store';

const BUCKET = 'etl-bucket';
const s3Mock = mockClient(S3Client);

function store(): S3ObjectStore {
  return new S3ObjectStore(new S3Client({ region: 'eu-west-1' }));
}

/** A GetObject body as the SDK returns it on Node: a Readable with `transformToString`. */
function body(bytes: Buffer): NonNullable<GetObjectCommandOutput['Body']> {
  const stream = Readable.from([bytes]);
  const sdkStream = Object.assign(stream, {
    transformToString: async (encoding: BufferEncoding = 'utf-8'): Promise<string> => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks).toString(encoding);
    },
  });
  return sdkStream as unknown as NonNullable<GetObjectCommandOutput['Body']>;
}

function accessDenied(): S3ServiceException {
  return new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
}

beforeEach(() => {
  s3Mock.reset();
});

describe('S3ObjectStore.head', () => {
  it('returns the size of an existing object', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand, { Bucket: BUCKET, Key: 'extract/orders.csv' }).resolves({ ContentLength: 4718 });

    // Act
    const head = await store().head(BUCKET, 'extract/orders.csv');

    // Assess
    expect(head).toEqual({ sizeBytes: 4718 });
    expect(s3Mock).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: BUCKET, Key: 'extract/orders.csv' });
  });

  it('returns undefined on a NotFound error', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    // Act
    const head = await store().head(BUCKET, 'extract/missing.csv');

    // Assess
    expect(head).toBeUndefined();
  });

  it('recognises NotFound by its error name alone', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));

    // Act
    const head = await store().head(BUCKET, 'extract/missing.csv');

    // Assess
    expect(head).toBeUndefined();
  });

  it('rethrows other errors', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(accessDenied());

    // Act
    const act = store().head(BUCKET, 'extract/orders.csv');

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('S3ObjectStore.read', () => {
  it('returns the body stream', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: 'extract/orders.csv' }).resolves({ Body: body(Buffer.from('a,b\n1,2\n')) });

    // Act
    const stream = await store().read(BUCKET, 'extract/orders.csv');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));

    // Assess
    expect(Buffer.concat(chunks).toString('utf-8')).toBe('a,b\n1,2\n');
  });

  it('throws ObjectNotFoundError on NoSuchKey', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    // Act
    const act = store().read(BUCKET, 'extract/gone.csv');

    // Assess
    await expect(act).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store().read(BUCKET, 'extract/gone.csv')).rejects.toThrow('s3://etl-bucket/extract/gone.csv does not exist');
  });

  it('rethrows other errors unchanged', async () => {
    // Prepare
    const denied = accessDenied();
    s3Mock.on(GetObjectCommand).rejects(denied);

    // Act
    const act = store().read(BUCKET, 'extract/orders.csv');

    // Assess
    await expect(act).rejects.toBe(denied);
  });
});

describe('S3ObjectStore.readText', () => {
  it('returns the object as UTF-8 text', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Buffer.from('{"rowsOut":3,"note":"é"}', 'utf-8')) });

    // Act
    const text = await store().readText(BUCKET, 'logs/glue-jobs/orders/x.json');

    // Assess
    expect(text).toBe('{"rowsOut":3,"note":"é"}');
  });

  it('returns undefined on NoSuchKey', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no', $metadata: {} }));

    // Act
    const text = await store().readText(BUCKET, 'logs/glue-jobs/orders/_last-success.json');

    // Assess
    expect(text).toBeUndefined();
  });
});

describe('S3ObjectStore.write, copy and delete', () => {
  it('puts the body with its content type', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});

    // Act
    await store().write(BUCKET, 'logs/report.json', '{}', 'application/json');

    // Assess
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: 'logs/report.json',
      Body: '{}',
      ContentType: 'application/json',
    });
  });

  it('copies with CopySource URL-encoded per segment, slashes kept', async () => {
    // Prepare: a small object (the copy heads its source: large ones are copied in parts)
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10 });
    s3Mock.on(CopyObjectCommand).resolves({});
    const sourceKey = 'extract/my file+é.csv';

    // Act
    await store().copy(BUCKET, sourceKey, 'extract/archived/2026-11-25/my file+é.csv');

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BUCKET,
      Key: 'extract/archived/2026-11-25/my file+é.csv',
      CopySource: 'etl-bucket/extract/my%20file%2B%C3%A9.csv',
    });
  });

  it('encodes every segment of a nested key and keeps its slashes', () => {
    // Prepare
    const key = 'extract/2026 11/a&b/100%.csv';

    // Act
    const source = copySource(BUCKET, key);

    // Assess
    expect(source).toBe('etl-bucket/extract/2026%2011/a%26b/100%25.csv');
    expect(decodeURIComponent(source)).toBe(`${BUCKET}/${key}`);
  });

  it('deletes the object', async () => {
    // Prepare
    s3Mock.on(DeleteObjectCommand).resolves({});

    // Act
    await store().delete(BUCKET, 'extract/orders.csv');

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: BUCKET, Key: 'extract/orders.csv' });
  });
});
