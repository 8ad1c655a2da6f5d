/**
 * The Spark row: the same generated file through the local Spark engine (`SparkGlueJob`: the
 * script deployed to Glue, on local PySpark) and through `DuckDbGlueJob`, in the same benchmark
 * run. Spark's first run — the worker, the JVM and the Spark session starting, then a transform on
 * a cold JVM — is kept apart; then, round by round, a DuckDB job run (a fresh process, as in the
 * transform comparison) and a warm Spark run on the same worker, as the local runtime reuses it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

import { pythonInterpreter } from '../local/runtime/engines/python-env';
import { PythonEnvironmentMissingError } from '../local/runtime/errors';
import { SparkGlueJob } from '../local/runtime/engines/spark-job';
import { BENCH_JOB_NAME, CHILD_PROCESSES, type TransformRun, benchBucket, runBenchJob, timed, waitForChildProcesses } from './job-run';
import { WORK_DIR } from './paths';
import { type Contender, contender, runTransform } from './transform';

/** The Spark row, measured. */
export interface SparkMeasured {
  readonly measured: true;
  readonly file: string;
  readonly memoryLimit: string;
  /** `pyspark.__version__` of the environment. */
  readonly sparkVersion: string;
  /** The first run: worker, JVM and Spark session start, then the transform on a cold JVM. */
  readonly first: TransformRun;
  /** The DuckDB job's runs, interleaved with the warm Spark runs. */
  readonly duckdb: Contender;
  /** The warm Spark runs (the worker and its JVM kept from the first run). */
  readonly spark: Contender;
}

/** The Spark row, not measured, and why. */
export interface SparkSkipped {
  readonly measured: false;
  readonly reason: string;
}

export type SparkComparison = SparkMeasured | SparkSkipped;

/**
 * Runs `file` through Spark once (the first run), then `repeats` rounds of a DuckDB job run and a
 * warm Spark run. Not measured, with the reason, when the Python environment is missing.
 */
export async function compareSpark(
  file: string,
  memoryLimit: string,
  repeats: number,
  onRun: (run: TransformRun) => void = () => undefined,
): Promise<SparkComparison> {
  const workDir = path.join(WORK_DIR, `spark-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  const { bucket, config } = benchBucket(file, workDir);
  let job: SparkGlueJob;
  try {
    job = new SparkGlueJob(bucket, config, BENCH_JOB_NAME);
  } catch (e: unknown) {
    rmSync(workDir, { recursive: true, force: true });
    if (e instanceof PythonEnvironmentMissingError) return { measured: false, reason: e.message };
    throw e;
  }
  const sparkRun = async (kind: string): Promise<TransformRun> => {
    // Into an empty load/ and with no earlier run report, as the DuckDB job's fresh work dir.
    for (const key of ['load', 'logs/glue-jobs']) rmSync(bucket.pathOf(key), { recursive: true, force: true });
    const run = await timed(kind, () => runBenchJob(job, bucket), CHILD_PROCESSES);
    onRun(run);
    return run;
  };
  try {
    const first = await sparkRun('spark:first');
    const duckdb: TransformRun[] = [];
    const warm: TransformRun[] = [];
    for (let round = 0; round < repeats && !first.error && !warm.some((r) => r.error); round += 1) {
      const run = runTransform('job', file, memoryLimit);
      onRun(run);
      duckdb.push(run);
      warm.push(await sparkRun('spark'));
    }
    return { measured: true, file, memoryLimit, sparkVersion: sparkVersion(), first, duckdb: contender('job', duckdb), spark: contender('spark', warm) };
  } finally {
    job.close();
    await waitForChildProcesses(15_000);
    rmSync(workDir, { recursive: true, force: true });
  }
}

function sparkVersion(): string {
  const result = spawnSync(pythonInterpreter(), ['-c', 'import pyspark; print(pyspark.__version__)'], { encoding: 'utf-8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}
