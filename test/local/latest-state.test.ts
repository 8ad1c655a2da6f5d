/**
 * The dataset's current state, `load/latest/<dataset>/`: the latest row per key across every load,
 * outside the dataset's table, published by a manifest written last. Through both transforms: the
 * fast path's DuckDB transform (the local Glue stand-in's own) and glue/etl_runner.py on local Spark
 * (the Glue route; each report names the engine that ran).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { parseConfigText } from '../../core/config/dataset-config';
import {
  LATEST_VERSION_RETENTION_MS,
  latestManifestKey,
  latestReplacesKey,
  latestVersionOf,
  parseLatestManifest,
  parseLatestReplaces,
} from '../../core/naming';
import { runReportSchema } from '../../core/run-report';
import { main } from '../../local/cli/main';
import { DuckDbGlueJob } from '../../local/runtime/engines/duckdb-job';
import type { EngineName, JobArguments } from '../../local/runtime/engines/glue-job';
import { FolderBucket } from '../../local/runtime/folder-bucket';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { ORDERS_HEADER, ordersLine } from '../corpus/cases';
import { glueRouteConfig } from '../helpers/fast-path-config';
import { PROJECT_ROOT, readParquet, tempRoot, writeCsv } from '../helpers/local-root';

const header = ORDERS_HEADER.join(',');
const csv = (lines: readonly string[]): string => `${[header, ...lines].join('\n')}\n`;
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
/** Order n, updated a day later: a later order_ts and another status. */
const updatedLine = (n: number): string =>
  ordersLine(n)
    .replace('2026-11-24T', '2026-11-25T')
    .replace(/,(PAID|SHIPPED|DELIVERED),/, ',REFUNDED,');

/** Runs one upload through the pipeline and returns its execution record. */
async function load(pipeline: LocalPipeline, root: string, key: string, text: string, time: string) {
  pipeline.put(writeCsv(root, path.basename(key), text), key);
  const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent(key, new Date(time)));
  return pipeline.waitFor(triggered.started[0].executionName);
}

/** The rows of the state the manifest names (and the manifest's keys). */
/** Uploads `text` as `extract/<name>.csv` and returns the arguments of a job run of it, as the state machine passes them. */
async function jobArgs(bucket: FolderBucket, name: string, text: string): Promise<JobArguments> {
  const key = `extract/${name}.csv`;
  await bucket.write(bucket.name, key, text);
  const { versionId } = await bucket.putVersion(key);
  return {
    '--bucket': bucket.name,
    '--input_key': key,
    '--input_version_id': versionId,
    '--load_id': name,
    '--dataset': 'orders',
    '--execution_name': name,
    '--ingestion_date': '2026-11-25',
    '--report_key': `logs/glue-jobs/orders/${name}.json`,
  };
}

async function latestState(pipeline: LocalPipeline): Promise<{ keys: string[]; rows: Record<string, unknown>[] }> {
  const keys = parseLatestManifest(readFileSync(pipeline.bucket.pathOf(latestManifestKey('orders')), 'utf-8'));
  const rows = (await Promise.all(keys.map((key) => readParquet(path.dirname(pipeline.bucket.pathOf(key)), path.basename(key))))).flat();
  return { keys, rows };
}

/**
 * The routes a file of this size can take: the fast path (the local stand-in's DuckDB transform in
 * TransformInLambda), and the Glue job on Spark (glue/etl_runner.py; the fast path off).
 */
const ROUTES: readonly { route: string; engine: EngineName; fastPath: boolean; reportEngine: string }[] = [
  { route: 'the fast path', engine: 'duckdb', fastPath: true, reportEngine: 'lambda' },
  { route: 'the Glue job on Spark', engine: 'spark', fastPath: false, reportEngine: 'spark' },
];

