/**
 * What a Spark run reads and writes and how many Spark jobs it takes (issue 22 items 1–3): the
 * bench file through the local Spark engine (`SparkGlueJob`, the Glue script on local PySpark,
 * `local[*]`), under the project's config (partitioned by ingestion date: one partition) and
 * partitioned by `order_date` (about 300), on one worker whose Spark writes its event log
 * (`spark.eventLog.enabled` through a `spark-defaults.conf` in `SPARK_CONF_DIR`: nothing in the
 * runner changes). From the log, per run: its Spark jobs and stages, each stage's tasks and
 * executor time; the **read partitions** are the tasks of the run's first stage (the runner's
 * first Spark work is reading its input). From the bucket: the output's files per partition.
 * Beside them, the DuckDB job partitioned by `order_date`, for its files.
 *
 * Standalone: `npx tsx bench/spark-files.ts [file.csv]` (default bench/.data/orders-1m.csv) prints the JSON.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PythonEnvironmentMissingError } from '../local/runtime/errors';
import { SparkGlueJob, SparkWorker } from '../local/runtime/engines/spark-job';
import type { SizeName } from './generate';
import { BENCH_JOB_NAME, type BenchConfig, CHILD_PROCESSES, type TransformRun, benchBucket, runBenchJob, timed, waitForChildProcesses } from './job-run';
import { WORK_DIR } from './paths';
import { runTransform } from './transform';

/** One stage a run executed (skipped stages, whose output was cached, are not listed). */
export interface StageFigures {
  readonly id: number;
  readonly name: string;
  readonly tasks: number;
  /** Executor run time of its tasks, added up (ms). */
  readonly taskMs: number;
  /** Bytes its tasks read from files (Spark's input metrics; 0 for a Python read). */
  readonly inputBytes: number;
}

/** One run's Spark work, from the event log. */
export interface SparkWork {
  readonly jobs: number;
  readonly stages: readonly StageFigures[];
  /** Tasks of the run's first stage: how many parts the input is read in. */
  readonly readPartitions: number | undefined;
}

/** One Spark run of the measurement. */
export interface SparkFilesRun {
  readonly config: BenchConfig;
  readonly run: TransformRun;
  /** From the event log (undefined when the log did not hold the run). */
  readonly work?: SparkWork;
}

export type SparkFilesResults =
  | { readonly measured: false; readonly reason: string }
  | {
      readonly measured: true;
      readonly size: SizeName;
      readonly file: string;
      readonly bytes: number;
      /** Spark's local threads (`local[*]`: the machine's cores). */
      readonly cores: number;
      readonly spark: readonly SparkFilesRun[];
      /** The DuckDB job partitioned by order_date (fresh process). */
      readonly duckdb: TransformRun;
    };

interface LogEvent {
  readonly Event: string;
  readonly 'Job ID'?: number;
  readonly 'Stage IDs'?: number[];
  readonly Properties?: Record<string, string>;
  readonly 'Stage Info'?: {
    readonly 'Stage ID': number;
    readonly 'Stage Name': string;
    readonly 'Number of Tasks': number;
    readonly Accumulables?: readonly { readonly Name?: string; readonly Value?: unknown }[];
  };
}

/**
 * Each tagged run's Spark work from an event log's lines, in the order the runs began: the runner
 * tags its jobs `etl-run-<job run id>` (`spark.job.tags`). Pure.
 */
