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

/** What the SDK's request handler is asked and answers (the parts this test reads). */
interface HandledRequest {
  readonly method: string;
  readonly path: string;
}
interface RequestHandlerLike {
  handle(request: HandledRequest, options?: unknown): Promise<{ response: { statusCode: number; body?: { resume?: () => void } } }>;
}

describe('TransformInLambda on S3 (moto): the answer to the manifest write lost', () => {
  it('the first manifest PUT applied but its answer lost (ECONNRESET, retried by the SDK, 412 for its own write): the publication wins at once, the manifest names existing files only, the next load merges over it, no key lost', async () => {
    // Prepare: a client whose request handler is the SDK's own (NodeHttpHandler) wrapped: the
    // first PUT of the manifest after `armed` is sent and answered by moto, then fails as a reset
    // connection would; the SDK's retry strategy sends it again
    const bucket = 'etl-fast-path-lost-answer';
    const real = new S3Client(moto.clientConfig).config.requestHandler as unknown as RequestHandlerLike;
    let armed = false;
    const lost: number[] = [];
    const puts: number[] = [];
    const wrapper: RequestHandlerLike & { destroy(): void } = {
      handle: async (request, options) => {
        const answer = await real.handle(request, options);
        if (request.method === 'PUT' && request.path.endsWith('/_symlink_format_manifest/manifest')) {
          puts.push(answer.response.statusCode);
          if (armed) {
            armed = false;
            lost.push(answer.response.statusCode);
            answer.response.body?.resume?.();
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          }
        }
        return answer;
      },
      destroy: () => undefined,
    };
    const client = new S3Client({ ...moto.clientConfig, requestHandler: wrapper as never, maxAttempts: 3 });
    await client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const store = new S3ObjectStore(client);
    const lambda = createTransformInLambdaHandler({
      config,
      store,
      obs: createObservability('test'),
      workDir: mkdtempSync(path.join(os.tmpdir(), 'etl-fast-path-lost-')),
      memoryLimit: '512MB',
    });
    const loadFile = async (key: string, lines: readonly string[], ingestionDate: string) => {
      const { VersionId } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: csv(lines) }));
      const loadId = inputId(`${key}${VersionId}`);
      const Arguments = {
        '--bucket': bucket,
        '--input_key': key,
        '--input_version_id': VersionId as string,
        '--load_id': loadId,
        '--dataset': 'orders',
        '--execution_name': `orders-${loadId}`,
        '--ingestion_date': ingestionDate,
        '--report_key': runReportKey('orders', `orders-${loadId}`),
      };
      await lambda({ Arguments });
      return runReportSchema.parse(JSON.parse(await store.readText(bucket, Arguments['--report_key']).then((t) => t ?? '{}')));
    };
    const manifestFiles = async (): Promise<string[]> => parseLatestManifest((await store.readText(bucket, latestManifestKey('orders'))) ?? '');
    const stateRows = async (): Promise<Record<string, unknown>[]> => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-fast-path-lost-read-'));
      for (const [n, key] of (await manifestFiles()).entries()) {
        expect(await store.fetchToFile(bucket, key, undefined, path.join(dir, `f-${n}.parquet`))).toBe(true);
      }
      return readParquet(dir, '*.parquet');
    };
    const ids = (rows: readonly Record<string, unknown>[]): string[] => rows.map((r) => String(r.order_id)).sort();
    const order = (n: number): string => ordersLine(n);
    const base = await loadFile(
      'extract/orders-lost-1.csv',
      Array.from({ length: 20 }, (_, i) => order(i + 1)),
      '2026-11-24',
    );

    // Act: a second load merges into the state (a conditional If-Match write of the manifest)
    armed = true;
    puts.length = 0;
    const merged = await loadFile(
      'extract/orders-lost-2.csv',
      Array.from({ length: 20 }, (_, i) => order(i + 21)),
      '2026-11-25',
    );

    // Assess: moto applied the first PUT (200), the SDK's retry got 412 for it; the run read the
    // manifest back, found its own text: published with its first attempt
    expect(lost).toEqual([200]);
    expect(puts).toEqual([200, 412]);
    expect(merged).toMatchObject({ status: 'SUCCEEDED', latestRows: 40 });
    expect(await manifestFiles()).toEqual(merged.latestFiles);
    expect(merged.latestFiles.every((key) => key.includes(`-${merged.jobRunId}/`))).toBe(true);
    for (const key of await manifestFiles()) expect(await store.head(bucket, key)).toBeDefined();
    expect(ids(await stateRows())).toEqual(ids(Array.from({ length: 40 }, (_, i) => ({ order_id: `ORD-2026-${String(i + 1).padStart(7, '0')}` }))));

    // Act: a third load merges over what the second published
    const third = await loadFile(
      'extract/orders-lost-3.csv',
      Array.from({ length: 10 }, (_, i) => order(i + 41)),
      '2026-11-26',
    );

    // Assess: no key lost
    expect(base.status).toBe('SUCCEEDED');
    expect(third).toMatchObject({ status: 'SUCCEEDED', latestRows: 50 });
    expect(new Set(ids(await stateRows())).size).toBe(50);
    client.destroy();
  }, 60_000);
});
