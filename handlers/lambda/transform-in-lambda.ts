/** Lambda entry point of the TransformInLambda step (AWS wiring only; the logic is in ../transform-in-lambda.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { createObservability } from '../observability';
import { createTransformInLambdaHandler } from '../transform-in-lambda';
import { bundledConfig } from './bundled-config';
import { requiredEnv, s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.transformInLambda.service);

/** The Lambda handler: its files under the function's /tmp, DuckDB's memory limit from the stack. */
export const handler = createTransformInLambdaHandler({
  config: bundledConfig,
  store: s3ObjectStore(obs),
  obs,
  workDir: requiredEnv('ETL_WORK_DIR'),
  memoryLimit: requiredEnv('ETL_DUCKDB_MEMORY_LIMIT'),
});
