/**
 * The query catalog the configuration declares: for each dataset, the table of its loads
 * (`load/<dataset>/dt=YYYY-MM-DD/`, `dt` a projected partition) and the table of its current state
 * (`load/latest/<dataset>/`, read through its symlink manifest). Pure: the CDK stack renders these
 * as Glue tables, `etl query` as local views, so both query the same names, columns and types.
 */
import type { ColumnType } from './config/column-type';
import { type DatasetConfig, type EtlConfig, PARTITION_COLUMN } from './config/dataset-config';
import { catalogTableNames, datasetLoadPrefix, latestManifestKey } from './naming';

/**
 * Where the Athena workgroup writes query results (SSE-KMS, expiring with the logs): beside the
 * run reports under `logs/`, outside every table.
 */
export const QUERY_RESULTS_PREFIX = 'logs/athena-results/';

/** The Hive (Glue, Athena DDL) spelling of a column type, e.g. `int`, `decimal(12,2)`. */
export function hiveType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return 'int';
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    default:
      return type.kind;
  }
}

/** Glue refuses a column comment longer than this. */
export const MAX_COLUMN_COMMENT_LENGTH = 255;
/** Glue refuses a table description longer than this. */
export const MAX_TABLE_DESCRIPTION_LENGTH = 2048;

/** One column of a catalog table. */
export interface CatalogColumn {
  readonly name: string;
  /** The type the config declares. */
  readonly type: ColumnType;
  /** The same type as Hive spells it ({@link hiveType}). */
  readonly hiveType: string;
  /** The column's description in the config, cut to {@link MAX_COLUMN_COMMENT_LENGTH}. */
  readonly comment?: string;
}

/** Hadoop classes of a table's storage: how an engine finds and decodes its files. */
export interface StorageFormat {
  readonly inputFormat: string;
  readonly outputFormat: string;
  readonly serde: string;
}

/** Snappy Parquet files read directly from the table's location. */
export const PARQUET_STORAGE: StorageFormat = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};

/**
 * Parquet files listed by a symlink manifest in the table's location (one `s3://bucket/key` per
 * line): Athena reads the files the manifest names, so a new version is published by rewriting
 * the manifest alone.
 */
export const SYMLINK_PARQUET_STORAGE: StorageFormat = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};

/** The `projection.*` of the `dt` partition: a date per day, from the config's `firstDate`. */
export interface DatePartitionProjection {
  readonly type: 'date';
  /** Java `DateTimeFormatter` pattern of the folder's value. */
  readonly format: 'yyyy-MM-dd';
  /**
   * `<firstDate>,NOW` for ingestion dates (no load is dated in the future); `<firstDate>,NOW+1YEARS`
   * for a date column, whose values may lie ahead (deliveries, due dates).
   */
  readonly range: string;
  readonly interval: 1;
  readonly intervalUnit: 'DAYS';
  /** The partition's folder below the bucket, with `${dt}` where its value goes. */
  readonly locationTemplateKey: string;
}

/** What distinguishes the two tables of a dataset. */
export type CatalogTableKind = 'loads' | 'latest';

/** One table of the catalog. */
export interface CatalogTable {
  /** The table's name ({@link catalogTableNames}). */
  readonly name: string;
  readonly kind: CatalogTableKind;
  /** The dataset it reads. */
  readonly dataset: string;
  readonly description: string;
  /** The dataset's declared columns, in declaration order. */
  readonly columns: readonly CatalogColumn[];
  /** `[dt string]` for the loads table; none for the latest state. */
  readonly partitionKeys: readonly CatalogColumn[];
  /** The table's location below the bucket: a folder, ending in `/`. */
  readonly locationKey: string;
  readonly storage: StorageFormat;
  /** Present on the loads table only. */
  readonly projection?: DatePartitionProjection;
}

/** The `dt` partition key: a string, the folder's `YYYY-MM-DD`. */
export const PARTITION_KEY: CatalogColumn = {
  name: PARTITION_COLUMN,
  type: { kind: 'string' },
  hiveType: 'string',
  comment: 'Partition (folder dt=YYYY-MM-DD): the ingestion date (UTC), or the partitioning column’s value.',
};

