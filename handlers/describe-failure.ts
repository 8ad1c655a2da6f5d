/**
 * DescribeFailure: turns an error caught by the state machine (a transform's: the Glue job's in
 * Transform, or the fast path's in TransformInLambda; or the `SchemaEvolutionError` of Validate's
 * schema guard) into the failure notification. The input stays in `extract/` so the execution
 * can be redriven.
 */
import { z } from 'zod';

import { executionInputSchema } from '../core/execution-input-schema';
import { transformStateFor } from '../core/fast-path';
import { type Outcome, failedOutcome } from '../core/outcome';
import { STATE } from '../core/pipeline-steps';
import type { ObjectStore } from './adapters/object-store';
import { instrument, loggableSummary, MetricUnit, type Observability } from './observability';
import { readRunReport } from './run-report-reader';

const failureEventSchema = executionInputSchema.extend({
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
  /** Validate's result: absent when the error was Validate's own. Its size chose the transform. */
  validation: z.object({ uncompressedSizeBytes: z.number().optional() }).passthrough().nullable().optional(),
});

/** Dependencies of the DescribeFailure handler. */
export interface DescribeFailureDeps {
  readonly store: ObjectStore;
  readonly obs: Observability;
}

/** Builds the DescribeFailure handler. */
export function createDescribeFailureHandler(deps: DescribeFailureDeps) {
  return instrument(deps.obs, 'describe-failure', async (event: unknown): Promise<Outcome> => {
    const input = failureEventSchema.parse(event);
    if (input.validation === undefined) {
      // Validate refused the dataset's configuration: no transform ran, no report to read.
      const outcome = failedOutcome(input, STATE.Validate, input.error, { rejected: false });
      deps.obs.logger.error('configuration refused before the transform', { summary: loggableSummary(outcome.summary) });
      return outcome;
    }
    // Either engine writes a report even when it fails; it carries the counts and the error name.
    // Without one (the job or the function died first), the caught error names the failure: a
    // job run's JSON from Glue, Lambda's {errorType, errorMessage} (namedError reads both).
    const report = await readRunReport(deps.store, input.bucket, input.reportKey).catch(() => undefined);
    const failed = report?.status === 'FAILED' && report.executionName === input.executionName ? report : undefined;
    const stage = transformStateFor(input);
    const outcome = failedOutcome(input, stage, input.error, { rejected: false, report: failed });
    deps.obs.metrics.addDimension('dataset', outcome.summary.dataset);
    deps.obs.metrics.addMetric('TransformFailures', MetricUnit.Count, 1);
    deps.obs.logger.error('transform failed', { summary: loggableSummary(outcome.summary) });
    return outcome;
  });
}
