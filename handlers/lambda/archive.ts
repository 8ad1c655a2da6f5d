/** Lambda entry point of the Archive step (AWS wiring only; the logic is in ../archive.ts). */
import { LAMBDA_STEPS } from '../../core/pipeline-steps';
import { createArchiveHandler } from '../archive';
import { createObservability } from '../observability';
import { s3ObjectStore } from './clients';

const obs = createObservability(LAMBDA_STEPS.archive.service);

/** The Lambda handler. */
export const handler = createArchiveHandler({ store: s3ObjectStore(obs), obs });
