/** Lambda entry point of the RedriveGate step (the logic is in ../redrive-gate.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { createObservability } from '../observability';
import { createRedriveGateHandler } from '../redrive-gate';

const obs = createObservability(LAMBDA_STEPS.redriveGate.service);

/** The Lambda handler. */
export const handler = createRedriveGateHandler({ obs });
