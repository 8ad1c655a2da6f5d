/**
 * The catalog's tables (core/catalog.ts) as DuckDB views over the local bucket, for `etl query`:
 * the same names, columns and types as the Glue tables Athena reads on AWS.
 * - `<dataset>`: the Parquet files of `load/<dataset>/dt=*\/`, `dt` a VARCHAR read from the folder
 *   name (Hive partitioning);
 * - `<dataset>_latest`: the files the dataset's symlink manifest lists.
 * Each view has the declared columns with their declared types, in order: a column no file holds
 * (a nullable column added later) is a typed NULL, and a table with no file is empty but typed.
 */
import { readdir } from 'node:fs/promises';

import type { DuckDBConnection } from '@duckdb/node-api';

import { type CatalogColumn, type CatalogTable, catalogTables } from '../../core/catalog';
import type { EtlConfig } from '../../core/config/dataset-config';
import { ObjectNotFoundError } from '../../core/errors';
import { latestManifestKey, parseLatestManifest } from '../../core/naming';
import { duckdb } from '../../core/transform/dialect';
import type { FolderBucket } from './folder-bucket';

/** One view registered for a catalog table. */
export interface QueryTable {
  readonly name: string;
  readonly kind: CatalogTable['kind'];
  /** The Parquet files it reads (none: an empty, typed table). */
  readonly files: readonly string[];
}

/** A partition folder of a loads table: `dt=<value>`. */
const PARTITION_FOLDER = /^dt=[^/]+$/;

/**
 * Creates one view per catalog table of the config on the connection, reading the bucket's
 * files. Throws {@link ObjectNotFoundError} when a manifest lists a file that is not there.
 * @example
 * const tables = await registerQueryTables(connection, new FolderBucket(root), config);
 * await connection.runAndReadAll('SELECT count(*) FROM orders_latest');
 */
export async function registerQueryTables(connection: DuckDBConnection, bucket: FolderBucket, config: EtlConfig): Promise<QueryTable[]> {
  const registered: QueryTable[] = [];
  for (const table of catalogTables(config)) {
    const files = table.kind === 'loads' ? await partitionFiles(bucket, table) : await manifestFiles(bucket, table);
    await connection.run(`CREATE OR REPLACE VIEW ${duckdb.quote(table.name)} AS ${await viewSql(connection, table, files)}`);
    registered.push({ name: table.name, kind: table.kind, files });
  }
  return registered;
}

/** The Parquet files of the table's `dt=` folders, sorted. */
async function partitionFiles(bucket: FolderBucket, table: CatalogTable): Promise<string[]> {
  const folders = (await entries(bucket.pathOf(table.locationKey))).filter((name) => PARTITION_FOLDER.test(name)).sort();
  const files: string[] = [];
  for (const folder of folders) {
    for (const name of (await entries(bucket.pathOf(`${table.locationKey}${folder}/`))).sort()) {
      // Only whole objects: a writer's temporary file ends in .partial, hidden files are no data.
      if (!name.endsWith('.parquet') || name.startsWith('.') || name.startsWith('_')) continue;
      const file = await bucket.objectFile(`${table.locationKey}${folder}/${name}`);
      if (file) files.push(file);
    }
  }
  return files;
}

/** The files the dataset's state manifest lists; none when there is no manifest (nothing loaded yet). */
async function manifestFiles(bucket: FolderBucket, table: CatalogTable): Promise<string[]> {
  const manifestKey = latestManifestKey(table.dataset);
  const text = await bucket.readText(bucket.name, manifestKey);
  if (text === undefined) return [];
  const files: string[] = [];
  for (const key of parseLatestManifest(text)) {
    const file = await bucket.objectFile(key);
    if (!file) throw new ObjectNotFoundError(`${manifestKey} lists ${key}, which is not in the bucket`);
    files.push(file);
  }
  return files;
}

/** The view's query: the declared columns, typed, then the partition keys. */
async function viewSql(connection: DuckDBConnection, table: CatalogTable, files: readonly string[]): Promise<string> {
  const columns: readonly CatalogColumn[] = [...table.columns, ...table.partitionKeys];
  const typed = (column: CatalogColumn, value: string): string => `CAST(${value} AS ${duckdb.sqlType(column.type)}) AS ${duckdb.quote(column.name)}`;
  if (files.length === 0) return `SELECT ${columns.map((c) => typed(c, 'NULL')).join(', ')} WHERE false`;
  const hive = table.partitionKeys.length > 0;
  const source =
    `read_parquet([${files.map((f) => duckdb.literal(f)).join(', ')}], union_by_name = true, ` +
    (hive
      ? `hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${duckdb.literal(k.name)}: 'VARCHAR'`).join(', ')}})`
      : 'hive_partitioning = false)');
  const present = new Set((await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS().map((row) => String(row.column_name)));
  return `SELECT ${columns.map((c) => typed(c, present.has(c.name) ? duckdb.quote(c.name) : 'NULL')).join(', ')} FROM ${source}`;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e: unknown) {
    if (typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return [];
    throw e;
  }
}
