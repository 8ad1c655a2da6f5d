/**
 * One transform run in a fresh process (so that its peak RSS is its own), printed as one JSON line:
 *
 *   tsx bench/transform-worker.ts <job | baseline:<variant>> <file.csv> <workDir> [memoryLimit] [threads]
 *
 * - `job`: the local Glue stand-in (`DuckDbGlueJob.run`): our compiled plan through our engine
 *   layer, writing partitioned Parquet, latest/, the run report (and a rejects file if any);
 * - `baseline`: one hand-written DuckDB statement doing the same transform (see baseline-sql.ts).
 */
import { linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { parseConfigText } from '../core/config/dataset-config';
import { FolderBucket } from '../local/folder-bucket';
import { DuckDbGlueJob } from '../local/glue/duckdb-job';
import { type BaselineVariant, baselineSql } from './baseline-sql';
import { DEFAULT_CONFIG_PATH } from './paths';

/** What one worker run reports. */
export interface TransformRun {
  readonly kind: string;
  readonly ms: number;
  /** CPU time of the process (all threads) during the run: less sensitive to other load than `ms`. */
  readonly cpuMs: number;
  /** Peak resident set size of the whole process. */
  readonly maxRssBytes: number;
  readonly rowsIn?: number;
  readonly exactDuplicates?: number;
  readonly keyDuplicates?: number;
  readonly malformedRows?: number;
  readonly rowsOut: number;
  readonly error?: string;
}

const INGESTION_DATE = '2026-11-25';

async function timed(kind: string, body: () => Promise<Omit<TransformRun, 'kind' | 'ms' | 'cpuMs' | 'maxRssBytes'>>): Promise<TransformRun> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let result: Omit<TransformRun, 'kind' | 'ms' | 'cpuMs' | 'maxRssBytes'>;
  try {
    result = await body();
  } catch (e: unknown) {
    result = { rowsOut: -1, error: e instanceof Error ? e.message : String(e) };
  }
  const cpu = process.cpuUsage(c0);
  // ru_maxrss is in kilobytes on Linux.
  return { kind, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...result };
}

async function runJob(file: string, workDir: string, memoryLimit: string, threads?: number): Promise<TransformRun> {
  const config = parseConfigText(readFileSync(DEFAULT_CONFIG_PATH, 'utf-8'), DEFAULT_CONFIG_PATH);
  const bucket = new FolderBucket(workDir);
  const key = 'extract/orders/orders-bench.csv';
  mkdirSync(path.dirname(bucket.pathOf(key)), { recursive: true });
  linkSync(file, bucket.pathOf(key));
  const job = new DuckDbGlueJob(bucket, config, 'etl-transformation-job', { memoryLimit, ...(threads ? { threads } : {}) });
  return timed('job', async () => {
    await job.run({
      '--bucket': bucket.name,
      '--input_key': key,
      '--input_version_id': 'null',
      '--dataset': 'orders',
      '--execution_name': 'bench',
      '--ingestion_date': INGESTION_DATE,
      '--report_key': 'logs/glue-jobs/orders/bench.json',
    });
    const report = JSON.parse(readFileSync(bucket.pathOf('logs/glue-jobs/orders/bench.json'), 'utf-8')) as Record<string, number>;
    return {
      rowsIn: report.rowsIn,
      exactDuplicates: report.exactDuplicates,
      keyDuplicates: report.keyDuplicates,
      malformedRows: report.malformedRows,
      rowsOut: report.rowsOut,
    };
  });
}

async function runBaseline(variant: BaselineVariant, file: string, workDir: string, memoryLimit: string, threads?: number): Promise<TransformRun> {
  const temp = path.join(workDir, 'tmp');
  mkdirSync(temp, { recursive: true });
  return timed(`baseline:${variant}`, async () => {
    // The same engine settings as the job.
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: memoryLimit,
      temp_directory: temp,
      preserve_insertion_order: 'false',
      ...(threads ? { threads: String(threads) } : {}),
    });
    const db = await instance.connect();
    try {
      const result = await db.runAndReadAll(baselineSql(file, path.join(workDir, 'out'), INGESTION_DATE, variant));
      return { rowsOut: Number(result.getRows()[0][0]) };
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  });
}

async function main(): Promise<void> {
  const [kind, file, workDir, memoryLimit = '2GB', threads] = process.argv.slice(2);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const t = threads ? Number(threads) : undefined;
  try {
    const run =
      kind === 'job'
        ? await runJob(file, workDir, memoryLimit, t)
        : await runBaseline((kind.split(':')[1] as BaselineVariant | undefined) ?? 'window', file, workDir, memoryLimit, t);
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

void main();
