/**
 * The schema a dataset's loads were written with, as recorded in the bucket
 * (`load/_meta/<dataset>/schema.json`, where no lifecycle rule expires it): Validate holds the
 * configuration to it, Summarize records it after a load.
 */
import { legacyLoadedSchemaKey, loadedSchemaKey } from '../core/naming';
import { type DatasetSchema, parseDatasetSchema, type SchemaSource } from '../core/schema-guard';
import type { ObjectStore } from './adapters/object-store';

/** The recorded schema of a dataset (none before its first load), where it is, and its text. */
export interface LoadedSchema {
  /** Where the record is written ({@link loadedSchemaKey}), wherever it was read from. */
  readonly key: string;
  readonly recorded: DatasetSchema | undefined;
  /**
   * The text stored at {@link key}, to tell whether a new record differs; `undefined` when there
   * is none there, also when the record was read from its legacy location (so Summarize writes it
   * to {@link key}: the record moves at the first load after the upgrade).
   */
  readonly text: string | undefined;
  /** Where the messages say it is (where it was read from), and how to forget it. */
  readonly source: SchemaSource;
}

/**
 * Reads the dataset's recorded schema; a `ConfigError` naming its location when it is unreadable.
 * Migration: releases before this one kept the record under `logs/glue-jobs/`
 * ({@link legacyLoadedSchemaKey}, expired by the `logs` lifecycle rule). When the new key holds
 * nothing, the legacy one is read, so a deployment upgraded in place keeps its guard until its next
 * load writes the record to the new key; a record at the new key always wins.
 */
export async function readLoadedSchema(store: ObjectStore, bucket: string, dataset: string): Promise<LoadedSchema> {
  const key = loadedSchemaKey(dataset);
  const text = await store.readText(bucket, key);
  const legacyKey = legacyLoadedSchemaKey(dataset);
  const legacyText = text === undefined ? await store.readText(bucket, legacyKey) : undefined;
  const found = text ?? legacyText;
  const location = `s3://${bucket}/${text === undefined && legacyText !== undefined ? legacyKey : key}`;
  return {
    key,
    recorded: found === undefined ? undefined : parseDatasetSchema(found, location),
    text,
    source: { location, reset: `delete ${location}` },
  };
}
