/** Lambda entry point of the Reject step (AWS wiring only; the logic is in ../reject.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { createRejectHandler } from '../reject';
import { createObservability } from '../observability';
import { s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.reject.service);

/** The Lambda handler. */
export const handler = createRejectHandler({ store: s3ObjectStore(obs), obs });
