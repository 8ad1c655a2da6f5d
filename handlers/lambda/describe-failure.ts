/** Lambda entry point of the DescribeFailure step (AWS wiring only; the logic is in ../describe-failure.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { createDescribeFailureHandler } from '../describe-failure';
import { createObservability } from '../observability';
import { s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.describeFailure.service);

/** The Lambda handler. */
export const handler = createDescribeFailureHandler({ store: s3ObjectStore(obs), obs });
