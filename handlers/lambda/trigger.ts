/** Lambda entry point of the trigger (AWS wiring only; the logic is in ../trigger.ts). */
import { SFNClient } from '@aws-sdk/client-sfn';

import { SfnExecutionStarter } from '../adapters/execution-starter';
import { createObservability } from '../observability';
import { createTriggerHandler } from '../trigger';
import { bundledRoutes } from './bundled-routes';
import { requiredEnv } from './clients';

const obs = createObservability('etl-trigger');
const sfn = obs.tracer.captureAWSv3Client(new SFNClient({}));

/** The Lambda handler. */
export const handler = createTriggerHandler({
  config: bundledRoutes,
  starter: new SfnExecutionStarter(sfn, requiredEnv('STATE_MACHINE_ARN')),
  obs,
});
