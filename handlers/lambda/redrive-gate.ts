/** Lambda entry point of the RedriveGate step (the logic is in ../redrive-gate.ts). */
import { createObservability } from '../observability';
import { createRedriveGateHandler } from '../redrive-gate';

const obs = createObservability('etl-redrive-gate');

/** The Lambda handler. */
export const handler = createRedriveGateHandler({ obs });
