/**
 * The schema guard through the whole ASL on real files: after a load, a config whose column type
 * changed is refused by Validate with SchemaEvolutionError before anything is written (the input
 * stays for a redrive, one etl-job-failure), and a redrive once the config is fixed loads the file;
 * a nullable column added loads, and the recorded schema gains it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parseConfigText } from '../../core/config/dataset-config';
import { buildExecutionInput } from '../../core/execution-input';
import { lastRunReportKey, legacyLastRunReportKey, legacyLoadedSchemaKey, loadedSchemaKey, runReportKey } from '../../core/naming';
import { runReportSchema } from '../../core/run-report';
import { datasetSchema, formatDatasetSchema, parseDatasetSchema } from '../../core/schema-guard';
import { runFiles } from '../../local/cli/run-files';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE } from '../../statemachine/definition';
import { failingWith, runStates } from '../helpers/asl-run';
import { notifications, PROJECT_ROOT, sample, tempRoot, writeCsv } from '../helpers/local-root';

/** The project's config document, to edit. */
interface ConfigDocument {
  datasets: { columns: { name: string; type: string; nullable?: boolean; required?: boolean }[] }[];
}

const baseConfig = (): ConfigDocument => JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8')) as ConfigDocument;

/** Every file under a folder with a hash of its bytes, sorted: equal listings are the same files, byte for byte. */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((entry) => statSync(path.join(dir, entry)).isFile())
    .map(
      (entry) =>
        `${entry} ${createHash('sha256')
          .update(readFileSync(path.join(dir, entry)))
          .digest('hex')}`,
    )
    .sort();
}

