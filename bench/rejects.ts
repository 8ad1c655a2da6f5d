/**
 * What bad rows cost (issue 21):
 *
 * - **rejects**: the same file, about 1% of its records lacking the required `customer_email`
 *   (generate.ts `ensureMalformed`), through each engine twice, interleaved: under the dataset's
 *   config (the rejects found, numbered and written) and under one where that column is nullable
 *   (no rejects, job-run.ts `BenchConfig`). The ratio is what the rejects cost. Engines: the DuckDB
 *   job (the local Glue stand-in), the fast path's handler, and the Glue runner on local Spark.
 * - **every row malformed**: one run per engine on a large file whose every record is malformed:
 *   it must end in QualityThresholdError (the gate), with the process's peak RSS within the
 *   engine's memory.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';

import { PythonEnvironmentMissingError } from '../local/runtime/errors';
import { SparkGlueJob, SparkWorker } from '../local/runtime/engines/spark-job';
import { runFastPath } from './fast-path';
import type { SizeName } from './generate';
import { BENCH_JOB_NAME, type BenchConfig, CHILD_PROCESSES, type TransformRun, benchBucket, runBenchJob, timed, waitForChildProcesses } from './job-run';
import { WORK_DIR } from './paths';
import { type Contender, contender, runTransform } from './transform';

/** One engine on the rejects' file, with and without rejects. */
export interface WithAndWithout {
  readonly withRejects: Contender;
  readonly withoutRejects: Contender;
}

/** An engine not measured, and why. */
export interface NotMeasured {
  readonly measured: false;
  readonly reason: string;
}

/** The rejects' comparison on one file. */
export interface RejectsComparison {
  readonly size: SizeName;
  readonly file: string;
  readonly bytes: number;
  /** Malformed records in the file under the dataset's config. */
  readonly malformedRows: number;
  readonly memoryLimit: string;
  readonly duckdb: WithAndWithout;
  readonly fastPath: WithAndWithout | NotMeasured;
  readonly spark: WithAndWithout | NotMeasured;
}

/** One engine's run on a file whose every record is malformed. */
export interface AllMalformedRun {
  readonly engine: 'DuckDB job' | 'fast path' | 'Spark';
  /** The engine's memory: DuckDB's memory_limit, the function's memory, Spark's driver memory. */
  readonly memory: string;
  /** The memory the process (for Spark: the worker and its JVM) may use at most, bytes (undefined: no such cap). */
  readonly rssCapBytes?: number;
  readonly run: TransformRun | undefined;
  readonly reason?: string;
}

/** The file of malformed records only, through each engine. */
export interface AllMalformed {
  readonly size: SizeName;
  readonly bytes: number;
  readonly rows: number;
  readonly runs: readonly AllMalformedRun[];
}

/** Rounds of the DuckDB job and the fast path on `file`, each under both configs, interleaved. */
export function compareRejects(
  file: string,
  memoryLimit: string,
  repeats: number,
  options: { readonly fastPath: boolean; readonly fastPathMemoryLimit?: string; readonly onRun?: (run: TransformRun) => void },
): Pick<RejectsComparison, 'duckdb' | 'fastPath'> {
  const onRun = options.onRun ?? (() => undefined);
  const fastLimit = options.fastPathMemoryLimit ?? memoryLimit;
  const runs: Record<'job' | 'job:nullable-email' | 'fast' | 'fast:nullable-email', TransformRun[]> = {
    job: [],
    'job:nullable-email': [],
    fast: [],
    'fast:nullable-email': [],
  };
  const record = (kind: keyof typeof runs, run: TransformRun): void => {
    runs[kind].push(run);
    onRun(run);
  };
  for (let round = 0; round < repeats; round += 1) {
    record('job', runTransform('job', file, memoryLimit));
    record('job:nullable-email', runTransform('job:nullable-email', file, memoryLimit));
    if (options.fastPath) {
      record('fast', { ...runFastPath(file, fastLimit, 'strict'), kind: 'fast path' });
      record('fast:nullable-email', { ...runFastPath(file, fastLimit, 'nullable-email'), kind: 'fast path:nullable-email' });
    }
  }
  return {
    duckdb: { withRejects: contender('job', runs.job), withoutRejects: contender('job:nullable-email', runs['job:nullable-email']) },
    fastPath: options.fastPath
      ? { withRejects: contender('fast path', runs.fast), withoutRejects: contender('fast path:nullable-email', runs['fast:nullable-email']) }
      : { measured: false, reason: 'its handler is not in this tree' },
  };
}