describe.each(ROUTES)('the current state of a dataset ($route)', ({ engine, fastPath, reportEngine }) => {
  it('two orders files, the second updating 1,000 keys: the state holds each key once with the newer row, the table both loads; a rerun changes nothing', async () => {
    // Prepare: day 1 orders 1–3000; day 2 updates orders 2001–3000 and adds 3001–4000
    const root = tempRoot();
    const pipeline = new LocalPipeline({ root, engine, configPath: fastPath ? undefined : glueRouteConfig(root) });
    const day1 = csv(range(1, 3000).map((n) => ordersLine(n)));
    const day2 = csv([...range(2001, 1000).map(updatedLine), ...range(3001, 1000).map((n) => ordersLine(n))]);

    // Act
    const first = await load(pipeline, root, 'extract/orders-2026-11-24.csv', day1, '2026-11-24T06:00:00Z');
    const second = await load(pipeline, root, 'extract/orders-2026-11-25.csv', day2, '2026-11-25T06:00:00Z');

    // Assess: the state
    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const state = await latestState(pipeline);
    expect(state.rows).toHaveLength(4000);
    expect(new Set(state.rows.map((r) => r.order_id)).size).toBe(4000);
    const byId = new Map(state.rows.map((r) => [r.order_id as string, r]));
    expect(range(2001, 1000).every((n) => byId.get(`ORD-2026-${String(n).padStart(7, '0')}`)?.status === 'REFUNDED')).toBe(true);
    expect([...byId.values()].filter((r) => r.status === 'REFUNDED')).toHaveLength(1000);
    expect(state.rows[0]).not.toHaveProperty('dt');
    // … the table: both loads, nothing else under load/orders/
    const table = await readParquet(pipeline.bucket.pathOf('load/orders'), 'dt=*/*.parquet');
    expect(table).toHaveLength(5000);
    expect(readdirSync(pipeline.bucket.pathOf('load/orders')).sort()).toEqual(['dt=2026-11-24', 'dt=2026-11-25']);
    // … the reports name the state version each run published
    const report = runReportSchema.parse(JSON.parse(readFileSync(pipeline.bucket.pathOf(`logs/glue-jobs/orders/${second.name}.json`), 'utf-8')));
    expect(report.engine).toBe(reportEngine);
    expect(report.latestPrefix).toBe('load/latest/orders/');
    expect(report.latestFiles).toEqual(state.keys);
    expect(report.latestRows).toBe(4000);
    // … and etl query reads the same tables as the catalog declares
    expect(await query(root, 'select count(*) as n from orders_latest')).toEqual([{ n: '4000' }]);
    expect(await query(root, "select count(*) as n from orders_latest where status = 'REFUNDED'")).toEqual([{ n: '1000' }]);
    expect(await query(root, 'select dt, count(*) as n from orders group by dt order by dt')).toEqual([
      { dt: '2026-11-24', n: '3000' },
      { dt: '2026-11-25', n: '2000' },
    ]);

    // Act: the second file again under its name: the same upload, nothing runs
    pipeline.put(writeCsv(root, 'orders-2026-11-25.csv', day2), 'extract/orders-2026-11-25.csv');
    const redelivered = await pipeline.deliver(await pipeline.objectCreatedEvent('extract/orders-2026-11-25.csv', new Date('2026-11-25T06:30:00Z')));

    // Assess
    expect(redelivered.started).toEqual([]);
    expect(await query(root, 'select (select count(*) from orders) as loaded, (select count(*) from orders_latest) as latest')).toEqual([
      { loaded: '5000', latest: '4000' },
    ]);

    // Act: the second file again, under another name (another load of the same rows)
    const again = await load(pipeline, root, 'extract/orders-2026-11-25-again.csv', day2, '2026-11-25T07:00:00Z');

    // Assess: the state holds the same rows
    expect(again.status).toBe('SUCCEEDED');
    const after = await latestState(pipeline);
    expect(after.keys).not.toEqual(state.keys);
    expect(sortedRows(after.rows)).toEqual(sortedRows(state.rows));
    expect(await query(root, 'select count(*) as n from orders_latest')).toEqual([{ n: '4000' }]);
    pipeline.close();
  }, 240_000);
});

