/**
 * The Spark engine of the local runtime: the Transform state runs `glue/etl_runner.py` — the
 * script deployed to AWS Glue — on local PySpark 3.5 (`local[*]`), against the local bucket.
 *
 * One worker process (`glue/local_worker.py`) per pipeline holds the JVM; each job run is sent
 * the argv Glue would pass (reserved arguments, the job's defaults, the state machine's
 * arguments) and runs through the real `getResolvedOptions`. The worker's log (the runner's JSON
 * lines and Spark's) goes to `<bucket>/logs/glue/<job>.log`, as Glue's go to CloudWatch.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { EtlConfig } from '../../../core/config/dataset-config';
import { PLANS_PREFIX } from '../../../core/naming';
import { runReportSchema } from '../../../core/run-report';
import { compileTransformPlan } from '../../../core/transform/compile-plan';
import type { FolderBucket } from '../folder-bucket';
import { SparkWorkerExitedError } from '../errors';
import { type GlueJob, type JobArguments, type JobRun, jobRunFailed, newJobRunId } from './glue-job';
import { PROJECT_ROOT, pythonInterpreter } from './python-env';

/** Settings of the Spark engine. */
export interface SparkJobOptions {
  /** Spark's local threads (`local[N]`). @default all cores */
  readonly threads?: number;
}

/** What the worker answers per job run. */
interface WorkerAnswer {
  readonly id?: number;
  readonly ready?: boolean;
  readonly state?: 'SUCCEEDED' | 'FAILED';
  readonly errorMessage?: string;
}

/**
 * The arguments Glue itself puts before a job run's own (`--JOB_ID`, `--JOB_RUN_ID`, bookmarks,
 * `--TempDir`, metrics), then the job's default arguments, then the run's.
 */
export function glueArgv(jobName: string, jobRunId: string, bucket: string, args: JobArguments): string[] {
  const reserved = {
    '--JOB_ID': `j_local_${jobName}`,
    '--JOB_RUN_ID': jobRunId,
    '--JOB_NAME': jobName,
    '--job-bookmark-option': 'job-bookmark-enable',
    '--TempDir': `s3://${bucket}/tmp/`,
    '--enable-metrics': 'true',
    '--enable-observability-metrics': 'true',
    '--job-language': 'python',
    '--plans_prefix': PLANS_PREFIX,
  };
  return ['etl_runner.py', ...Object.entries({ ...reserved, ...args }).flat()];
}

/** Runs transform jobs for one local bucket on local Spark. */
export class SparkGlueJob implements GlueJob {
  readonly engine = 'spark' as const;
  private worker?: ChildProcessWithoutNullStreams;
  private ready?: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, (answer: WorkerAnswer) => void>();
  private readonly python: string;

  constructor(
    private readonly bucket: FolderBucket,
    config: EtlConfig,
    readonly jobName: string,
    private readonly options: SparkJobOptions = {},
  ) {
    // Fails here, before anything runs, when the environment is missing.
    this.python = pythonInterpreter();
    // What the deployment puts under scripts/plans/: each dataset's plan in the Spark dialect.
    for (const dataset of config.datasets) {
      const file = bucket.pathOf(`${PLANS_PREFIX}${dataset.name}.json`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(compileTransformPlan(dataset, 'spark'), null, 2)}\n`);
    }
  }

  async run(args: JobArguments): Promise<JobRun> {
    const jobRunId = newJobRunId();
    const started = Date.now();
    try {
      await this.start();
    } catch (e: unknown) {
      throw jobRunFailed(jobRunId, this.jobName, e instanceof Error ? e.message : String(e), { cause: e });
    }
    const id = this.nextId++;
    const answer = await new Promise<WorkerAnswer>((resolve) => {
      this.pending.set(id, resolve);
      this.worker?.stdin.write(`${JSON.stringify({ id, argv: glueArgv(this.jobName, jobRunId, args['--bucket'], args) })}\n`);
    });
    if (answer.state !== 'SUCCEEDED') throw jobRunFailed(jobRunId, this.jobName, answer.errorMessage ?? 'TransformError: the job run failed');
    // The report the runner wrote says how long the run took.
    const report = runReportSchema.safeParse(JSON.parse((await this.bucket.readText(this.bucket.name, args['--report_key'])) ?? 'null'));
    const durationMs = report.success ? report.data.durationMs : Date.now() - started;
    return { Id: jobRunId, JobName: this.jobName, JobRunState: 'SUCCEEDED', ExecutionTime: Math.round(durationMs / 1000) };
  }

  /** Stops the worker (its JVM exits with it). */
  close(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.stdin.end();
    // Spark stops within a few seconds of its input closing; a hung JVM is not waited for.
    setTimeout(() => worker.kill('SIGKILL'), 10_000).unref();
  }

  /** Starts the worker once; resolves when Spark is up. */
  private start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      const logFile = this.bucket.pathOf(`logs/glue/${this.jobName}.log`);
      mkdirSync(path.dirname(logFile), { recursive: true });
      const log = createWriteStream(logFile, { flags: 'a' });
      const worker = spawn(
        this.python,
        [
          path.join(PROJECT_ROOT, 'glue', 'local_worker.py'),
          '--bucket-dir',
          this.bucket.dir,
          '--bucket-name',
          this.bucket.name,
          '--threads',
          String(this.options.threads ?? '*'),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYSPARK_PYTHON: this.python } },
      );
      this.worker = worker;
      worker.stderr.pipe(log);
      createInterface({ input: worker.stdout }).on('line', (line) => {
        const answer = JSON.parse(line) as WorkerAnswer;
        if (answer.ready) return resolve();
        const settle = answer.id === undefined ? undefined : this.pending.get(answer.id);
        if (answer.id !== undefined) this.pending.delete(answer.id);
        settle?.(answer);
      });
      worker.on('exit', (code, signal) => {
        const message = `TransformError: the local Spark worker exited (${signal ?? `code ${code}`}); see ${this.bucket.keyOf(logFile)}`;
        reject(new SparkWorkerExitedError(message));
        for (const settle of this.pending.values()) settle({ state: 'FAILED', errorMessage: message });
        this.pending.clear();
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
      });
    });
    return this.ready;
  }
}