/** A Spark job of its own on a bench bucket of `file` under `variant`, or why Spark cannot run. */
function sparkJob(
  file: string,
  variant: BenchConfig,
  name: string,
): { job: SparkGlueJob; bucket: ReturnType<typeof benchBucket>['bucket']; dir: string } | NotMeasured {
  const dir = path.join(WORK_DIR, `${name}-${variant}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const { bucket, config } = benchBucket(file, dir, variant);
  try {
    return { job: new SparkGlueJob(bucket, config, BENCH_JOB_NAME), bucket, dir };
  } catch (e: unknown) {
    rmSync(dir, { recursive: true, force: true });
    if (e instanceof PythonEnvironmentMissingError) return { measured: false, reason: e.message };
    throw e;
  }
}

/** One Spark run into an empty `load/` and with no earlier run report (each run a first load). */
async function sparkRun(j: { readonly job: SparkGlueJob; readonly bucket: ReturnType<typeof benchBucket>['bucket'] }, kind: string): Promise<TransformRun> {
  for (const key of ['load', 'logs/glue-jobs']) rmSync(j.bucket.pathOf(key), { recursive: true, force: true });
  return timed(kind, () => runBenchJob(j.job, j.bucket), CHILD_PROCESSES);
}

/**
 * The local Spark engine (glue/etl_runner.py) on the same file under both configs: one worker (one
 * JVM, so that CPU time and RSS are one JVM's) serving a job per config, a first run to start the
 * JVM (not counted), then `repeats` interleaved rounds on the warm worker.
 */
export async function compareSparkRejects(
  file: string,
  repeats: number,
  onRun: (run: TransformRun) => void = () => undefined,
): Promise<WithAndWithout | NotMeasured> {
  const dir = path.join(WORK_DIR, `spark-rejects-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  let worker: SparkWorker;
  try {
    worker = new SparkWorker({ logFile: path.join(dir, 'worker.log') });
  } catch (e: unknown) {
    if (e instanceof PythonEnvironmentMissingError) return { measured: false, reason: e.message };
    throw e;
  }
  const jobs = (['strict', 'nullable-email'] as const).map((variant) => {
    const { bucket, config } = benchBucket(file, path.join(dir, variant), variant);
    return { job: new SparkGlueJob(bucket, config, BENCH_JOB_NAME, { worker }), bucket };
  });
  const run = async (j: (typeof jobs)[number], kind: string): Promise<TransformRun> => {
    const result = await sparkRun(j, kind);
    onRun(result);
    return result;
  };
  try {
    await run(jobs[0], 'spark:first');
    const withRejects: TransformRun[] = [];
    const without: TransformRun[] = [];
    for (let round = 0; round < repeats; round += 1) {
      withRejects.push(await run(jobs[0], 'spark'));
      without.push(await run(jobs[1], 'spark:nullable-email'));
    }
    return { withRejects: contender('spark', withRejects), withoutRejects: contender('spark:nullable-email', without) };
  } finally {
    await worker.close();
    await waitForChildProcesses(15_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One run per engine on `file` (every record malformed): the DuckDB job under `memoryLimit`, the
 * fast path under its function's limits, and a Spark run on a fresh worker (its first: the JVM's
 * start is in its time, not in the verdict).
 */
export async function runAllMalformed(
  file: string,
  engines: {
    readonly memoryLimit: string;
    readonly fastPath?: { readonly memoryLimit: string; readonly functionMemoryMb: number };
    readonly spark: boolean;
    readonly sparkDriverMemory: string;
  },
  onRun: (run: TransformRun) => void = () => undefined,
): Promise<AllMalformedRun[]> {
  const runs: AllMalformedRun[] = [];
  const job = runTransform('job', file, engines.memoryLimit);
  onRun(job);
  runs.push({ engine: 'DuckDB job', memory: `memory_limit ${engines.memoryLimit}`, run: job });
  if (engines.fastPath) {
    const fast = runFastPath(file, engines.fastPath.memoryLimit, 'strict');
    onRun(fast);
    runs.push({
      engine: 'fast path',
      memory: `${engines.fastPath.functionMemoryMb} MB function, memory_limit ${engines.fastPath.memoryLimit}`,
      rssCapBytes: engines.fastPath.functionMemoryMb * 2 ** 20,
      run: fast,
    });
  }
  if (engines.spark) {
    const memory = `driver memory ${engines.sparkDriverMemory}`;
    const j = sparkJob(file, 'strict', 'spark-all-malformed');
    if ('measured' in j) runs.push({ engine: 'Spark', memory, run: undefined, reason: j.reason });
    else {
      try {
        const run = await sparkRun(j, 'spark:first');
        onRun(run);
        runs.push({ engine: 'Spark', memory, run });
      } finally {
        j.job.close();
        await waitForChildProcesses(15_000);
        rmSync(j.dir, { recursive: true, force: true });
      }
    }
  }
  return runs;
}
