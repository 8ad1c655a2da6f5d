/** Lambda entry point of the trigger (AWS wiring only; the logic is in ../trigger.ts). */
import { SFNClient } from '@aws-sdk/client-sfn';

import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { SfnExecutionStarter } from '../adapters/execution-starter';
import { createObservability } from '../observability';
import { createTriggerHandler } from '../trigger';
import { bundledRoutes } from './bundled-routes';
import { requiredEnv, s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.trigger.service);
const sfn = obs.tracer.captureAWSv3Client(new SFNClient({}));
const executions = new SfnExecutionStarter(sfn, requiredEnv('STATE_MACHINE_ARN'));

/** The Lambda handler. */
export const handler = createTriggerHandler({
  config: bundledRoutes,
  starter: executions,
  executions,
  // The bucket is the one each event names: the duplicate's, where its archived copy is.
  store: s3ObjectStore(obs),
  obs,
});
