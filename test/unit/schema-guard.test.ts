/**
 * The schema guard's comparison: which changes of a dataset's config its loads can take, what the
 * refusal says, the recorded forms (the bucket's record and the lock file).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { type DatasetConfig, type EtlConfig, parseConfig, parseConfigText } from '../../core/config/dataset-config';
import { ConfigError, SchemaEvolutionError } from '../../core/errors';
import {
  compareSchemas,
  datasetSchema,
  evolveSchemaLock,
  formatDatasetSchema,
  formatSchemaLock,
  guardDatasetSchema,
  parseDatasetSchema,
  parseSchemaLock,
} from '../../core/schema-guard';

const SOURCE = { location: 's3://etl-bucket/load/_meta/orders/schema.json', reset: 'delete s3://etl-bucket/load/_meta/orders/schema.json' };

/** A dataset document as the config file holds it. */
type DatasetDocument = Record<string, unknown> & { columns: Record<string, unknown>[] };

function ordersDocument(): DatasetDocument {
  return {
    name: 'orders',
    match: 'extract/**/*orders*.csv',
    columns: [
      { name: 'order_id', type: 'string' },
      { name: 'quantity', type: 'integer' },
      { name: 'unit_price', type: 'decimal(12,2)' },
      { name: 'order_date', type: 'date' },
      { name: 'notes', type: 'string', nullable: true },
    ],
    dedupe: { keys: ['order_id'] },
  };
}

function dataset(document: DatasetDocument): DatasetConfig {
  return parseConfig({ datasets: [document] }).datasets[0];
}

/** The orders dataset after `edit` of its document. */
function edited(edit: (document: DatasetDocument) => void): DatasetConfig {
  const document = ordersDocument();
  edit(document);
  return dataset(document);
}

const RECORDED = datasetSchema(dataset(ordersDocument()));

/** The changes from the recorded orders schema to the edited one. */
function changesAfter(edit: (document: DatasetDocument) => void) {
  return compareSchemas(RECORDED, datasetSchema(edited(edit)));
}

const column = (document: DatasetDocument, name: string): Record<string, unknown> => document.columns.find((c) => c.name === name) as Record<string, unknown>;

describe('compareSchemas', () => {
  it('finds nothing between a config and its own schema', () => {
    // Act
    const changes = compareSchemas(RECORDED, datasetSchema(dataset(ordersDocument())));

    // Assess
    expect(changes).toEqual([]);
  });

  it.each<[string, (d: DatasetDocument) => void, string]>([
    ['integer → bigint', (d) => (column(d, 'quantity').type = 'bigint'), 'column "quantity" changed type: integer → bigint'],
    [
      'a decimal’s precision and scale',
      (d) => (column(d, 'unit_price').type = 'decimal(14,4)'),
      'column "unit_price" changed type: decimal(12,2) → decimal(14,4)',
    ],
    ['a decimal’s scale only', (d) => (column(d, 'unit_price').type = 'decimal(12,3)'), 'column "unit_price" changed type: decimal(12,2) → decimal(12,3)'],
    ['string → date', (d) => (column(d, 'notes').type = 'date'), 'column "notes" changed type: string → date'],
    ['a column removed', (d) => (d.columns = d.columns.filter((c) => c.name !== 'notes')), 'column "notes" (string) was removed'],
    ['a column renamed', (d) => (column(d, 'unit_price').name = 'price'), 'column "unit_price" (decimal(12,2)) was removed or renamed (to "price"?)'],
    ['a non-nullable column added', (d) => d.columns.push({ name: 'channel', type: 'string' }), 'column "channel" (string) was added as non-nullable'],
    ['a nullable column made non-nullable', (d) => (column(d, 'notes').nullable = false), 'column "notes" is no longer nullable'],
    ['other dedupe keys', (d) => (d.dedupe = { keys: ['order_id', 'quantity'] }), 'dedupe keys changed: "order_id" → "order_id", "quantity"'],
    ['dedupe keys dropped', (d) => (d.dedupe = { keys: [] }), 'dedupe keys changed: "order_id" → (none)'],
    [
      'partitioning by a column',
      (d) => (d.partitioning = { by: 'column', column: 'order_date' }),
      'partitioning changed: by ingestion date → by column "order_date"',
    ],
  ])('refuses %s', (what, edit, change) => {
    // Act
    const changes = changesAfter(edit);

    // Assess: first (a rename is also a column added, refused as non-nullable)
    expect(changes[0]).toEqual({ compatible: false, change, migrate: expect.any(String) });
    expect(changes).toHaveLength(what === 'a column renamed' ? 2 : 1);
  });

  it.each<[string, (d: DatasetDocument) => void, string]>([
    ['a nullable column added', (d) => d.columns.push({ name: 'channel', type: 'string', nullable: true }), 'nullable column "channel" (string) added'],
    ['a column made nullable', (d) => (column(d, 'quantity').nullable = true), 'column "quantity" became nullable'],
    ['columns reordered', (d) => d.columns.reverse(), 'columns reordered'],
  ])('allows %s', (_what, edit, change) => {
    // Act
    const changes = changesAfter(edit);

    // Assess
    expect(changes).toEqual([{ compatible: true, change }]);
  });

  it('ignores what the loads do not hold: descriptions, quality thresholds, the catalog’s firstDate', () => {
    // Act
    const changes = changesAfter((d) => {
      d.description = 'other words';
      d.quality = { emptyAfterDedupe: 'warn' };
      d.partitioning = { by: 'ingestion_date', firstDate: '2024-01-01' };
      column(d, 'notes').description = 'free text';
    });

    // Assess
    expect(changes).toEqual([]);
  });

  it('compares dedupe keys as a set', () => {
    // Prepare
    const two = (keys: string[]) => datasetSchema(edited((d) => (d.dedupe = { keys })));

    // Act
    const changes = compareSchemas(two(['order_id', 'quantity']), two(['quantity', 'order_id']));

    // Assess
    expect(changes).toEqual([]);
  });
});

