/**
 * Compiles a dataset's declaration into a transform plan: a chain of SQL queries that types the
 * raw CSV columns, sets malformed rows aside, removes exact duplicates, keeps the latest row per
 * key and adds the partition column. The engine (DuckDB locally, Spark on Glue) only runs it.
 */
import { type DatasetConfig, PARTITION_COLUMN, type QualityConfig, columnSource } from '../config/dataset-config';
import { effectiveEncoding } from '../input-decoding';
import { CONTROL_CHARACTER, SWALLOWED_RECORD_REASON, columnRules, swallowedRecordPattern } from '../value-rules';
import { type Dialect, type DialectName, dialectByName } from './dialect';
import { columnValueSql } from './value-sql';

/**
 * Names of the relations the runner provides before running the plan:
 * - `etl_raw`: one text column per declared column (NULL for an optional column absent from the
 *   header), in declaration order, nothing else;
 * - `etl_params`: one row with `ingestion_date` (DATE);
 * - `etl_previous_latest` (only to run {@link TransformPlan.latestSql}): the dataset's current
 *   state before this run, the declared columns typed (NULL for a column its files lack).
 */
export const RUNNER_INPUTS = { raw: 'etl_raw', params: 'etl_params', previousLatest: 'etl_previous_latest' } as const;

/** One query of the plan: the runner registers its result under `name`. */
export interface PlanStep {
  readonly name: string;
  readonly sql: string;
  /** Materialise (table / cache) rather than keep as a view: it is read more than once. */
  readonly materialize: boolean;
}

/** A compiled transform: the steps, then the queries the runner reads results from. */
export interface TransformPlan {
  readonly formatVersion: 1;
  readonly dataset: string;
  readonly dialect: DialectName;
  /**
   * Declared columns in order, with their SQL types in this dialect and the header text each is
   * read from (`source`, its name by default; a file without a header is read by position in this order).
   */
  readonly columns: readonly { readonly name: string; readonly source: string; readonly sqlType: string; readonly required: boolean }[];
  /** How the runner reads the file (core/input-decoding.ts; gzip is detected from the bytes). */
  readonly read: PlanRead;
  /** A header name no column reads: `refuse` the file (HeaderMismatchError naming it) or `ignore` it (not read). */
  readonly extraColumns: DatasetConfig['extraColumns'];
  readonly steps: readonly PlanStep[];
  /** One row: rows_typed, malformed_rows, clean_rows, distinct_rows, output_rows. */
  readonly metricsSql: string;
  /** Malformed rows: `reject_reason` and `record` (the raw values as a JSON object). */
  readonly rejectsSql: string;
  /** The rows to write, with the partition column last. */
  readonly outputSql: string;
  /**
   * The dataset's new current state, the declared columns (no partition column): the previous
   * state and this run's rows (the plan's last step), one row per dedupe key by the same rule as
   * the load's own dedupe. Merging a load already merged changes nothing, so a rerun leaves the
   * state as one run. `null` for a dataset without keys: its state is the last load's rows (the
   * runner copies the written files), as it is for any dataset's first load.
   */
  readonly latestSql: string | null;
  /** Name of the partition column in `outputSql` (values `YYYY-MM-DD`). */
  readonly partitionColumn: typeof PARTITION_COLUMN;
  readonly quality: QualityConfig;
  /**
   * {@link swallowedRecordPattern} for the dataset: the runner tests the raw text of the records
   * its reader could not split with it (a quote that swallowed a record makes one of too many fields).
   */
  readonly swallowedRecordPattern: string;
}

/** The dataset's dialect as the runner reads it: ISO-8859-1 is already Windows-1252 (every engine reads it so). */
export interface PlanRead {
  readonly delimiter: DatasetConfig['dialect']['delimiter'];
  readonly quoteChar: DatasetConfig['dialect']['quoteChar'];
  readonly doubleQuote: boolean;
  readonly escapeChar: '\\' | null;
  readonly header: boolean;
  /** Physical lines above the header (or above the data without one), counted in the rejects' line numbers. */
  readonly skipRows: number;
  readonly encoding: 'utf-8' | 'windows-1252' | 'utf-16';
}

/** The plan's {@link PlanRead} of a dataset. */
export function planRead(dataset: DatasetConfig): PlanRead {
  const d = dataset.dialect;
  return {
    delimiter: d.delimiter,
    quoteChar: d.quoteChar,
    doubleQuote: d.doubleQuote,
    escapeChar: d.escapeChar ?? null,
    header: d.header,
    skipRows: d.skipRows,
    encoding: effectiveEncoding(d.encoding),
  };
}

