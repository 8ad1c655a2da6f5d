/**
 * The schema a dataset's loads were written with, as recorded in the bucket
 * (`logs/glue-jobs/<dataset>/_schema.json`): Validate holds the configuration to it, Summarize
 * records it after a load.
 */
import { loadedSchemaKey } from '../core/naming';
import { type DatasetSchema, parseDatasetSchema, type SchemaSource } from '../core/schema-guard';
import type { ObjectStore } from './adapters/object-store';

/** The recorded schema of a dataset (none before its first load), where it is, and its text. */
export interface LoadedSchema {
  readonly key: string;
  readonly recorded: DatasetSchema | undefined;
  /** The record's text as stored, to tell whether a new one differs. */
  readonly text: string | undefined;
  /** Where the messages say it is, and how to forget it. */
  readonly source: SchemaSource;
}

/** Reads the dataset's recorded schema; a `ConfigError` naming its location when it is unreadable. */
export async function readLoadedSchema(store: ObjectStore, bucket: string, dataset: string): Promise<LoadedSchema> {
  const key = loadedSchemaKey(dataset);
  const location = `s3://${bucket}/${key}`;
  const text = await store.readText(bucket, key);
  return {
    key,
    recorded: text === undefined ? undefined : parseDatasetSchema(text, location),
    text,
    source: { location, reset: `delete ${location}` },
  };
}