/** The rows `etl query --json` prints. */
async function query(root: string, sql: string): Promise<Record<string, unknown>[]> {
  const out: string[] = [];
  const code = await main(['query', sql, '--root', root, '--json'], { out: (line) => out.push(line), err: () => undefined });
  expect(code).toBe(0);
  return out.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function sortedRows(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
}

describe('publishing the state while another run does', () => {
  it('two job runs sharing a bucket folder (as two processes): the one whose manifest write loses the race merges again, no row lost', async () => {
    // Prepare: two jobs on two FolderBucket objects over one folder; A's first manifest write
    // waits until B has published, so A's token is stale when it writes
    const root = tempRoot();
    const config = parseConfigText(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8'));
    const bucketA = new FolderBucket(root);
    const bucketB = new FolderBucket(root);
    let bDone!: () => void;
    const bPublished = new Promise<void>((resolve) => (bDone = resolve));
    const outcomes: boolean[] = [];
    const write = bucketA.writeIfMatch.bind(bucketA);
    bucketA.writeIfMatch = async (bucket, key, body, token) => {
      if (outcomes.length === 0) await bPublished;
      const written = await write(bucket, key, body, token);
      outcomes.push(written);
      return written;
    };
    const jobA = new DuckDbGlueJob(bucketA, config, 'etl-local');
    const jobB = new DuckDbGlueJob(bucketB, config, 'etl-local');
    const args = jobArgs;
    // A state to merge into first (a keyed dataset's first load is copied, not merged)
    await jobB.run(await args(bucketB, 'orders-base', csv(range(1, 100).map((n) => ordersLine(n)))));

    // Act
    const runA = jobA.run(await args(bucketA, 'orders-a', csv(range(101, 100).map((n) => ordersLine(n)))));
    await jobB.run(await args(bucketB, 'orders-b', csv(range(201, 100).map((n) => ordersLine(n)))));
    bDone();
    await runA;

    // Assess
    expect(outcomes).toEqual([false, true]);
    const keys = parseLatestManifest(readFileSync(bucketA.pathOf(latestManifestKey('orders')), 'utf-8'));
    const rows = (await Promise.all(keys.map((key) => readParquet(path.dirname(bucketA.pathOf(key)), path.basename(key))))).flat();
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(300);
    // The three versions published stay, and so does the losing attempt's (young: the retention
    // rule removes it once old; a publication's retry deletes nothing): A published its second
    const versions = new Set((await bucketA.listKeys(bucketA.name, 'load/latest/orders/versions/')).map(latestVersionOf));
    expect(versions.size).toBe(4);
    expect([...versions].filter((v) => v?.endsWith('-2'))).toHaveLength(1);
    expect(keys.every((key) => latestVersionOf(key)?.endsWith('-2'))).toBe(true);
  }, 60_000);

  it('a conditional write retried after it was applied (its answer lost) is a win: the folder holds exactly its text', async () => {
    // Prepare
    const bucket = new FolderBucket(tempRoot());
    const key = latestManifestKey('orders');
    await bucket.writeIfMatch(bucket.name, key, 'v0\n', null);
    const token = (await bucket.readWithToken(bucket.name, key))?.token ?? null;

    // Act: the same write twice (the second is the retry), then a stale one with other text
    const first = await bucket.writeIfMatch(bucket.name, key, 'v1\n', token);
    const retried = await bucket.writeIfMatch(bucket.name, key, 'v1\n', token);
    const stale = await bucket.writeIfMatch(bucket.name, key, 'v2\n', token);

    // Assess
    expect([first, retried, stale]).toEqual([true, true, false]);
    expect(await bucket.readText(bucket.name, key)).toBe('v1\n');
  });

  it('three overlapping runs: A merges slowly over v0 while B and C publish v1, v2; v0 is still there for A, A merges again over v2, nothing lost; past the retention the old versions go, the current one and its predecessor stay', async () => {
    // Prepare: A on a bucket object whose first fetch of a state file waits until B and C have
    // published; B and C run the retention and a minute later by their clock, so v0 is older than the retention
    // when they publish and stays only as what v1 replaced (the chain); D, another retention and an hour later, cleans up
    const root = tempRoot();
    const config = parseConfigText(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8'));
    const later = (ms: number) => () => new Date(Date.now() + ms);
    const bucketA = new FolderBucket(root);
    const bucketB = new FolderBucket(root);
    let bcDone!: () => void;
    const bcPublished = new Promise<void>((resolve) => (bcDone = resolve));
    const seenByA: { key: string; there: boolean }[] = [];
    const fetch = bucketA.fetchToFile.bind(bucketA);
    bucketA.fetchToFile = async (bucket, key, versionId, file) => {
      if (key.includes('/versions/') && seenByA.length === 0) {
        await bcPublished;
        seenByA.push({ key, there: (await bucketA.head(bucket, key)) !== undefined });
      }
      return fetch(bucket, key, versionId, file);
    };
    let aReadManifest!: () => void;
    const aRead = new Promise<void>((resolve) => (aReadManifest = resolve));
    const read = bucketA.readWithToken.bind(bucketA);
    bucketA.readWithToken = async (bucket, key) => {
      const current = await read(bucket, key);
      aReadManifest();
      return current;
    };
    const outcomes: boolean[] = [];
    const write = bucketA.writeIfMatch.bind(bucketA);
    bucketA.writeIfMatch = async (bucket, key, body, token) => {
      const written = await write(bucket, key, body, token);
      outcomes.push(written);
      return written;
    };
    const jobA = new DuckDbGlueJob(bucketA, config, 'etl-local');
    const jobBase = new DuckDbGlueJob(bucketB, config, 'etl-local');
    const jobBC = new DuckDbGlueJob(bucketB, config, 'etl-local', { clock: later(LATEST_VERSION_RETENTION_MS + 60_000) });
    const jobD = new DuckDbGlueJob(bucketB, config, 'etl-local', { clock: later(2 * LATEST_VERSION_RETENTION_MS + HOUR) });
    const args = (bucket: FolderBucket, name: string, from: number): Promise<JobArguments> =>
      jobArgs(bucket, name, csv(range(from, 100).map((n) => ordersLine(n))));
    const manifest = async () => parseLatestManifest((await bucketB.readText(bucketB.name, latestManifestKey('orders'))) ?? '');
    const currentVersion = async () => latestVersionOf((await manifest())[0]) as string;
    const versionsNow = async () => [...new Set((await bucketB.listKeys(bucketB.name, 'load/latest/orders/versions/')).map(latestVersionOf))].sort();
    const replacesOf = async (version: string) =>
      parseLatestReplaces((await bucketB.readText(bucketB.name, latestReplacesKey('orders', version))) ?? 'missing');
    const stateIds = async () => {
      const rows = (await Promise.all((await manifest()).map((key) => readParquet(path.dirname(bucketB.pathOf(key)), path.basename(key))))).flat();
      return new Set(rows.map((r) => r.order_id));
    };
    await jobBase.run(await args(bucketB, 'orders-base', 1));
    const v0 = await currentVersion();

    // Act: A starts and reads the manifest (v0); B and C publish meanwhile; then A goes on
    const runA = jobA.run(await args(bucketA, 'orders-a', 101));
    await aRead;
    await jobBC.run(await args(bucketB, 'orders-b', 201));
    const v1 = await currentVersion();
    await jobBC.run(await args(bucketB, 'orders-c', 301));
    const v2 = await currentVersion();
    bcDone();
    await runA;
    const v3 = await currentVersion();

    // Assess: v0 was there when A read it (kept through the chain v2 → v1 → v0, though older than
    // the retention); A lost its first race, merged again over v2; every key is in the state
    expect(seenByA).toEqual([{ key: expect.stringContaining(`/versions/${v0}/`) as string, there: true }]);
    expect(outcomes).toEqual([false, true]);
    expect(v3.endsWith('-2')).toBe(true);
    expect((await stateIds()).size).toBe(400);
    expect([await replacesOf(v1), await replacesOf(v2), await replacesOf(v3)]).toEqual([[v0], [v1], [v2]]);
    const lostAttempt = (await versionsNow()).filter((v) => ![v0, v1, v2, v3].includes(v as string));
    expect(lostAttempt).toHaveLength(1);
    expect(await replacesOf(lostAttempt[0] as string)).toEqual([v0]);

    // Act: a run 7 h later, past the retention of every version but its own
    await jobD.run(await args(bucketB, 'orders-d', 401));
    const v4 = await currentVersion();

    // Assess: the current version and the one it replaced stay; the rest went; nothing lost
    expect(await versionsNow()).toEqual([v3, v4].sort());
    expect(await replacesOf(v4)).toEqual([v3]);
    expect((await stateIds()).size).toBe(500);
  }, 120_000);
});

const HOUR = 60 * 60 * 1000;
