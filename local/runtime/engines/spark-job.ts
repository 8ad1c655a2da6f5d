/**
 * The Spark engine of the local runtime: the Transform state runs `glue/etl_runner.py` — the
 * script deployed to AWS Glue — on local PySpark 3.5 (`local[*]`), against the local bucket.
 *
 * One worker process (`glue/local_worker.py`) per pipeline holds the JVM; each job run is sent
 * the argv Glue would pass (reserved arguments, the job's defaults, the state machine's
 * arguments) and its bucket folder, and runs through the real `getResolvedOptions`. The worker's
 * log (the runner's JSON lines and Spark's) goes to `<bucket>/logs/glue/<job>.log`, as Glue's go
 * to CloudWatch. Several pipelines (of several local roots) can share one {@link SparkWorker}
 * instead, its log where its owner says: tests do, to start the JVM once.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { EtlConfig } from '../../../core/config/dataset-config';
import { PLANS_PREFIX } from '../../../core/naming';
import { runReportSchema, type TransformProgress } from '../../../core/run-report';
import { compileTransformPlan } from '../../../core/transform/compile-plan';
import type { FolderBucket } from '../folder-bucket';
import { SparkWorkerExitedError } from '../errors';
import { type GlueJob, type JobArguments, type JobRun, jobRunFailed, newJobRunId } from './glue-job';
import { PROJECT_ROOT, pythonInterpreter } from './python-env';

/** Settings of the Spark engine. */
export interface SparkJobOptions {
  /** Spark's local threads (`local[N]`). @default all cores */
  readonly threads?: number;
  /**
   * A worker to run on, shared with other jobs (of other local roots): the job sends it its
   * bucket folder with each run and does not stop it on {@link SparkGlueJob.close}. @default a
   * worker of the job's own, its log at `<bucket>/logs/glue/<job>.log`
   */
  readonly worker?: SparkWorker;
}

/** What the worker answers per job run. */
interface WorkerAnswer {
  readonly id?: number;
  readonly ready?: boolean;
  readonly state?: 'SUCCEEDED' | 'FAILED';
  readonly errorMessage?: string;
  /** A running job's progress (sent when the run asked for it), not its answer. */
  readonly progress?: TransformProgress;
}

/** A protocol line of the worker, or undefined for any other line (a log line that reached stdout). */
export function workerAnswer(line: string): WorkerAnswer | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as WorkerAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** Settings of a Spark worker. */
export interface SparkWorkerOptions {
  /** Where the worker's log (the runner's JSON lines and Spark's) is appended. */
  readonly logFile: string;
  /** How error messages name the log (a bucket key for a job's own worker). @default logFile */
  readonly logName?: string;
  /** Spark's local threads (`local[N]`). @default all cores */
  readonly threads?: number;
}

/**
 * One `glue/local_worker.py` process, which holds the JVM (started on the first run). Each run
 * names its bucket folder, so one worker can serve the jobs of several local roots (tests do, to
 * start Spark once).
 */
export class SparkWorker {
  private worker?: ChildProcessWithoutNullStreams;
  private ready?: Promise<void>;
  private exited: Promise<void> = Promise.resolve();
  private nextId = 1;
  private readonly pending = new Map<number, (answer: WorkerAnswer) => void>();
  /** The runs that asked for their progress, by request id. */
  private readonly progressOf = new Map<number, (progress: TransformProgress) => void>();
  private readonly python: string;

  constructor(private readonly options: SparkWorkerOptions) {
    // Fails here, before anything runs, when the environment is missing.
    this.python = pythonInterpreter();
  }

  /**
   * Runs one job run of `bucket` (starting the worker if need be); resolves with its answer.
   * With `onProgress`, the worker reports the run's Spark stages while it runs.
   */
  async run(bucket: FolderBucket, argv: readonly string[], onProgress?: (progress: TransformProgress) => void): Promise<WorkerAnswer> {
    await this.start();
    const id = this.nextId++;
    return new Promise<WorkerAnswer>((resolve) => {
      this.pending.set(id, resolve);
      if (onProgress) this.progressOf.set(id, onProgress);
      this.worker?.stdin.write(`${JSON.stringify({ id, argv, bucketDir: bucket.dir, bucketName: bucket.name, progress: onProgress !== undefined })}\n`);
    });
  }