/** Compiles the dataset's transform into the given dialect. */
export function compileTransformPlan(dataset: DatasetConfig, dialectName: DialectName): TransformPlan {
  const d = dialectByName(dialectName);
  const q = (name: string): string => d.quote(name);
  const columns = dataset.columns;

  // Typed values: a value that is empty becomes NULL; a non-empty value that is not well formed
  // becomes NULL too, and the row is flagged malformed (never silently kept or dropped).
  // The value rules (trim, missing tokens, separators, formats, time zone): core/value-rules.ts.
  const values = columns.map((c) => columnValueSql(d, q(c.name), c, columnRules(dataset, c)));
  const typedExprs = columns.map((c, i) => `${values[i].typed} AS ${q(c.name)}`);
  const swallowed = swallowedRecordPattern(columns.length, dataset.dialect.delimiter);
  const problems = columns.map((c, i) => {
    const raw = q(c.name);
    const { missing: empty, typed, formatMismatch } = values[i];
    const parts: string[] = [];
    if (!c.nullable) parts.push(`WHEN ${empty} THEN ${d.literal(`${c.name}: empty`)}`);
    if (c.type.kind === 'string') {
      // The regular expression only where a line break is (a cheap test first: most values have none).
      const lineBreak = `(instr(${raw}, ${d.literal('\n')}) > 0 OR instr(${raw}, ${d.literal('\r')}) > 0)`;
      parts.push(`WHEN ${lineBreak} AND ${d.containsMatch(raw, swallowed)} THEN ${d.literal(`${c.name} ${SWALLOWED_RECORD_REASON}`)}`);
    }
    if (formatMismatch) parts.push(`WHEN NOT ${empty} AND ${formatMismatch.when} THEN ${formatMismatch.reason}`);
    if (c.type.kind !== 'string') {
      parts.push(`WHEN NOT ${empty} AND ${typed} IS NULL THEN ${d.literal(`${c.name}: not a ${typeLabel(c.type)}`)}`);
    }
    return parts;
  });
  // Bytes that are not UTF-8: DuckDB's reader sets the line aside, Spark's decodes them to U+FFFD
  // (the replacement character); a row holding U+FFFD is malformed in both, never loaded mangled.
  // Tested once over the row's text columns together, not once each (typed values hold neither:
  // their patterns refuse them).
  const textColumns = columns.filter((c) => c.type.kind === 'string').map((c) => q(c.name));
  const text = `concat_ws('', ${textColumns.join(', ')})`;
  const rowRules =
    textColumns.length === 0
      ? []
      : [
          `WHEN instr(${text}, ${d.literal(REPLACEMENT_CHARACTER)}) > 0 THEN ${d.literal('row: not valid UTF-8 (U+FFFD)')}`,
          `WHEN ${d.containsMatch(text, CONTROL_CHARACTER)} THEN ${d.literal('row: a text value holds a control character')}`,
        ];
  const reasonCases = [...rowRules, ...problems.flat()];
  const reasonExpr = reasonCases.length > 0 ? `CASE ${reasonCases.join(' ')} END` : `CAST(NULL AS ${d.sqlType({ kind: 'string' })})`;

  const names = columns.map((c) => q(c.name)).join(', ');
  // etl_typed is grouped: one row per distinct typed row (and reject reason) with the number of
  // input rows it stands for. The first aggregate thus removes exact duplicates while the input
  // is read, and every later step reads distinct rows; the counts stay exact through _etl_rows.
  const groupBy = Array.from({ length: columns.length + 1 }, (_, i) => i + 1).join(', ');
  const steps: PlanStep[] = [
    {
      name: 'etl_typed',
      sql: `SELECT ${typedExprs.join(', ')}, ${reasonExpr} AS _etl_reject_reason, count(*) AS _etl_rows FROM ${RUNNER_INPUTS.raw} GROUP BY ${groupBy}`,
      materialize: true,
    },
    { name: 'etl_clean', sql: `SELECT ${names}, _etl_rows FROM etl_typed WHERE _etl_reject_reason IS NULL`, materialize: false },
    // Already distinct (grouped above).
    { name: 'etl_distinct', sql: `SELECT ${names} FROM etl_clean`, materialize: true },
    ...keyDedupeSteps(d, dataset),
  ];
  const last = steps[steps.length - 1].name;

  const partitionExpr =
    dataset.partitioning.by === 'ingestion_date' ? `${d.formatDate(`p.ingestion_date`)}` : d.formatDate(`r.${q(dataset.partitioning.column)}`);

  return {
    formatVersion: 1,
    dataset: dataset.name,
    dialect: d.name,
    columns: columns.map((c) => ({ name: c.name, source: columnSource(c), sqlType: d.sqlType(c.type), required: c.required })),
    read: planRead(dataset),
    extraColumns: dataset.extraColumns,
    steps,
    metricsSql: [
      'SELECT',
      `  (SELECT coalesce(sum(_etl_rows), 0) FROM etl_typed) AS rows_typed,`,
      `  (SELECT coalesce(sum(_etl_rows), 0) FROM etl_typed WHERE _etl_reject_reason IS NOT NULL) AS malformed_rows,`,
      `  (SELECT coalesce(sum(_etl_rows), 0) FROM etl_clean) AS clean_rows,`,
      `  (SELECT count(*) FROM etl_clean) AS distinct_rows,`,
      `  (SELECT count(*) FROM ${last}) AS output_rows`,
    ].join('\n'),
    // Recomputed from the raw text so that the rejects file shows the values as they arrived.
    rejectsSql: `SELECT * FROM (SELECT ${reasonExpr} AS reject_reason, ${d.jsonObject(columns.map((c) => c.name))} AS record FROM ${RUNNER_INPUTS.raw}) r WHERE reject_reason IS NOT NULL`,
    outputSql: `SELECT ${columns.map((c) => `r.${q(c.name)}`).join(', ')}, ${partitionExpr} AS ${PARTITION_COLUMN} FROM ${last} r CROSS JOIN ${RUNNER_INPUTS.params} p`,
    latestSql: latestStateSql(d, dataset, last),
    partitionColumn: PARTITION_COLUMN,
    quality: dataset.quality,
    swallowedRecordPattern: swallowed,
  };
}

