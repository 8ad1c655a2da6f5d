/**
 * TransformInLambda, the fast path: a file up to its dataset's `fastPathMaxBytes` is transformed in
 * this Lambda by the same compiled plan the local Glue stand-in runs (DuckDB,
 * transform/duckdb-transform.ts), reading the input and writing the outputs through the bucket's
 * store, its files in a work folder (/tmp on Lambda). It answers as Glue's `.sync` integration
 * does, so the state machine treats both transforms alike: the same run report (engine `lambda`)
 * and outputs; on failure the report is written and the run's named error thrown (its name is the
 * Task's `Error`).
 */
import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import type { EtlConfig } from '../core/config/dataset-config';
import type { TransformProgress } from '../core/run-report';
import { transformArgumentsSchema } from '../core/transform/transform-arguments';
import type { TransformStore } from './adapters/object-store';
import { instrument, MetricUnit, type Observability } from './observability';
import { DuckDbTransform } from './transform/duckdb-transform';

/** The Task's input: the Glue job's `Arguments`, the same object. */
const eventSchema = z.object({ Arguments: transformArgumentsSchema });

/** What the Task returns: the fields of a Glue job run the state machine reads. */
export interface FastPathRun {
  readonly Id: string;
  readonly JobRunState: 'SUCCEEDED';
}

/** Dependencies of the TransformInLambda handler. */
export interface TransformInLambdaDeps {
  readonly config: EtlConfig;
  readonly store: TransformStore;
  readonly obs: Observability;
  /** A local folder for the runs' files. */
  readonly workDir: string;
  /** DuckDB's memory limit (it spills to the work folder beyond it). @default '2GB' */
  readonly memoryLimit?: string;
  /** Told what each run is doing while it runs, by execution (the local runtime's progress line). @default none */
  readonly onProgress?: (executionName: string, progress: TransformProgress) => void;
}

/** Builds the TransformInLambda handler. */
export function createTransformInLambdaHandler(deps: TransformInLambdaDeps) {
  const { logger, metrics } = deps.obs;
  const transform = new DuckDbTransform(deps.store, deps.config, 'lambda', deps.workDir, { memoryLimit: deps.memoryLimit });
  return instrument(deps.obs, 'transform-in-lambda', async (event: unknown): Promise<FastPathRun> => {
    const args = eventSchema.parse(event).Arguments;
    // A job run id of its own kind: no Glue job run stands behind it.
    const jobRunId = `lambda_${randomUUID().replace(/-/g, '')}`;
    const about = { executionName: args['--execution_name'], inputKey: args['--input_key'], jobRunId };
    metrics.addDimension('dataset', args['--dataset']);
    try {
      const onProgress = deps.onProgress;
      const report = await transform.run(args, jobRunId, onProgress && ((progress) => onProgress(args['--execution_name'], progress)));
      metrics.addMetric('FastPathRows', MetricUnit.Count, report.rowsOut);
      metrics.addMetric('FastPathDuration', MetricUnit.Milliseconds, report.durationMs);
      logger.info('transformed in the fast path', { ...about, rowsIn: report.rowsIn, rowsOut: report.rowsOut, durationMs: report.durationMs });
      return { Id: jobRunId, JobRunState: 'SUCCEEDED' };
    } catch (e: unknown) {
      metrics.addMetric('FastPathFailures', MetricUnit.Count, 1);
      throw e;
    }
  });
}
