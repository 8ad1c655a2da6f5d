/**
 * One transform run in a fresh process (so that its peak RSS is its own), printed as one JSON line:
 *
 *   tsx bench/transform-worker.ts <job[:nullable-email | :by-order-date] | baseline:<variant>> <file.csv> <workDir> [memoryLimit] [threads]
 *
 * - `job`: the local Glue stand-in (`DuckDbGlueJob.run`): our compiled plan through our engine
 *   layer, writing partitioned Parquet, the dataset's state, the run report (and a rejects file if any);
 *   `job:nullable-email` the same under a config where customer_email is nullable, `job:by-order-date`
 *   partitioned by order_date (job-run.ts `BenchConfig`);
 * - `baseline`: one hand-written DuckDB statement doing the same transform (see baseline-sql.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { DuckDbGlueJob } from '../local/runtime/engines/duckdb-job';
import { type BaselineVariant, baselineSql } from './baseline-sql';
import { BENCH_JOB_NAME, type BenchConfig, INGESTION_DATE, type TransformRun, benchBucket, runBenchJob, timed } from './job-run';

async function runJob(kind: string, file: string, workDir: string, memoryLimit: string, threads?: number): Promise<TransformRun> {
  const { bucket, config } = benchBucket(file, workDir, (kind.split(':')[1] as BenchConfig | undefined) ?? 'strict');
  const job = new DuckDbGlueJob(bucket, config, BENCH_JOB_NAME, { memoryLimit, ...(threads ? { threads } : {}) });
  return timed(kind, () => runBenchJob(job, bucket));
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
    const run = kind.startsWith('job')
      ? await runJob(kind, file, workDir, memoryLimit, t)
      : await runBaseline((kind.split(':')[1] as BaselineVariant | undefined) ?? 'window', file, workDir, memoryLimit, t);
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

void main();