/** What a decoder puts in place of bytes that are not UTF-8. */
const REPLACEMENT_CHARACTER = '\uFFFD';

function keyDedupeSteps(d: Dialect, dataset: DatasetConfig): PlanStep[] {
  if (dataset.dedupe.keys.length === 0) return [];
  return [{ name: 'etl_deduped', sql: latestPerKey(d, dataset, 'etl_distinct'), materialize: false }];
}

function latestStateSql(d: Dialect, dataset: DatasetConfig, last: string): string | null {
  if (dataset.dedupe.keys.length === 0) return null;
  const all = dataset.columns.map((c) => d.quote(c.name)).join(', ');
  // UNION, not UNION ALL: a row already in the state (a rerun of a load) counts once.
  return latestPerKey(d, dataset, `(SELECT ${all} FROM ${RUNNER_INPUTS.previousLatest} UNION SELECT ${all} FROM ${last})`);
}

/**
 * The keepLatestBy rule, one definition for a load's own dedupe and for the merged state: one
 * row per key of `source` (distinct rows), the latest by keepLatestBy first, ties broken by the
 * whole row in column order. Both engines compare values alike (text byte by byte), so both
 * keep the same row; NULLS LAST is spelled out (Spark's default for ASC is NULLS FIRST, DuckDB's
 * LAST). DuckDB's window spills and completes 5M rows under a 1 GB memory limit when the CSV
 * reader's buffers are sized (see duckdb-job.ts); it is the fastest of the plans measured by
 * `npm run bench` (aggregate + semi-join, arg_max).
 */
function latestPerKey(d: Dialect, dataset: DatasetConfig, source: string): string {
  const keys = dataset.dedupe.keys.map((k) => d.quote(k));
  const all = dataset.columns.map((c) => d.quote(c.name));
  const latest = dataset.dedupe.keepLatestBy === undefined ? [] : [`${d.quote(dataset.dedupe.keepLatestBy)} DESC NULLS LAST`];
  const order = [...latest, ...prefixed('r', all).map((c) => `${c} ASC NULLS LAST`)].join(', ');
  return (
    `SELECT ${prefixed('r', all).join(', ')} FROM (SELECT r.*, row_number() OVER (PARTITION BY ${keys.join(', ')} ` +
    `ORDER BY ${order}) AS _etl_rank FROM ${source} r) r WHERE r._etl_rank = 1`
  );
}

function prefixed(alias: string, columns: readonly string[]): string[] {
  return columns.map((c) => `${alias}.${c}`);
}

function typeLabel(type: DatasetConfig['columns'][number]['type']): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}