describe('guardDatasetSchema', () => {
  it('takes any config on a first load (nothing recorded) and returns its schema', () => {
    // Act
    const schema = guardDatasetSchema(dataset(ordersDocument()), undefined, SOURCE);

    // Assess
    expect(schema).toEqual(RECORDED);
  });

  it('returns the evolved schema to record after a compatible change', () => {
    // Act
    const schema = guardDatasetSchema(
      edited((d) => d.columns.push({ name: 'channel', type: 'string', nullable: true })),
      RECORDED,
      SOURCE,
    );

    // Assess
    expect(schema.columns.map((c) => c.name)).toEqual(['order_id', 'quantity', 'unit_price', 'order_date', 'notes', 'channel']);
  });

  it('refuses an incompatible change with SchemaEvolutionError saying what changed, where it was recorded and how to migrate', () => {
    // Prepare
    const config = edited((d) => {
      column(d, 'quantity').type = 'bigint';
      column(d, 'unit_price').type = 'decimal(14,4)';
      d.columns.push({ name: 'channel', type: 'string', nullable: true });
    });

    // Act
    const refuse = () => guardDatasetSchema(config, RECORDED, SOURCE);

    // Assess
    expect(refuse).toThrow(SchemaEvolutionError);
    expect(refuse).toThrow(
      [
        'dataset "orders" refuses this configuration: it is not a compatible evolution of the schema its loads were written with (s3://etl-bucket/load/_meta/orders/schema.json); load/orders/ would hold rows of two schemas.',
        '  - column "quantity" changed type: integer → bigint — keep "quantity" as integer, or load the new type into a new dataset',
        '  - column "unit_price" changed type: decimal(12,2) → decimal(14,4) — keep "unit_price" as decimal(12,2), or load the new type into a new dataset',
        'To migrate, declare a new dataset (e.g. "orders_v2") with the new columns and point its "match" at the new files (the old table stays as it is), or undo the change. Adding a column with "nullable": true is allowed. If load/orders/ was emptied on purpose, delete s3://etl-bucket/load/_meta/orders/schema.json.',
      ].join('\n'),
    );
  });

  it('says how to keep a removed column and how to add one', () => {
    // Prepare
    const config = edited((d) => {
      d.columns = d.columns.filter((c) => c.name !== 'notes');
      d.columns.push({ name: 'channel', type: 'string' });
    });

    // Act
    const message = (() => {
      try {
        guardDatasetSchema(config, RECORDED, SOURCE);
        return '';
      } catch (e: unknown) {
        return (e as Error).message;
      }
    })();

    // Assess
    expect(message).toContain(
      'column "notes" (string) was removed or renamed (to "channel"?) — keep "notes" in the columns (with "nullable": true and "required": false',
    );
    expect(message).toContain(
      'column "channel" (string) was added as non-nullable — declare "channel" with "nullable": true (the rows loaded so far have no value for it)',
    );
    // The notification names the error by its class: no other "…Error: " in the message.
    expect(message).not.toMatch(/[A-Z]\w*Error: /);
  });
});

