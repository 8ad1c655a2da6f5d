/** Lambda entry point of the Summarize step (AWS wiring only; the logic is in ../summarize.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { bundledConfig } from './bundled-config';
import { createSummarizeHandler } from '../summarize';
import { createObservability } from '../observability';
import { s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.summarize.service);

/** The Lambda handler. */
export const handler = createSummarizeHandler({ config: bundledConfig, store: s3ObjectStore(obs), obs });
