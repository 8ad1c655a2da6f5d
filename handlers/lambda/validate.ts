/** Lambda entry point of the Validate step (AWS wiring only; the logic is in ../validate.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { bundledConfig } from './bundled-config';
import { createValidateHandler } from '../validate';
import { createObservability } from '../observability';
import { s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.validate.service);

/** The Lambda handler. */
export const handler = createValidateHandler({ config: bundledConfig, store: s3ObjectStore(obs), obs });
