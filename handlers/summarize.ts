/**
 * Summarize: reads the transform's run report, applies the dataset's `warn` thresholds and
 * builds the notification: SUCCESS, or WARNING naming each threshold crossed.
 */
import { type EtlConfig, getDataset } from '../core/config/dataset-config';
import { RunReportError } from '../core/errors';
import { executionInputSchema } from '../core/execution-input-schema';
import { type Outcome, loadedOutcome } from '../core/outcome';
import { evaluateQuality } from '../core/quality';
import type { ObjectStore } from './adapters/object-store';
import { instrument, MetricUnit, type Observability } from './observability';
import { readRunReport } from './run-report-reader';

/** Dependencies of the Summarize handler. */
export interface SummarizeDeps {
  readonly config: EtlConfig;
  readonly store: ObjectStore;
  readonly obs: Observability;
}

/** Builds the Summarize handler. */
export function createSummarizeHandler(deps: SummarizeDeps) {
  const { logger, metrics } = deps.obs;
  return instrument(deps.obs, 'summarize', async (event: unknown): Promise<Outcome> => {
    const input = executionInputSchema.parse(event);
    const dataset = getDataset(deps.config, input.dataset ?? '');
    const report = await readRunReport(deps.store, input.bucket, input.reportKey);
    if (!report) throw new RunReportError(`no run report at s3://${input.bucket}/${input.reportKey}`);
    if (report.status !== 'SUCCEEDED') throw new RunReportError(`run report says ${report.status} but the job succeeded`);
    const findings = evaluateQuality(report, report.previousRun?.rowsOut, dataset.quality);
    const outcome = loadedOutcome(input, report, findings);
    metrics.addDimension('dataset', report.dataset);
    metrics.addMetric('RowsIngested', MetricUnit.Count, report.rowsIn);
    metrics.addMetric('RowsWritten', MetricUnit.Count, report.rowsOut);
    metrics.addMetric('DuplicatesRemoved', MetricUnit.Count, report.duplicatesRemoved);
    metrics.addMetric('MalformedRows', MetricUnit.Count, report.malformedRows);
    metrics.addMetric(outcome.status === 'WARNING' ? 'FilesWithWarnings' : 'FilesSucceeded', MetricUnit.Count, 1);
    logger.info('run summarized', { summary: outcome.summary });
    return outcome;
  });
}
