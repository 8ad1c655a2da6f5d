/**
 * Reject: moves an input that failed validation to `extract/rejected/YYYY-MM-DD/…` and builds
 * the failure notification naming the validation error.
 */
import { z } from 'zod';

import { executionInputSchema } from '../core/execution-input-schema';
import { type Outcome, failedOutcome } from '../core/outcome';
import { STATE } from '../core/pipeline-steps';
import type { ObjectStore } from './adapters/object-store';
import { moveObject } from './move-object';
import { instrument, loggableSummary, MetricUnit, type Observability } from './observability';

const rejectEventSchema = executionInputSchema.extend({
  validation: z.object({ error: z.object({ name: z.string(), message: z.string() }) }),
});

/** Dependencies of the Reject handler. */
export interface RejectDeps {
  readonly store: ObjectStore;
  readonly obs: Observability;
}

/** Builds the Reject handler. */
export function createRejectHandler(deps: RejectDeps) {
  return instrument(deps.obs, 'reject', async (event: unknown): Promise<Outcome> => {
    const input = rejectEventSchema.parse(event);
    await moveObject(deps.store, input.bucket, input.key, input.versionId, input.rejectedKey);
    const outcome = failedOutcome(input, STATE.Validate, { Error: input.validation.error.name, Cause: input.validation.error.message }, { rejected: true });
    deps.obs.metrics.addDimension('dataset', outcome.summary.dataset);
    deps.obs.metrics.addMetric('FilesRejected', MetricUnit.Count, 1);
    deps.obs.logger.warn('input rejected', { summary: loggableSummary(outcome.summary) });
    return outcome;
  });
}
