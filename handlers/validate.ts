/**
 * Validate: checks that the dataset's configuration may load into its table (the schema guard),
 * then streams the uploaded object through the CSV checks of its dataset and returns the report
 * the state machine branches on (`valid`). Bad input is a report, never an exception; a refused
 * configuration is a {@link SchemaEvolutionError}, which the state machine notifies on
 * etl-job-failure with the input left in place (the file is not at fault).
 */
import { type DatasetConfig, type EtlConfig } from '../core/config/dataset-config';
import { ObjectNotFoundError, SchemaEvolutionError, UnknownDatasetError, describeError } from '../core/errors';
import { executionInputSchema } from '../core/execution-input-schema';
import { GZIP_TRAILER_BYTES } from '../core/input-decoding';
import { guardDatasetSchema } from '../core/schema-guard';
import { type ValidationReport, validateCsv } from '../core/validation/validate-csv';
import type { ObjectStore } from './adapters/object-store';
import { readLoadedSchema } from './loaded-schema';
import { instrument, MetricUnit, type Observability } from './observability';

/** The data rows a report's issues name (`row <n>: …`, as core/validation words them): line numbers, not values. */
function issueRows(issues: readonly string[]): number[] {
  return issues.flatMap((issue) => /^row (\d+):/.exec(issue)?.slice(1, 2).map(Number) ?? []);
}

/** Dependencies of the Validate handler. */
export interface ValidateDeps {
  readonly config: EtlConfig;
  readonly store: ObjectStore;
  readonly obs: Observability;
}

/** Builds the Validate handler. */
export function createValidateHandler(deps: ValidateDeps) {
  const { logger, metrics } = deps.obs;
  return instrument(deps.obs, 'validate', async (event: unknown): Promise<ValidationReport> => {
    const input = executionInputSchema.parse(event);
    // Per-call keys, not appendKeys: locally several executions share one logger at once.
    const about = { executionName: input.executionName, inputKey: input.key };
    const dataset = deps.config.datasets.find((d) => d.name === input.dataset);
    let report: ValidationReport;
    if (!dataset) {
      const error = new UnknownDatasetError(
        `no dataset matches "${input.key}"; configured: ${deps.config.datasets.map((d) => `${d.name} (${d.match})`).join(', ')}`,
      );
      report = {
        valid: false,
        error: describeError(error),
        header: [],
        rowsChecked: 0,
        malformedRows: 0,
        sampled: false,
        sizeBytes: input.sizeBytes,
        issues: [],
      };
    } else {
      await guardSchema(deps, input.bucket, dataset);
      const head = await deps.store.head(input.bucket, input.key, input.versionId);
      if (!head) throw new ObjectNotFoundError(`s3://${input.bucket}/${input.key} is gone before validation`);
      report = await validateCsv(await deps.store.read(input.bucket, input.key, input.versionId), dataset, head.sizeBytes, {
        gzipTrailer: () => deps.store.readTail(input.bucket, input.key, input.versionId, GZIP_TRAILER_BYTES),
      });
    }
    metrics.addDimension('dataset', input.dataset ?? 'unmatched');
    metrics.addMetric(report.valid ? 'FilesValid' : 'FilesRejected', MetricUnit.Count, 1);
    metrics.addMetric('RowsValidated', MetricUnit.Count, report.rowsChecked);
    if (report.valid) logger.info('file is valid', { ...about, rowsChecked: report.rowsChecked, sampled: report.sampled });
    // The error's name and where: its message and the issues quote the file's values (they go to the notification).
    else {
      logger.warn('file rejected', {
        ...about,
        error: report.error?.name ?? null,
        rowsChecked: report.rowsChecked,
        malformedRows: report.malformedRows,
        issueRows: issueRows(report.issues),
      });
    }
    return report;
  });
}

/**
 * Refuses, before the transform writes anything, a configuration that is not a compatible
 * evolution of the schema the dataset's loads were written with (recorded by Summarize).
 */
async function guardSchema(deps: ValidateDeps, bucket: string, dataset: DatasetConfig): Promise<void> {
  const { recorded, source } = await readLoadedSchema(deps.store, bucket, dataset.name);
  try {
    guardDatasetSchema(dataset, recorded, source);
  } catch (e: unknown) {
    // The error itself is logged as the handler's failure.
    if (e instanceof SchemaEvolutionError) {
      deps.obs.metrics.addDimension('dataset', dataset.name);
      deps.obs.metrics.addMetric('SchemaChangesRefused', MetricUnit.Count, 1);
    }
    throw e;
  }
}
