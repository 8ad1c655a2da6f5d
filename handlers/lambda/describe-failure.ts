/** Lambda entry point of the DescribeFailure step (AWS wiring only; the logic is in ../describe-failure.ts). */
import { createDescribeFailureHandler } from '../describe-failure';
import { createObservability } from '../observability';
import { s3ObjectStore } from './clients';

const obs = createObservability('etl-describe-failure');

/** The Lambda handler. */
export const handler = createDescribeFailureHandler({ store: s3ObjectStore(obs), obs });
