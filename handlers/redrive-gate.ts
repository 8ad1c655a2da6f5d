/**
 * RedriveGate: the state a failed execution stops at, after its one failure notification.
 * On the first pass it fails with the named error (so the console shows `QualityThresholdError`,
 * not a generic failure); when the execution is redriven it is re-entered with a higher
 * `$$.Execution.RedriveCount` and answers where to resume. A `Fail` state could not do this:
 * a redrive resumes at the failed state, and a Fail state only fails again.
 *
 * It ends every route that notified someone with a name the audit rule's list holds, and the
 * route that notified no one (`NotifyCritical` timed out) with `CriticalNotificationFailedError`,
 * which it does not: then the execution-failure rule alerts.
 */
import { z } from 'zod';

import { CriticalNotificationFailedError, PipelineCriticalError } from '../core/errors';
import { resumePoint, type ResumeState } from '../core/redrive';
import { PipelineFailedError } from './errors';
import { instrument, MetricUnit, type Observability } from './observability';

const gateEventSchema = z.object({
  state: z
    .object({
      // What ChooseEngine chose the transform by: a redrive resumes at the same one.
      sizeBytes: z.number().optional(),
      fastPathMaxBytes: z.number().optional(),
      failure: z.object({ summary: z.object({ error: z.object({ name: z.string(), message: z.string() }).nullable() }) }).optional(),
      error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
      validation: z.object({ valid: z.boolean() }).passthrough().nullable().optional(),
      transform: z.unknown().optional(),
      outcome: z.object({ status: z.string() }).passthrough().nullable().optional(),
      archive: z.unknown().optional(),
    })
    .passthrough(),
  failedAt: z.object({ kind: z.enum(['TransformFailure', 'Critical', 'CriticalNotificationFailed']), redriveCount: z.number().int() }),
  redriveCount: z.number().int(),
});

/** Dependencies of the RedriveGate handler. */
export interface RedriveGateDeps {
  readonly obs: Observability;
}

/** Builds the RedriveGate handler. */
export function createRedriveGateHandler(deps: RedriveGateDeps) {
  return instrument(deps.obs, 'redrive-gate', async (event: unknown): Promise<{ at: ResumeState }> => {
    const { state, failedAt, redriveCount } = gateEventSchema.parse(event);
    if (redriveCount > failedAt.redriveCount) {
      const at = resumePoint(state);
      deps.obs.metrics.addMetric('ExecutionsRedriven', MetricUnit.Count, 1);
      deps.obs.logger.info('redriven: resuming', { at, redriveCount });
      return { at };
    }
    const named = state.failure?.summary.error;
    if (failedAt.kind === 'TransformFailure' && named) throw new PipelineFailedError(named.name, named.message);
    const caught = state.error;
    const message = caught ? `${caught.Error}: ${caught.Cause ?? ''}` : 'unexpected failure';
    if (failedAt.kind === 'CriticalNotificationFailed') throw new CriticalNotificationFailedError(`etl-critical-alerts could not be notified of ${message}`);
    throw new PipelineCriticalError(message);
  });
}
