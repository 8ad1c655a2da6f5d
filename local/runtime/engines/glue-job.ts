/**
 * What the local runtime's Glue stand-ins share: the job arguments the state machine passes, the
 * job run the `.sync` integration returns, and how a failed run surfaces.
 */
import { randomUUID } from 'node:crypto';

import type { TransformProgress } from '../../../core/run-report';
import type { TransformArguments } from '../../../core/transform/transform-arguments';
import { JobRunFailedError } from '../errors';

/** The job arguments, as the state machine passes them to `glue:startJobRun`. */
export type JobArguments = TransformArguments;

/** A finished job run, shaped like the `JobRun` Glue's `.sync` integration returns. */
export interface JobRun {
  readonly Id: string;
  readonly JobName: string;
  readonly JobRunState: 'SUCCEEDED';
  readonly ExecutionTime: number;
}

/** The engines that can stand in for the Glue job. */
export const ENGINES = ['duckdb', 'spark'] as const;
/** `duckdb` (the default, in-process) or `spark` (glue/etl_runner.py on local PySpark). */
export type EngineName = (typeof ENGINES)[number];

/** A local stand-in for the Glue job. */
export interface GlueJob {
  readonly engine: EngineName;
  /**
   * Runs one job to its end; throws {@link JobRunFailedError} (the job run as JSON) on failure.
   * `onProgress`, if given, is told what the run is doing while it runs.
   */
  run(args: JobArguments, onProgress?: (progress: TransformProgress) => void): Promise<JobRun>;
  /** Releases what the engine holds (a worker process). */
  close(): void;
}

/** A new job run id, as Glue spells them (`jr_` and hex). */
export function newJobRunId(): string {
  return `jr_local_${randomUUID().replace(/-/g, '')}`;
}

/** The error a failed job run raises, with the run as Glue's `.sync` integration reports it. */
export function jobRunFailed(jobRunId: string, jobName: string, errorMessage: string, options?: ErrorOptions): JobRunFailedError {
  return new JobRunFailedError(JSON.stringify({ Id: jobRunId, JobName: jobName, JobRunState: 'FAILED', ErrorMessage: errorMessage }), options);
}
