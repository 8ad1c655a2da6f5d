/**
 * The local stand-in for the Glue job: the DuckDB transform (handlers/transform/duckdb-transform.ts,
 * the fast path's own) over the bucket folder, answering as Glue's `.sync` integration does.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { EtlConfig } from '../../../core/config/dataset-config';
import { describeError } from '../../../core/errors';
import type { TransformProgress } from '../../../core/run-report';
import { DuckDbTransform, type DuckDbTransformOptions } from '../../../handlers/transform/duckdb-transform';
import type { FolderBucket } from '../folder-bucket';
import { type GlueJob, type JobArguments, type JobRun, jobRunFailed, newJobRunId } from './glue-job';

/** Engine settings of the local job. */
export type DuckDbJobOptions = DuckDbTransformOptions;

/** Runs transform jobs for one local bucket. */
export class DuckDbGlueJob implements GlueJob {
  readonly engine = 'duckdb' as const;
  private readonly transform: DuckDbTransform;

  constructor(
    bucket: FolderBucket,
    config: EtlConfig,
    readonly jobName: string,
    options: DuckDbJobOptions = {},
  ) {
    // Beside the bucket, on its file system: the staged outputs are linked into it, not copied.
    const workDir = path.join(path.dirname(bucket.dir), 'tmp', 'duckdb');
    mkdirSync(workDir, { recursive: true });
    this.transform = new DuckDbTransform(bucket, config, 'duckdb', workDir, options);
  }

  /** Runs one job to its end; throws {@link JobRunFailedError} (with the job run as JSON) on failure. */
  async run(args: JobArguments, onProgress?: (progress: TransformProgress) => void): Promise<JobRun> {
    const jobRunId = newJobRunId();
    try {
      const report = await this.transform.run(args, jobRunId, onProgress);
      return { Id: jobRunId, JobName: this.jobName, JobRunState: 'SUCCEEDED', ExecutionTime: Math.round(report.durationMs / 1000) };
    } catch (e: unknown) {
      const error = describeError(e);
      throw jobRunFailed(jobRunId, this.jobName, `${error.name}: ${error.message}`, { cause: e });
    }
  }

  /** Nothing to release: each run opens and closes its own DuckDB instance. */
  close(): void {}
}
