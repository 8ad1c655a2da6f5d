/**
 * Summarize: reads the transform's run report, applies the dataset's `warn` thresholds and
 * builds the notification: SUCCESS, or WARNING naming each threshold crossed. It records the
 * schema the dataset was loaded with (a first load, or a compatible evolution), which Validate
 * holds later configurations to.
 */
import { type DatasetConfig, type EtlConfig, getDataset } from '../core/config/dataset-config';
import { RunReportError } from '../core/errors';
import { executionInputSchema } from '../core/execution-input-schema';
import { type Outcome, loadedOutcome } from '../core/outcome';
import { evaluateQuality } from '../core/quality';
import { formatDatasetSchema, guardDatasetSchema } from '../core/schema-guard';
import type { ObjectStore } from './adapters/object-store';
import { readLoadedSchema } from './loaded-schema';
import { instrument, loggableSummary, MetricUnit, type Observability } from './observability';
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
    await recordSchema(deps, input.bucket, dataset);
    const findings = evaluateQuality(report, report.previousRun?.rowsOut, dataset.quality);
    const outcome = loadedOutcome(input, report, findings);
    metrics.addDimension('dataset', report.dataset);
    metrics.addMetric('RowsIngested', MetricUnit.Count, report.rowsIn);
    metrics.addMetric('RowsWritten', MetricUnit.Count, report.rowsOut);
    metrics.addMetric('DuplicatesRemoved', MetricUnit.Count, report.duplicatesRemoved);
    metrics.addMetric('MalformedRows', MetricUnit.Count, report.malformedRows);
    metrics.addMetric(outcome.status === 'WARNING' ? 'FilesWithWarnings' : 'FilesSucceeded', MetricUnit.Count, 1);
    logger.info('run summarized', { summary: loggableSummary(outcome.summary) });
    return outcome;
  });
}

/**
 * Records the schema the dataset's table now holds, when it differs from the one recorded: the
 * same guard as Validate's first (a record changed since then is not overwritten by an
 * incompatible one), so a redrive or a concurrent run writes the same bytes or nothing.
 */
async function recordSchema(deps: SummarizeDeps, bucket: string, dataset: DatasetConfig): Promise<void> {
  const loaded = await readLoadedSchema(deps.store, bucket, dataset.name);
  const schema = formatDatasetSchema(guardDatasetSchema(dataset, loaded.recorded, loaded.source));
  if (schema === loaded.text) return;
  await deps.store.write(bucket, loaded.key, schema, 'application/json');
  // A record read from its legacy location (loaded-schema.ts) has no text at the key: it moves here.
  const what = !loaded.recorded ? 'schema recorded' : loaded.text === undefined ? 'schema record moved to its new key' : 'schema evolved: recorded';
  deps.obs.logger.info(what, {
    dataset: dataset.name,
    key: loaded.key,
    ...(loaded.text === undefined && loaded.recorded ? { from: loaded.source.location } : {}),
  });
}
