/**
 * The schema guard: what a dataset's loads were written with, and whether its configuration may
 * change from it. A dataset's table (`load/<dataset>/`) holds the Parquet files of every load, so
 * a column whose type changes would mix two Parquet types in one table (Athena refuses such
 * partitions), and a column removed, renamed or added as non-nullable would leave the rows loaded
 * so far without the values the configuration promises. Such a change is refused with a
 * {@link SchemaEvolutionError}, at synth (against `etl.schema-lock.json`) and at run time (Validate,
 * against the schema Summarize recorded at `load/_meta/<dataset>/schema.json`). Adding a
 * nullable column, relaxing a column's nullability and reordering columns are compatible: the
 * record follows the configuration.
 *
 * Pure: the handlers and infra read and write the recorded forms.
 */
import { z } from 'zod';

import { formatColumnType, parseColumnType } from './config/column-type';
import type { DatasetConfig, EtlConfig } from './config/dataset-config';
import { ConfigError, SchemaEvolutionError } from './errors';

/** One column as recorded: its name, the canonical spelling of its type (`decimal(12,2)`), its nullability. */
export interface RecordedColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

/** How a dataset's table is partitioned, as recorded (the catalog's `firstDate` is not part of it). */
export type RecordedPartitioning = { readonly by: 'ingestion_date' } | { readonly by: 'column'; readonly column: string };

/** The schema a dataset's loads were written with: what a later configuration is compared with. */
export interface DatasetSchema {
  readonly columns: readonly RecordedColumn[];
  readonly dedupeKeys: readonly string[];
  readonly partitioning: RecordedPartitioning;
}

/** The schemas of every dataset as last synthesized (`etl.schema-lock.json`), by dataset name. */
export interface SchemaLock {
  readonly datasets: Readonly<Record<string, DatasetSchema>>;
}

/** One difference between a recorded schema and a configuration. */
export interface SchemaChange {
  /** Whether the loads so far and the new ones can share one table. */
  readonly compatible: boolean;
  /** What changed, e.g. `column "quantity" changed type: integer → bigint`. */
  readonly change: string;
  /** How to make an incompatible change (absent for a compatible one). */
  readonly migrate?: string;
}

const canonicalType = z.string().transform((spelling, ctx): string => {
  const parsed = parseColumnType(spelling);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return formatColumnType(parsed);
});

const schemaSchema = z
  .object({
    columns: z.array(z.object({ name: z.string(), type: canonicalType, nullable: z.boolean() }).strict()).min(1),
    dedupeKeys: z.array(z.string()),
    partitioning: z.discriminatedUnion('by', [
      z.object({ by: z.literal('ingestion_date') }).strict(),
      z.object({ by: z.literal('column'), column: z.string() }).strict(),
    ]),
  })
  .strict();

const lockSchema = z
  .object({
    $comment: z.string().optional(),
    datasets: z.record(z.string(), schemaSchema),
  })
  .strict();

/** What the lock file says of itself. */
const LOCK_COMMENT =
  'The schema of each dataset as last synthesized (cdk synth writes it, like cdk.context.json; commit it). A config change that is not a compatible evolution fails the synth with SchemaEvolutionError. See README, "Changing a dataset\'s schema".';

/** The schema a dataset's configuration declares, in its recorded form. */
export function datasetSchema(dataset: DatasetConfig): DatasetSchema {
  return {
    columns: dataset.columns.map((column) => ({ name: column.name, type: formatColumnType(column.type), nullable: column.nullable })),
    dedupeKeys: [...dataset.dedupe.keys],
    partitioning: dataset.partitioning.by === 'column' ? { by: 'column', column: dataset.partitioning.column } : { by: 'ingestion_date' },
  };
}

/**
 * Parses a recorded schema (JSON text); a {@link ConfigError} naming `source` when it is not
 * JSON or not a schema. Type spellings are made canonical, so a hand-edited `DECIMAL(12, 2)` is `decimal(12,2)`.
 */
export function parseDatasetSchema(text: string, source: string): DatasetSchema {
  return parseWith(schemaSchema, text, source);
}