export function sparkWorkByRun(lines: readonly string[]): SparkWork[] {
  const runOfJob = new Map<number, string>();
  const runOfStage = new Map<number, string>();
  const order: string[] = [];
  const jobs = new Map<string, number>();
  const stages = new Map<string, StageFigures[]>();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let event: LogEvent;
    try {
      event = JSON.parse(line) as LogEvent;
    } catch {
      continue; // a line cut short by a log still being written
    }
    if (event.Event === 'SparkListenerJobStart') {
      const tag = (event.Properties?.['spark.job.tags'] ?? '').split(',').find((t) => t.startsWith('etl-run-'));
      if (!tag || event['Job ID'] === undefined) continue;
      if (!jobs.has(tag)) order.push(tag);
      jobs.set(tag, (jobs.get(tag) ?? 0) + 1);
      runOfJob.set(event['Job ID'], tag);
      for (const id of event['Stage IDs'] ?? []) runOfStage.set(id, tag);
    }
    if (event.Event === 'SparkListenerStageCompleted' && event['Stage Info']) {
      const info = event['Stage Info'];
      const tag = runOfStage.get(info['Stage ID']);
      if (!tag) continue;
      const metric = (name: string): number => Number(info.Accumulables?.find((a) => a.Name === name)?.Value ?? 0);
      const list = stages.get(tag) ?? [];
      list.push({
        id: info['Stage ID'],
        name: info['Stage Name'].split(' at ')[0],
        tasks: info['Number of Tasks'],
        taskMs: metric('internal.metrics.executorRunTime'),
        inputBytes: metric('internal.metrics.input.bytesRead'),
      });
      stages.set(tag, list);
    }
  }
  return order.map((tag) => {
    const list = [...(stages.get(tag) ?? [])].sort((a, b) => a.id - b.id);
    return { jobs: jobs.get(tag) ?? 0, stages: list, readPartitions: list[0]?.tasks };
  });
}

/**
 * The measurement: one worker (event log on), a run under the project's config (the worker's
 * first: its JVM starts in it) and one partitioned by order_date; then the DuckDB job by order_date.
 */
export async function measureSparkFiles(
  size: SizeName,
  file: string,
  bytes: number,
  duckdbMemoryLimit: string,
  onRun: (run: TransformRun) => void = () => undefined,
): Promise<SparkFilesResults> {
  const dir = path.join(WORK_DIR, `spark-files-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const eventLog = path.join(dir, 'event-log');
  const confDir = path.join(dir, 'conf');
  mkdirSync(eventLog, { recursive: true });
  mkdirSync(confDir, { recursive: true });
  writeFileSync(path.join(confDir, 'spark-defaults.conf'), `spark.eventLog.enabled true\nspark.eventLog.dir file://${eventLog}\n`);
  const savedConf = process.env.SPARK_CONF_DIR;
  let worker: SparkWorker;
  try {
    worker = new SparkWorker({ logFile: path.join(dir, 'worker.log') });
  } catch (e: unknown) {
    rmSync(dir, { recursive: true, force: true });
    if (e instanceof PythonEnvironmentMissingError) return { measured: false, reason: e.message };
    throw e;
  }
  const runs: { config: BenchConfig; run: TransformRun }[] = [];
  try {
    // The worker reads spark-defaults.conf when its JVM starts (the first run).
    process.env.SPARK_CONF_DIR = confDir;
    for (const config of ['strict', 'by-order-date'] as const) {
      const { bucket, config: etlConfig } = benchBucket(file, path.join(dir, config), config);
      const job = new SparkGlueJob(bucket, etlConfig, BENCH_JOB_NAME, { worker });
      const run = await timed(config === 'strict' ? 'spark:first' : 'spark:by-order-date', () => runBenchJob(job, bucket), CHILD_PROCESSES);
      onRun(run);
      runs.push({ config, run });
    }
  } finally {
    if (savedConf === undefined) delete process.env.SPARK_CONF_DIR;
    else process.env.SPARK_CONF_DIR = savedConf;
    await worker.close();
    await waitForChildProcesses(15_000);
  }
  const logs = existsSync(eventLog) ? readdirSync(eventLog).map((f) => path.join(eventLog, f)) : [];
  const work = logs.length > 0 ? sparkWorkByRun(readFileSync(logs[0], 'utf-8').split('\n')) : [];
  rmSync(dir, { recursive: true, force: true });
  const duckdb = { ...runTransform('job:by-order-date', file, duckdbMemoryLimit), kind: 'job:by-order-date' };
  onRun(duckdb);
  return {
    measured: true,
    size,
    file,
    bytes,
    cores: os.availableParallelism(),
    spark: runs.map((r, i) => ({ ...r, ...(work[i] ? { work: work[i] } : {}) })),
    duckdb,
  };
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(WORK_DIR, '..', 'orders-1m.csv');
  void measureSparkFiles('1m', file, 0, '2GB', (run) =>
    process.stderr.write(`${run.kind} ${(run.ms / 1000).toFixed(1)} s${run.error ? ` ${run.error}` : ''}\n`),
  ).then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