describe('the schema guard, locally', () => {
  let root: string;
  let pipeline: LocalPipeline;

  beforeEach(async () => {
    root = tempRoot();
    pipeline = new LocalPipeline({ root });
    const [first] = await runFiles(pipeline, [sample('orders-clean.csv')], {});
    expect(first.status).toBe('SUCCESS');
  });
  afterEach(() => pipeline.close());

  const bucketPath = (key: string): string => path.join(root, 'bucket', key);
  const recorded = (): string => readFileSync(bucketPath(loadedSchemaKey('orders')), 'utf-8');

  /** Reopens the pipeline on the root with the project's config edited. */
  function reopenWith(edit: (config: ConfigDocument) => void): string {
    const config = baseConfig();
    edit(config);
    const configPath = path.join(root, `config-${Date.now()}.json`);
    writeFileSync(configPath, JSON.stringify(config));
    pipeline.close();
    pipeline = new LocalPipeline({ root, configPath });
    return configPath;
  }

  /** Another day's export: other order ids, so other bytes (a new load, not a duplicate). */
  const nextDay = (): string => writeCsv(root, 'orders-next-day.csv', readFileSync(sample('orders-clean.csv'), 'utf-8').replace(/ORD-2026-/g, 'ORD-2027-'));

  it('records the schema of the first load', () => {
    // Assess
    const config = parseConfigText(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8'));
    expect(recorded()).toBe(formatDatasetSchema(datasetSchema(config.datasets[0])));
  });

  it.each([
    ['quantity', 'bigint', 'integer → bigint'],
    ['unit_price', 'decimal(14,4)', 'decimal(12,2) → decimal(14,4)'],
  ])('refuses %s changed to %s before anything is written; a redrive once the config is fixed loads the file', async (name, type, change) => {
    // Prepare
    reopenWith((config) => {
      const column = config.datasets[0].columns.find((c) => c.name === name);
      if (column) column.type = type;
    });
    const loadBefore = listing(bucketPath('load'));
    expect(loadBefore.length).toBeGreaterThan(0);
    const schemaBefore = recorded();

    // Act
    const [result] = await runFiles(pipeline, [nextDay()], {});

    // Assess: FAILURE with the named error, nothing written, the input in place, one notification
    expect(result).toMatchObject({ status: 'FAILURE', topic: 'etl-job-failure', error: { name: 'SchemaEvolutionError' } });
    expect(result.error?.message).toContain(`column "${name}" changed type: ${change}`);
    expect(result.error?.message).toContain('declare a new dataset (e.g. "orders_v2")');
    expect(result.rejectedKey).toBeUndefined();
    expect(pipeline.store.get(result.executionName)).toMatchObject({ status: 'FAILED', error: 'SchemaEvolutionError' });
    expect(listing(bucketPath('load'))).toEqual(loadBefore);
    expect(recorded()).toBe(schemaBefore);
    expect(existsSync(bucketPath('extract/orders-next-day.csv'))).toBe(true);
    expect(existsSync(bucketPath('extract/rejected'))).toBe(false);
    const failures = notifications(root).slice(1);
    expect(failures.map((n) => n.topic)).toEqual(['etl-job-failure']);
    expect(failures[0].message).toContain(`error: SchemaEvolutionError: dataset "orders" refuses this configuration`);
    expect(failures[0].message).toContain('ended at Validate');
    expect(failures[0].message).toContain('input left in place');

    // Act: the config fixed, the execution redriven
    reopenWith(() => undefined);
    const { resumedAt } = pipeline.redrive(result.executionName);
    const redriven = await pipeline.waitFor(result.executionName);

    // Assess
    expect(resumedAt).toBe(STATE.RedriveGate);
    expect(redriven.status).toBe('SUCCEEDED');
    expect(existsSync(bucketPath('extract/orders-next-day.csv'))).toBe(false);
    expect(notifications(root).map((n) => n.topic)).toEqual(['etl-job-success', 'etl-job-failure', 'etl-job-success']);
  });

  it('loads with a nullable column added, and the recorded schema gains it', async () => {
    // Prepare
    reopenWith((config) => config.datasets[0].columns.push({ name: 'channel', type: 'string', nullable: true, required: false }));

    // Act
    const [result] = await runFiles(pipeline, [nextDay()], {});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCESS', topic: 'etl-job-success' });
    const schema = parseDatasetSchema(recorded(), 'the record');
    expect(schema.columns.at(-1)).toEqual({ name: 'channel', type: 'string', nullable: true });
    expect(schema.columns).toHaveLength(baseConfig().datasets[0].columns.length + 1);
  });

  it('keeps the guard and the volume check of a bucket from before the move to load/_meta/, then moves the records', async () => {
    // Prepare: the records where earlier releases kept them (under logs/glue-jobs/), none at the new keys
    const firstRun = JSON.parse(readFileSync(bucketPath(lastRunReportKey('orders')), 'utf-8')) as { executionName: string; rowsOut: number };
    for (const [key, legacy] of [
      [loadedSchemaKey('orders'), legacyLoadedSchemaKey('orders')],
      [lastRunReportKey('orders'), legacyLastRunReportKey('orders')],
    ]) {
      mkdirSync(path.dirname(bucketPath(legacy)), { recursive: true });
      renameSync(bucketPath(key), bucketPath(legacy));
    }
    const legacySchema = readFileSync(bucketPath(legacyLoadedSchemaKey('orders')), 'utf-8');
    reopenWith((config) => {
      const column = config.datasets[0].columns.find((c) => c.name === 'quantity');
      if (column) column.type = 'bigint';
    });

    // Act: an incompatible config, then the config fixed and the execution redriven
    const [refused] = await runFiles(pipeline, [nextDay()], {});
    reopenWith(() => undefined);
    pipeline.redrive(refused.executionName);
    const redriven = await pipeline.waitFor(refused.executionName);

    // Assess: refused by the legacy record (named as the one to delete), then loaded and compared with the run before the upgrade
    expect(refused).toMatchObject({ status: 'FAILURE', error: { name: 'SchemaEvolutionError' } });
    expect(refused.error?.message).toContain(`${legacyLoadedSchemaKey('orders')}`);
    expect(redriven.status).toBe('SUCCEEDED');
    const report = runReportSchema.parse(JSON.parse(readFileSync(bucketPath(runReportKey('orders', refused.executionName)), 'utf-8')));
    expect(report.previousRun).toEqual({ executionName: firstRun.executionName, rowsOut: firstRun.rowsOut });
    expect(recorded()).toBe(legacySchema);
    expect(JSON.parse(readFileSync(bucketPath(lastRunReportKey('orders')), 'utf-8'))).toMatchObject({ executionName: refused.executionName });
  });
});

describe('the state machine route of a refused schema change', () => {
  const INPUT = buildExecutionInput(
    { bucket: 'etl-bucket', key: 'extract/orders.csv', version: 'v1', versionId: 'v1', sizeBytes: 2048, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**' },
  );
  const NOTIFICATION = { status: 'FAILURE', subject: '[FAILURE] orders: orders.csv', message: 'm', summary: { dataset: 'orders' } };
  const HANDLERS = {
    [STATE.DescribeTransformFailure]: () => NOTIFICATION,
    [STATE.NotifyTransformFailure]: () => ({ MessageId: 'm-1' }),
    [STATE.NotifyCritical]: () => ({ MessageId: 'm-2' }),
    [STATE.RedriveGate]: failingWith('SchemaEvolutionError'),
  };

  it('is etl-job-failure with the input in place: never Reject (the file is not at fault), never NotifyCritical', async () => {
    // Act
    const run = await runStates(STATE.Validate, INPUT, { ...HANDLERS, [STATE.Validate]: failingWith('SchemaEvolutionError') });

    // Assess
    expect(run.entered).toEqual([STATE.Validate, STATE.DescribeTransformFailure, STATE.NotifyTransformFailure, STATE.RecordFailure, STATE.RedriveGate]);
    expect(run.error).toBe('SchemaEvolutionError');
  });

  it('leaves any other error of Validate to etl-critical-alerts', async () => {
    // Act
    const run = await runStates(STATE.Validate, INPUT, { ...HANDLERS, [STATE.Validate]: failingWith('ConfigError') });

    // Assess
    expect(run.entered).toContain(STATE.NotifyCritical);
    expect(run.entered).not.toContain(STATE.DescribeTransformFailure);
  });
});
