import { readFileSync } from 'node:fs';
import path from 'node:path';

import {
  MAX_COLUMN_COMMENT_LENGTH,
  PARQUET_STORAGE,
  SYMLINK_PARQUET_STORAGE,
  catalogTables,
  hiveType,
  latestTable,
  loadsTable,
  tableParameters,
} from '../../core/catalog';
import { type ColumnType, parseColumnType } from '../../core/config/column-type';
import { type EtlConfig, parseConfig, parseConfigText } from '../../core/config/dataset-config';
import { catalogTableNames, datasetLoadPrefix, latestManifestKey } from '../../core/naming';

const ROOT = path.resolve(__dirname, '..', '..');

/** A config of two datasets: one by ingestion date with no description, one by a date column. */
function twoDatasets(): EtlConfig {
  return parseConfig({
    datasets: [
      {
        name: 'events',
        match: 'extract/events/*.csv',
        columns: [
          { name: 'event_id', type: 'bigint' },
          { name: 'ok', type: 'boolean', nullable: true },
        ],
      },
      {
        name: 'shipments',
        description: 'Shipments by delivery date.',
        match: 'extract/shipments/*.csv',
        columns: [
          { name: 'shipment_id', type: 'string', description: 'x'.repeat(300) },
          { name: 'delivery_date', type: 'date' },
          { name: 'weight', type: 'double' },
        ],
        dedupe: { keys: ['shipment_id'] },
        partitioning: { by: 'column', column: 'delivery_date', firstDate: '2024-06-01' },
      },
    ],
  });
}

describe('hiveType', () => {
  it.each([
    ['string', 'string'],
    ['integer', 'int'],
    ['bigint', 'bigint'],
    ['double', 'double'],
    ['boolean', 'boolean'],
    ['date', 'date'],
    ['timestamp', 'timestamp'],
    ['decimal(12,2)', 'decimal(12,2)'],
    ['decimal( 38 , 0 )', 'decimal(38,0)'],
  ])('spells %s as %s', (spelling, expected) => {
    // Prepare
    const type = parseColumnType(spelling) as ColumnType;

    // Act
    const spelled = hiveType(type);

    // Assess
    expect(spelled).toBe(expected);
  });
});

describe('catalogTables', () => {
  it('declares each dataset of etl.config.json as its loads table and its latest table, columns in declaration order', () => {
    // Prepare
    const config = parseConfigText(readFileSync(path.join(ROOT, 'etl.config.json'), 'utf-8'));

    // Act
    const tables = catalogTables(config);

    // Assess
    expect(tables.map((t) => t.name)).toEqual(config.datasets.flatMap((d) => [catalogTableNames(d.name).table, catalogTableNames(d.name).latest]));
    for (const table of tables) {
      const dataset = config.datasets.find((d) => d.name === table.dataset);
      expect(table.columns.map((c) => [c.name, c.type])).toEqual(dataset?.columns.map((c) => [c.name, c.type]));
    }
  });

  it('partitions the loads table by dt, a string projected per day from firstDate to now, at load/<dataset>/dt=${dt}/', () => {
    // Prepare
    const [events] = twoDatasets().datasets;

    // Act
    const table = loadsTable(events);

    // Assess
    expect(table).toMatchObject({ name: 'events', kind: 'loads', locationKey: datasetLoadPrefix('events'), storage: PARQUET_STORAGE });
    expect(table.columns.map((c) => `${c.name} ${c.hiveType}`)).toEqual(['event_id bigint', 'ok boolean']);
    expect(table.partitionKeys.map((c) => `${c.name} ${c.hiveType}`)).toEqual(['dt string']);
    expect(table.projection).toEqual({
      type: 'date',
      format: 'yyyy-MM-dd',
      range: '2020-01-01,NOW',
      interval: 1,
      intervalUnit: 'DAYS',
      locationTemplateKey: 'load/events/dt=${dt}/',
    });
  });

  it('projects a date column’s partitions up to a year ahead, from its firstDate', () => {
    // Prepare
    const [, shipments] = twoDatasets().datasets;

    // Act
    const table = loadsTable(shipments);

    // Assess
    expect(table.projection?.range).toBe('2024-06-01,NOW+1YEARS');
    expect(table.description).toMatch(/^Shipments by delivery date\. .*delivery_date.*2024-06-01/);
  });

  it('reads the latest state through the folder of its symlink manifest, unpartitioned', () => {
    // Prepare
    const [events, shipments] = twoDatasets().datasets;

    // Act
    const tables = [latestTable(events), latestTable(shipments)];

    // Assess
    for (const table of tables) {
      expect(table.kind).toBe('latest');
      expect(table.partitionKeys).toEqual([]);
      expect(table.projection).toBeUndefined();
      expect(table.storage).toBe(SYMLINK_PARQUET_STORAGE);
      expect(`${table.locationKey}manifest`).toBe(latestManifestKey(table.dataset));
    }
    expect(tables.map((t) => t.name)).toEqual(['events_latest', 'shipments_latest']);
    expect(tables[0].description).toMatch(/last load/);
    expect(tables[1].description).toMatch(/latest row per shipment_id/);
  });

  it('keeps column descriptions as comments, cut to what Glue accepts', () => {
    // Prepare
    const [events, shipments] = twoDatasets().datasets;

    // Act
    const [eventId] = loadsTable(events).columns;
    const [shipmentId] = loadsTable(shipments).columns;

    // Assess
    expect(eventId).not.toHaveProperty('comment');
    expect(shipmentId.comment).toHaveLength(MAX_COLUMN_COMMENT_LENGTH);
    expect(shipmentId.comment?.endsWith('…')).toBe(true);
  });
});

describe('tableParameters', () => {
  it('gives the loads table Athena’s projection of dt, located in the bucket', () => {
    // Prepare
    const table = loadsTable(twoDatasets().datasets[1]);

    // Act
    const parameters = tableParameters(table, 'my-bucket');

    // Assess
    expect(parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'parquet.compression': 'SNAPPY',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-06-01,NOW+1YEARS',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': 's3://my-bucket/load/shipments/dt=${dt}/',
    });
  });

  it('gives the latest table no projection', () => {
    // Prepare
    const table = latestTable(twoDatasets().datasets[0]);

    // Act
    const parameters = tableParameters(table, 'my-bucket');

    // Assess
    expect(Object.keys(parameters).filter((k) => k.startsWith('projection.') || k.startsWith('storage.'))).toEqual([]);
  });
});