/** The text of a recorded schema: stable (the same schema, the same bytes), one column a line, ending in a newline. */
export function formatDatasetSchema(schema: DatasetSchema): string {
  return `${columnsOnOneLine(JSON.stringify(ordered(schema), null, 2))}\n`;
}

/** Parses a lock file's text; a {@link ConfigError} naming `source` when it is not one. */
export function parseSchemaLock(text: string, source: string): SchemaLock {
  const { datasets } = parseWith(lockSchema, text, source);
  return { datasets };
}

/** The text of a lock file: datasets by name, sorted, so that its diffs are the changes. */
export function formatSchemaLock(lock: SchemaLock): string {
  const datasets = Object.fromEntries(
    Object.keys(lock.datasets)
      .sort()
      .map((name) => [name, ordered(lock.datasets[name])]),
  );
  return `${columnsOnOneLine(JSON.stringify({ $comment: LOCK_COMMENT, datasets }, null, 2))}\n`;
}

/** Indented JSON with each column's object on one line (`{ "name": …, "type": …, "nullable": … }`), so a diff shows a change as one line. */
function columnsOnOneLine(json: string): string {
  return json.replace(/\{\n\s*("name": .*,)\n\s*("type": .*,)\n\s*("nullable": (?:true|false))\n\s*\}/g, '{ $1 $2 $3 }');
}

/**
 * Every difference between the schema `recorded` and the one `current` declares, incompatible
 * ones first. None when the two are the same (dedupe keys compare as a set, columns by name).
 */
export function compareSchemas(recorded: DatasetSchema, current: DatasetSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const now = new Map(current.columns.map((column) => [column.name, column]));
  const before = new Map(recorded.columns.map((column) => [column.name, column]));
  const added = current.columns.filter((column) => !before.has(column.name));

  for (const old of recorded.columns) {
    const column = now.get(old.name);
    if (!column) {
      const namesakes = added.filter((a) => a.type === old.type).map((a) => `"${a.name}"`);
      changes.push({
        compatible: false,
        change: `column "${old.name}" (${old.type}) was removed${namesakes.length > 0 ? ` or renamed (to ${namesakes.join(' or ')}?)` : ''}`,
        migrate: `keep "${old.name}" in the columns (with "nullable": true and "required": false if new files no longer carry it)`,
      });
    } else if (column.type !== old.type) {
      changes.push({
        compatible: false,
        change: `column "${old.name}" changed type: ${old.type} → ${column.type}`,
        migrate: `keep "${old.name}" as ${old.type}, or load the new type into a new dataset`,
      });
    } else if (old.nullable && !column.nullable) {
      changes.push({
        compatible: false,
        change: `column "${old.name}" is no longer nullable`,
        migrate: `keep "nullable": true on "${old.name}" (rows loaded so far may hold NULL)`,
      });
    }
  }
  for (const column of added.filter((a) => !a.nullable)) {
    changes.push({
      compatible: false,
      change: `column "${column.name}" (${column.type}) was added as non-nullable`,
      migrate: `declare "${column.name}" with "nullable": true (the rows loaded so far have no value for it)`,
    });
  }
  if (!sameSet(recorded.dedupeKeys, current.dedupeKeys)) {
    changes.push({
      compatible: false,
      change: `dedupe keys changed: ${list(recorded.dedupeKeys)} → ${list(current.dedupeKeys)}`,
      migrate: 'keep the dedupe keys, or load into a new dataset (the current state keeps one row per key)',
    });
  }
  if (partitioningText(recorded.partitioning) !== partitioningText(current.partitioning)) {
    changes.push({
      compatible: false,
      change: `partitioning changed: ${partitioningText(recorded.partitioning)} → ${partitioningText(current.partitioning)}`,
      migrate: 'keep the partitioning, or load into a new dataset (the dt= folders already written mean the old one)',
    });
  }

  for (const column of added.filter((a) => a.nullable)) {
    changes.push({ compatible: true, change: `nullable column "${column.name}" (${column.type}) added` });
  }
  for (const old of recorded.columns) {
    if (!old.nullable && now.get(old.name)?.nullable === true) changes.push({ compatible: true, change: `column "${old.name}" became nullable` });
  }
  const kept = current.columns.filter((column) => before.has(column.name)).map((column) => column.name);
  const keptBefore = recorded.columns.filter((column) => now.has(column.name)).map((column) => column.name);
  if (kept.join(',') !== keptBefore.join(',')) changes.push({ compatible: true, change: 'columns reordered' });
  return changes;
}