  /** Stops the worker (its JVM exits with it); resolves when the process has exited. */
  close(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      this.worker = undefined;
      worker.stdin.end();
      // Spark stops within a few seconds of its input closing; a hung JVM is not waited for.
      setTimeout(() => worker.kill('SIGKILL'), 10_000).unref();
    }
    return this.exited;
  }

  /** Starts the worker once (the first run does, if not called before); resolves when Spark is up. */
  start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      const { logFile } = this.options;
      mkdirSync(path.dirname(logFile), { recursive: true });
      const log = createWriteStream(logFile, { flags: 'a' });
      const worker = spawn(this.python, [path.join(PROJECT_ROOT, 'glue', 'local_worker.py'), '--threads', String(this.options.threads ?? '*')], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYSPARK_PYTHON: this.python },
      });
      this.worker = worker;
      this.exited = new Promise<void>((done) => worker.on('close', () => log.end(done)));
      worker.stderr.pipe(log, { end: false });
      createInterface({ input: worker.stdout }).on('line', (line) => {
        const answer = workerAnswer(line);
        // The worker keeps stdout for the protocol (glue/local_worker.py); anything else is a log line.
        if (!answer) return void log.write(`${line}\n`);
        if (answer.ready) return resolve();
        if (answer.progress) {
          if (answer.id !== undefined) this.progressOf.get(answer.id)?.(answer.progress);
          return;
        }
        const settle = answer.id === undefined ? undefined : this.pending.get(answer.id);
        if (answer.id !== undefined) {
          this.pending.delete(answer.id);
          this.progressOf.delete(answer.id);
        }
        settle?.(answer);
      });
      worker.on('exit', (code, signal) => {
        const message = `TransformError: the local Spark worker exited (${signal ?? `code ${code}`}); see ${this.options.logName ?? logFile}`;
        reject(new SparkWorkerExitedError(message));
        for (const settle of this.pending.values()) settle({ state: 'FAILED', errorMessage: message });
        this.pending.clear();
        this.progressOf.clear();
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
      });
    });
    return this.ready;
  }
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
    '--job-bookmark-option': 'job-bookmark-disable',
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
  private readonly worker: SparkWorker;
  /** Whether the worker is the job's own (stopped with it). */
  private readonly ownWorker: boolean;

  constructor(
    private readonly bucket: FolderBucket,
    config: EtlConfig,
    readonly jobName: string,
    options: SparkJobOptions = {},
  ) {
    const logFile = bucket.pathOf(`logs/glue/${jobName}.log`);
    // A worker of its own fails here, before anything runs, when the environment is missing.
    this.worker = options.worker ?? new SparkWorker({ logFile, logName: bucket.keyOf(logFile), threads: options.threads });
    this.ownWorker = options.worker === undefined;
    // What the deployment puts under scripts/plans/: each dataset's plan in the Spark dialect.
    for (const dataset of config.datasets) {
      const file = bucket.pathOf(`${PLANS_PREFIX}${dataset.name}.json`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(compileTransformPlan(dataset, 'spark'), null, 2)}\n`);
    }
  }

  async run(args: JobArguments, onProgress?: (progress: TransformProgress) => void): Promise<JobRun> {
    const jobRunId = newJobRunId();
    const started = Date.now();
    let answer: WorkerAnswer;
    try {
      answer = await this.worker.run(this.bucket, glueArgv(this.jobName, jobRunId, args['--bucket'], args), onProgress);
    } catch (e: unknown) {
      throw jobRunFailed(jobRunId, this.jobName, e instanceof Error ? e.message : String(e), { cause: e });
    }
    if (answer.state !== 'SUCCEEDED') throw jobRunFailed(jobRunId, this.jobName, answer.errorMessage ?? 'TransformError: the job run failed');
    // The report the runner wrote says how long the run took.
    const report = runReportSchema.safeParse(JSON.parse((await this.bucket.readText(this.bucket.name, args['--report_key'])) ?? 'null'));
    const durationMs = report.success ? report.data.durationMs : Date.now() - started;
    return { Id: jobRunId, JobName: this.jobName, JobRunState: 'SUCCEEDED', ExecutionTime: Math.round(durationMs / 1000) };
  }

  /** Stops the worker when it is the job's own (its JVM exits with it); a shared one is its owner's to stop. */
  close(): void {
    if (this.ownWorker) void this.worker.close();
  }
}