/**
 * The catalog's tables, two per dataset in config order: its loads, then its latest state.
 * @example catalogTables(config).map((t) => t.name) // ['orders', 'orders_latest']
 */
export function catalogTables(config: EtlConfig): CatalogTable[] {
  return config.datasets.flatMap((dataset) => [loadsTable(dataset), latestTable(dataset)]);
}

/** The table of a dataset's loads: every `dt=` partition, the rows of each load. */
export function loadsTable(dataset: DatasetConfig): CatalogTable {
  const locationKey = datasetLoadPrefix(dataset.name);
  const partitioning = dataset.partitioning;
  const byColumn = partitioning.by === 'column';
  return {
    name: catalogTableNames(dataset.name).table,
    kind: 'loads',
    dataset: dataset.name,
    description: describe(
      dataset,
      `Every load, partitioned by ${PARTITION_COLUMN} (${byColumn ? `the value of ${partitioning.column}` : 'the ingestion date, UTC'}), from ${partitioning.firstDate}.`,
    ),
    columns: catalogColumns(dataset),
    partitionKeys: [PARTITION_KEY],
    locationKey,
    storage: PARQUET_STORAGE,
    projection: {
      type: 'date',
      format: 'yyyy-MM-dd',
      range: `${partitioning.firstDate},${byColumn ? 'NOW+1YEARS' : 'NOW'}`,
      interval: 1,
      intervalUnit: 'DAYS',
      locationTemplateKey: `${locationKey}${PARTITION_COLUMN}=\${${PARTITION_COLUMN}}/`,
    },
  };
}

/** The table of a dataset's current state: the files its symlink manifest lists. */
export function latestTable(dataset: DatasetConfig): CatalogTable {
  const manifest = latestManifestKey(dataset.name);
  const state =
    dataset.dedupe.keys.length > 0
      ? `the latest row per ${dataset.dedupe.keys.join(', ')} across every load`
      : 'the rows of the last load (the dataset has no dedupe keys)';
  return {
    name: catalogTableNames(dataset.name).latest,
    kind: 'latest',
    dataset: dataset.name,
    description: describe(dataset, `Current state: ${state}; read through the symlink manifest ${manifest}.`),
    columns: catalogColumns(dataset),
    partitionKeys: [],
    locationKey: manifest.slice(0, manifest.lastIndexOf('/') + 1),
    storage: SYMLINK_PARQUET_STORAGE,
  };
}

/**
 * A table's Athena parameters: Parquet, and for the loads table the projection of `dt`, its
 * locations under `s3://<bucket>/`.
 * @param bucket The bucket's name (a deploy-time token in CDK).
 */
export function tableParameters(table: CatalogTable, bucket: string): Record<string, string> {
  const parquet = { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY' };
  const projection = table.projection;
  if (!projection) return parquet;
  const key = `projection.${PARTITION_COLUMN}`;
  return {
    ...parquet,
    'projection.enabled': 'true',
    [`${key}.type`]: projection.type,
    [`${key}.format`]: projection.format,
    [`${key}.range`]: projection.range,
    [`${key}.interval`]: String(projection.interval),
    [`${key}.interval.unit`]: projection.intervalUnit,
    'storage.location.template': s3Url(bucket, projection.locationTemplateKey),
  };
}

/** `s3://<bucket>/<key>`. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

function catalogColumns(dataset: DatasetConfig): CatalogColumn[] {
  return dataset.columns.map((column) => ({
    name: column.name,
    type: column.type,
    hiveType: hiveType(column.type),
    ...(column.description === undefined ? {} : { comment: cut(column.description, MAX_COLUMN_COMMENT_LENGTH) }),
  }));
}

function describe(dataset: DatasetConfig, what: string): string {
  return cut(dataset.description === undefined ? what : `${dataset.description} ${what}`, MAX_TABLE_DESCRIPTION_LENGTH);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
