/**
 * The dataset's current state, `load/latest/<dataset>/`: the latest row per key across every load,
 * outside the dataset's table, published by a manifest written last. Through both transforms: the
 * fast path's DuckDB transform (the local Glue stand-in's own) and glue/etl_runner.py on local Spark
 * (the Glue route; each report names the engine that ran).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { parseConfigText } from '../../core/config/dataset-config';
import { latestManifestKey, latestVersionOf, parseLatestManifest } from '../../core/naming';
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
    const args = async (bucket: FolderBucket, name: string, text: string): Promise<JobArguments> => {
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
    };
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
    // The losing attempt's files are gone; the three versions published stay (none is an hour old)
    const versions = new Set((await bucketA.listKeys(bucketA.name, 'load/latest/orders/versions/')).map(latestVersionOf));
    expect(versions.size).toBe(3);
    expect([...versions].filter((v) => v?.endsWith('-2'))).toHaveLength(1);
  }, 60_000);
});
