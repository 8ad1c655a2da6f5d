/**
 * The handlers' side of the schema guard, on an object store in memory: Validate refuses an
 * incompatible config before it reads the upload, Summarize records the loaded schema (a first
 * load, a compatible evolution) and rewrites nothing when it is the same, so a redrive or a
 * concurrent run changes nothing.
 */
import { type EtlConfig, parseConfig } from '../../core/config/dataset-config';
import { ConfigError, SchemaEvolutionError } from '../../core/errors';
import { buildExecutionInput, type ExecutionInput } from '../../core/execution-input';
import { legacyLoadedSchemaKey, loadedSchemaKey } from '../../core/naming';
import { datasetSchema, formatDatasetSchema, parseDatasetSchema } from '../../core/schema-guard';
import { createObservability } from '../../handlers/observability';
import { createSummarizeHandler } from '../../handlers/summarize';
import { createValidateHandler } from '../../handlers/validate';
import { loadFixture } from '../fixtures/load-fixture';
import { MemoryObjectStore } from '../helpers/memory-object-store';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const BUCKET = 'etl-bucket';
const KEY = 'extract/orders.csv';
const CSV = 'order_id,quantity\nA-1,2\nA-2,3\n';
const SCHEMA_KEY = loadedSchemaKey('orders');
/** Where releases before the move to load/_meta/ kept it (under logs/glue-jobs/, which expires). */
const LEGACY_SCHEMA_KEY = legacyLoadedSchemaKey('orders');

function config(quantityType = 'integer', extra: object[] = []): EtlConfig {
  return parseConfig({
    datasets: [
      {
        name: 'orders',
        match: 'extract/**',
        columns: [{ name: 'order_id', type: 'string' }, { name: 'quantity', type: quantityType }, ...extra],
        dedupe: { keys: ['order_id'] },
      },
    ],
  });
}

function setup(deployed: EtlConfig) {
  const store = new MemoryObjectStore();
  const versionId = store.put(BUCKET, KEY, CSV);
  const input: ExecutionInput = buildExecutionInput(
    { bucket: BUCKET, key: KEY, version: 'v', versionId, sizeBytes: CSV.length, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**' },
  );
  const obs = createObservability('test');
  return {
    store,
    input,
    validate: createValidateHandler({ config: deployed, store, obs }),
    summarize: createSummarizeHandler({ config: deployed, store, obs }),
  };
}

/** Records the schema of `loadedWith` as a load under it would have. */
function record(store: MemoryObjectStore, loadedWith: EtlConfig): void {
  store.put(BUCKET, SCHEMA_KEY, formatDatasetSchema(datasetSchema(loadedWith.datasets[0])));
}

/** The run report of a load of the input that succeeded. */
function succeeded(store: MemoryObjectStore, input: ExecutionInput): void {
  const report = { ...loadFixture<Record<string, unknown>>('run-report-succeeded.json'), executionName: input.executionName, inputKey: input.key };
  store.put(BUCKET, input.reportKey, JSON.stringify(report));
}

describe('Validate', () => {
  it('validates a first load (nothing recorded) and a compatible config', async () => {
    // Prepare
    const first = setup(config());
    const evolved = setup(config('integer', [{ name: 'channel', type: 'string', nullable: true, required: false }]));
    record(evolved.store, config());

    // Act
    const reports = [await first.validate(first.input), await evolved.validate(evolved.input)];

    // Assess
    expect(reports.map((r) => r.valid)).toEqual([true, true]);
  });

  it('refuses an incompatible config with SchemaEvolutionError before it looks at the upload', async () => {
    // Prepare
    const { store, input, validate } = setup(config('bigint'));
    record(store, config());

    // Act
    const run = validate(input);

    // Assess
    await expect(run).rejects.toThrow(SchemaEvolutionError);
    await expect(validate(input)).rejects.toThrow(`column "quantity" changed type: integer → bigint`);
    await expect(validate(input)).rejects.toThrow(`s3://${BUCKET}/${SCHEMA_KEY}`);
    expect(store.heads).toEqual([]);
  });

  it('fails with a ConfigError naming the record when it is unreadable', async () => {
    // Prepare
    const { store, input, validate } = setup(config());
    store.put(BUCKET, SCHEMA_KEY, 'not json');

    // Act
    const run = validate(input);

    // Assess
    await expect(run).rejects.toThrow(ConfigError);
    await expect(validate(input)).rejects.toThrow(`s3://${BUCKET}/${SCHEMA_KEY} is not valid JSON`);
  });
});

describe('Summarize', () => {
  it('records the schema of a first load, and writes nothing when it summarizes again (a redrive)', async () => {
    // Prepare
    const { store, input, summarize } = setup(config());
    succeeded(store, input);

    // Act
    await summarize(input);
    await summarize(input);

    // Assess
    expect(parseDatasetSchema((await store.readText(BUCKET, SCHEMA_KEY)) as string, 'record')).toEqual(datasetSchema(config().datasets[0]));
    expect(store.versionIds(BUCKET, SCHEMA_KEY)).toHaveLength(1);
  });

  it('records a compatible evolution', async () => {
    // Prepare
    const evolvedConfig = config('integer', [{ name: 'channel', type: 'string', nullable: true, required: false }]);
    const { store, input, summarize } = setup(evolvedConfig);
    record(store, config());
    succeeded(store, input);

    // Act
    await summarize(input);

    // Assess
    expect(await store.readText(BUCKET, SCHEMA_KEY)).toBe(formatDatasetSchema(datasetSchema(evolvedConfig.datasets[0])));
    expect(store.versionIds(BUCKET, SCHEMA_KEY)).toHaveLength(2);
  });
});

describe('a deployment upgraded from the schema record under logs/glue-jobs/', () => {
  it('keeps its guard: Validate reads the legacy record when the new key holds none, and names it', async () => {
    // Prepare
    const { store, input, validate } = setup(config('bigint'));
    store.put(BUCKET, LEGACY_SCHEMA_KEY, formatDatasetSchema(datasetSchema(config().datasets[0])));

    // Act
    const run = validate(input);

    // Assess
    await expect(run).rejects.toThrow(SchemaEvolutionError);
    await expect(validate(input)).rejects.toThrow(`delete s3://${BUCKET}/${LEGACY_SCHEMA_KEY}`);
    expect(store.heads).toEqual([]);
  });

  it('moves the record: the first load after the upgrade writes it to the new key, which wins from then on', async () => {
    // Prepare
    const { store, input, summarize } = setup(config());
    const legacy = formatDatasetSchema(datasetSchema(config().datasets[0]));
    store.put(BUCKET, LEGACY_SCHEMA_KEY, legacy);
    succeeded(store, input);

    // Act
    await summarize(input);
    await summarize(input);
    store.put(BUCKET, LEGACY_SCHEMA_KEY, formatDatasetSchema(datasetSchema(config('bigint').datasets[0])));
    const later = setup(config());
    for (const key of [SCHEMA_KEY, LEGACY_SCHEMA_KEY]) later.store.put(BUCKET, key, (await store.readText(BUCKET, key)) as string);

    // Assess: written once (a redrive writes nothing), legacy left as it was; the new key is what Validate holds to
    expect(await store.readText(BUCKET, SCHEMA_KEY)).toBe(legacy);
    expect(store.versionIds(BUCKET, SCHEMA_KEY)).toHaveLength(1);
    expect((await later.validate(later.input)).valid).toBe(true);
  });
});
