/**
 * The fast path's handler on moto's S3 server (127.0.0.1): the same transform as the local Glue
 * stand-in, reading the input version and writing the outputs, the run report and the dataset's
 * state through S3's API — the state's manifest with S3's conditional writes (moto answers 412
 * to a stale If-Match as S3 does).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { parseConfigText } from '../../core/config/dataset-config';
import { inputId, latestManifestKey, parseLatestManifest, runReportKey } from '../../core/naming';
import { runReportSchema } from '../../core/run-report';
import { S3ObjectStore } from '../../handlers/adapters/s3-object-store';
import { createObservability } from '../../handlers/observability';
import { createTransformInLambdaHandler } from '../../handlers/transform-in-lambda';
import { ORDERS_HEADER, ordersLine } from '../corpus/cases';
import { PROJECT_ROOT, readParquet } from '../helpers/local-root';
import { type MotoServer, startMotoServer } from '../helpers/moto-server';

const BUCKET = 'etl-fast-path-test';
const config = parseConfigText(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8'));
const csv = (lines: readonly string[]): string => `${[ORDERS_HEADER.join(','), ...lines].join('\n')}\n`;

let moto: MotoServer;
let s3: S3Client;
let handler: ReturnType<typeof createTransformInLambdaHandler>;

beforeAll(async () => {
  moto = await startMotoServer();
  s3 = new S3Client(moto.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  handler = createTransformInLambdaHandler({
    config,
    store: new S3ObjectStore(s3),
    obs: createObservability('test'),
    workDir: mkdtempSync(path.join(os.tmpdir(), 'etl-fast-path-')),
    memoryLimit: '512MB',
  });
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

/** Uploads a file and runs the handler on that version, as the state machine's Task would. */
async function transform(key: string, text: string, ingestionDate: string) {
  const { VersionId } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text }));
  const executionName = `orders-${inputId(`${key}${VersionId}`)}`;
  const Arguments = {
    '--bucket': BUCKET,
    '--input_key': key,
    '--input_version_id': VersionId as string,
    '--load_id': inputId(`${key}${VersionId}`),
    '--dataset': 'orders',
    '--execution_name': executionName,
    '--ingestion_date': ingestionDate,
    '--report_key': runReportKey('orders', executionName),
  };
  return { Arguments, run: () => handler({ Arguments }) };
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

async function text(key: string): Promise<string> {
  return (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString('utf-8')) ?? '';
}

/** The rows of Parquet objects, downloaded. */
async function rowsOf(objectKeys: readonly string[]): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-fast-path-read-'));
  for (const [n, key] of objectKeys.entries()) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToByteArray();
    writeFileSync(path.join(dir, `f-${n}.parquet`), body as Uint8Array);
  }
  return readParquet(dir, '*.parquet');
}

describe('S3ObjectStore: what the state publication needs of S3 (moto)', () => {
  it('writeIfMatch writes only over the token it read: If-None-Match * for none, If-Match the ETag, a lost race is false', async () => {
    // Prepare
    const store = new S3ObjectStore(s3);
    const key = 'load/latest/test/_symlink_format_manifest/manifest';

    // Act
    const created = await store.writeIfMatch(BUCKET, key, 'first\n', null);
    const again = await store.writeIfMatch(BUCKET, key, 'not written\n', null);
    const read = await store.readWithToken(BUCKET, key);
    const replaced = await store.writeIfMatch(BUCKET, key, 'second\n', read?.token ?? null);
    const stale = await store.writeIfMatch(BUCKET, key, 'not written either\n', read?.token ?? null);

    // Assess
    expect([created, again, replaced, stale]).toEqual([true, false, true, false]);
    expect(await text(key)).toBe('second\n');
    expect(await store.listKeys(BUCKET, 'load/latest/test/')).toEqual([key]);
  });
});

describe('TransformInLambda on S3 (moto)', () => {
  it('loads a file through S3: the dt= files, the run report (engine lambda), the state; a second file merges into the state', async () => {
    // Act
    const first = await transform('extract/orders-day1.csv', csv(Array.from({ length: 50 }, (_, i) => ordersLine(i + 1))), '2026-11-24');
    const run = await first.run();
    const updates = Array.from({ length: 10 }, (_, i) =>
      ordersLine(i + 1)
        .replace('2026-11-24T', '2026-11-25T')
        .replace(/,(PAID|SHIPPED|DELIVERED),/, ',REFUNDED,'),
    );
    const second = await transform('extract/orders-day2.csv', csv([...updates, ...Array.from({ length: 20 }, (_, i) => ordersLine(i + 51))]), '2026-11-25');
    await second.run();

    // Assess
    expect(run).toEqual({ Id: expect.stringMatching(/^lambda_[0-9a-f]{32}$/), JobRunState: 'SUCCEEDED' });
    const report = runReportSchema.parse(JSON.parse(await text(second.Arguments['--report_key'])));
    expect(report).toMatchObject({ status: 'SUCCEEDED', engine: 'lambda', rowsIn: 30, rowsOut: 30, latestRows: 70 });
    expect(await keys('load/orders/')).toEqual([
      `load/orders/dt=2026-11-24/part-${first.Arguments['--load_id']}-0.parquet`,
      `load/orders/dt=2026-11-25/part-${second.Arguments['--load_id']}-0.parquet`,
    ]);
    const state = parseLatestManifest(await text(latestManifestKey('orders')));
    expect(state).toEqual(report.latestFiles);
    const rows = await rowsOf(state);
    expect(rows).toHaveLength(70);
    expect(rows.filter((r) => r.status === 'REFUNDED')).toHaveLength(10);
    expect(await keys('load/_staging/')).toEqual([]);
  }, 60_000);

  it('a quality failure throws the named error after writing the FAILED report, and loads nothing', async () => {
    // Prepare: more than 10% malformed rows (the orders dataset's fail threshold)
    const bad = Array.from({ length: 5 }, (_, i) =>
      ordersLine(100 + i)
        .replace(/,EUR,/, ',EUR,not-a-time,')
        .replace(/,2026-11-24T[^,]+,/, ','),
    );
    const { Arguments, run } = await transform(
      'extract/orders-bad.csv',
      csv([...Array.from({ length: 5 }, (_, i) => ordersLine(200 + i)), ...bad]),
      '2026-11-26',
    );

    // Act
    const failure = await run().catch((e: unknown) => e as Error);

    // Assess
    expect(failure).toMatchObject({ name: 'QualityThresholdError' });
    const report = runReportSchema.parse(JSON.parse(await text(Arguments['--report_key'])));
    expect(report).toMatchObject({ status: 'FAILED', engine: 'lambda', error: { name: 'QualityThresholdError' }, latestFiles: [] });
    expect((await keys('load/orders/')).some((key) => key.includes('dt=2026-11-26'))).toBe(false);
  }, 60_000);
});