describe('the recorded schema', () => {
  it('reads back what it wrote, with canonical type spellings, and writes the same bytes', () => {
    // Prepare
    const text = formatDatasetSchema(RECORDED);

    // Act
    const parsed = parseDatasetSchema(text.replace('"decimal(12,2)"', '"DECIMAL(12, 2)"'), 'the record');

    // Assess
    expect(parsed).toEqual(RECORDED);
    expect(formatDatasetSchema(parsed)).toBe(text);
    expect(text).toContain('\n    { "name": "unit_price", "type": "decimal(12,2)", "nullable": false },\n');
  });

  it.each([
    ['not JSON', '{', /the record is not valid JSON/],
    ['not a schema', '{"columns": []}', /the record is not a recorded schema: columns: /],
    [
      'an unknown type',
      '{"columns":[{"name":"a","type":"int","nullable":false}],"dedupeKeys":[],"partitioning":{"by":"ingestion_date"}}',
      /unknown type "int"/,
    ],
  ])('is a ConfigError when %s', (_what, text, message) => {
    // Act
    const parse = () => parseDatasetSchema(text, 'the record');

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });
});

describe('the schema lock', () => {
  const LOCK_SOURCE = { location: 'the schema locked in etl.schema-lock.json', reset: 'delete its entry' };
  const config = (...datasets: DatasetConfig[]): EtlConfig => ({ datasets }) as EtlConfig;

  it('is written when absent, and unchanged for the same config', () => {
    // Act
    const first = evolveSchemaLock(undefined, config(dataset(ordersDocument())), LOCK_SOURCE);
    const again = evolveSchemaLock(parseSchemaLock(formatSchemaLock(first.lock), 'lock'), config(dataset(ordersDocument())), LOCK_SOURCE);

    // Assess
    expect(first).toEqual({ lock: { datasets: { orders: RECORDED } }, changed: true });
    expect(again.changed).toBe(false);
  });

  it('follows a compatible evolution, and keeps the datasets the config no longer declares (their tables stay)', () => {
    // Prepare
    const lock = { datasets: { orders: RECORDED, returns: RECORDED } };

    // Act
    const evolved = evolveSchemaLock(lock, config(edited((d) => (column(d, 'quantity').nullable = true))), LOCK_SOURCE);

    // Assess
    expect(evolved.changed).toBe(true);
    expect(evolved.lock.datasets.orders.columns.find((c) => c.name === 'quantity')?.nullable).toBe(true);
    expect(evolved.lock.datasets.returns).toEqual(RECORDED);
  });

  it('refuses every incompatible dataset in one SchemaEvolutionError', () => {
    // Prepare
    const lock = { datasets: { orders: RECORDED, returns: datasetSchema(edited((d) => (d.name = 'returns'))) } };
    const orders = edited((d) => (column(d, 'quantity').type = 'bigint'));
    const returns = edited((d) => {
      d.name = 'returns';
      d.dedupe = { keys: [] };
    });

    // Act
    const refuse = () => evolveSchemaLock(lock, config(orders, returns), LOCK_SOURCE);

    // Assess
    expect(refuse).toThrow(SchemaEvolutionError);
    expect(refuse).toThrow(/dataset "orders" refuses[\s\S]*integer → bigint[\s\S]*dataset "returns" refuses[\s\S]*dedupe keys changed/);
  });

  it('is committed for etl.config.json, as the synth writes it', () => {
    // Prepare
    const root = path.resolve(__dirname, '..', '..');
    const text = readFileSync(path.join(root, 'etl.schema-lock.json'), 'utf-8');
    const deployed = parseConfigText(readFileSync(path.join(root, 'etl.config.json'), 'utf-8'));

    // Act
    const evolved = evolveSchemaLock(parseSchemaLock(text, 'etl.schema-lock.json'), deployed, LOCK_SOURCE);

    // Assess
    expect(evolved.changed).toBe(false);
    expect(formatSchemaLock(evolved.lock)).toBe(text);
  });
});