/** Where a recorded schema was read, for the messages: the bucket's record or the lock file. */
export interface SchemaSource {
  /** e.g. `s3://etl-bucket/load/_meta/orders/schema.json` or `etl.schema-lock.json`. */
  readonly location: string;
  /** How to forget the record when the dataset's table was emptied on purpose. */
  readonly reset: string;
}

/**
 * Checks the dataset's configuration against the schema its loads were written with (none: a
 * first load) and returns the schema to record: the configuration's. Throws a
 * {@link SchemaEvolutionError} saying what changed and how to migrate when a change is not a
 * compatible evolution.
 */
export function guardDatasetSchema(dataset: DatasetConfig, recorded: DatasetSchema | undefined, source: SchemaSource): DatasetSchema {
  const current = datasetSchema(dataset);
  if (!recorded) return current;
  const incompatible = compareSchemas(recorded, current).filter((change) => !change.compatible);
  if (incompatible.length > 0) throw new SchemaEvolutionError(refusal(dataset.name, incompatible, source));
  return current;
}

/**
 * The lock for `config`: each dataset's schema checked against the lock's (a dataset the lock
 * lacks is added; one the config no longer declares stays, since its table does). Throws one
 * {@link SchemaEvolutionError} naming every dataset refused. `changed` says whether the lock's
 * text must be written again.
 */
export function evolveSchemaLock(
  lock: SchemaLock | undefined,
  config: EtlConfig,
  source: SchemaSource,
): { readonly lock: SchemaLock; readonly changed: boolean } {
  const datasets: Record<string, DatasetSchema> = { ...lock?.datasets };
  const refusals: string[] = [];
  for (const dataset of config.datasets) {
    try {
      datasets[dataset.name] = guardDatasetSchema(dataset, lock?.datasets[dataset.name], source);
    } catch (e: unknown) {
      if (!(e instanceof SchemaEvolutionError)) throw e;
      refusals.push(e.message);
    }
  }
  if (refusals.length > 0) throw new SchemaEvolutionError(refusals.join('\n\n'));
  const next = { datasets };
  return { lock: next, changed: lock === undefined || formatSchemaLock(lock) !== formatSchemaLock(next) };
}

function refusal(dataset: string, changes: readonly SchemaChange[], source: SchemaSource): string {
  return [
    `dataset "${dataset}" refuses this configuration: it is not a compatible evolution of the schema its loads were written with (${source.location}); load/${dataset}/ would hold rows of two schemas.`,
    ...changes.map((change) => `  - ${change.change} — ${change.migrate ?? ''}`),
    `To migrate, declare a new dataset (e.g. "${dataset}_v2") with the new columns and point its "match" at the new files (the old table stays as it is), or undo the change. Adding a column with "nullable": true is allowed. If load/${dataset}/ was emptied on purpose, ${source.reset}.`,
  ].join('\n');
}

/** The schema with its fields in one order, whatever order they were built or parsed in. */
function ordered(schema: DatasetSchema): DatasetSchema {
  return {
    columns: schema.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
    dedupeKeys: [...schema.dedupeKeys],
    partitioning: schema.partitioning.by === 'column' ? { by: 'column', column: schema.partitioning.column } : { by: 'ingestion_date' },
  };
}

function parseWith<T>(schema: z.ZodType<T>, text: string, source: string): T {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e: unknown) {
    throw new ConfigError(`${source} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const result = schema.safeParse(document);
  if (!result.success) {
    throw new ConfigError(`${source} is not a recorded schema: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join('\n') === [...b].sort().join('\n');
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `"${n}"`).join(', ');
}

function partitioningText(partitioning: RecordedPartitioning): string {
  return partitioning.by === 'column' ? `by column "${partitioning.column}"` : 'by ingestion date';
}
