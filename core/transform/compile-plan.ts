/**
 * Compiles a dataset's declaration into a transform plan: a chain of SQL queries that types the
 * raw CSV columns, sets malformed rows aside, removes exact duplicates, keeps the latest row per
 * key and adds the partition column. The engine (DuckDB locally, Spark on Glue) only runs it.
 */
import { type DatasetConfig, PARTITION_COLUMN, type QualityConfig, columnSource } from '../config/dataset-config';
import { effectiveEncoding } from '../input-decoding';
import { REJECT_REASONS } from '../rejects';
import { CONTROL_CHARACTER, type ColumnRules, SWALLOWED_RECORD_REASON, columnRules, swallowedRecordPattern } from '../value-rules';
import { type Dialect, type DialectName, dialectByName } from './dialect';
import { type ColumnValueSql, columnValueSql } from './value-sql';

/**
 * Names of the relations the runner provides before running the plan:
 * - `etl_raw`: one text column per declared column (NULL for an optional column absent from the
 *   header), in declaration order, nothing else;
 * - `etl_params`: one row with `ingestion_date` (DATE);
 * - `etl_previous_latest` (only to run {@link TransformPlan.latestSql}): the dataset's current
 *   state before this run, the declared columns typed (NULL for a column its files lack).
 *
 * A runner of {@link TransformPlan.singlePass} also provides, in `etl_raw`, the column
 * `_etl_line_breaks`: the line breaks inside the record's quoted values (over every field of the
 * file, the columns not read included; NULL or 0 for none); and creates `etl_rows` from
 * {@link SinglePass.rowsSql} in the order of the file. A runner of {@link TransformPlan.rejectsWithLinesSql}
 * (the Glue runner) provides, in `etl_raw`, {@link RECORD_LINE_COLUMN}: the line the record starts on.
 */
export const RUNNER_INPUTS = { raw: 'etl_raw', params: 'etl_params', previousLatest: 'etl_previous_latest' } as const;

/** The column of `etl_raw` holding the line its record starts on, for {@link TransformPlan.rejectsWithLinesSql}. */
export const RECORD_LINE_COLUMN = '_etl_line';

/** The relation a runner of {@link TransformPlan.singlePass} creates from {@link SinglePass.rowsSql}, in the file's order. */
export const SINGLE_PASS_ROWS = 'etl_rows';

/**
 * What each row of {@link SinglePass.outputSql} is, in its `_etl_kind` column: a row to write
 * (`out`), an exact duplicate of a row kept or lost (`exact`), or a distinct row another row of
 * its key replaced (`key`). A runner writes the `out` rows and counts the others.
 */
export const ROW_KINDS = { out: 'out', exactDuplicate: 'exact', keyDuplicate: 'key' } as const;

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
  /** {@link rejectsSql} with each reject's `line` (BIGINT, {@link RECORD_LINE_COLUMN} of `etl_raw`), for a runner that reads it. */
  readonly rejectsWithLinesSql: string;
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
  /**
   * The same transform for a runner that reads the file once, in order (the DuckDB engine): the
   * rows typed with their reasons and raw records in one table, then one window pass that tells
   * each clean row's fate, which the runner writes and counts in the same statement. Spark runs
   * {@link steps} instead.
   */
  readonly singlePass: SinglePass;
}

/** {@link TransformPlan.singlePass}. */
export interface SinglePass {
  /**
   * One row per record of `etl_raw`, in its order: the declared columns typed, `_etl_reject_reason`
   * (NULL for a clean row), `_etl_record` (the raw values as a JSON object, for a rejected row only)
   * and `_etl_line_breaks` (passed through).
   */
  readonly rowsSql: string;
  /**
   * The rows to write, from the clean rows of {@link SINGLE_PASS_ROWS}, each once: the declared
   * columns, the partition column, then `_etl_kind` ({@link ROW_KINDS}); one `out` row per key by
   * the keepLatestBy rule (per distinct row without keys), the rows of {@link TransformPlan.outputSql}.
   * The declared columns are NULL in the other rows: a runner partitions by `_etl_kind` first,
   * keeps the `out` files and counts the others.
   */
  readonly outputSql: string;
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
  const rules = columns.map((c) => columnRules(dataset, c));
  const values = columns.map((c, i) => columnValueSql(d, q(c.name), c, rules[i]));
  const typedExprs = columns.map((c, i) => `${values[i].typed} AS ${q(c.name)}`);
  const swallowed = swallowedRecordPattern(columns.length, dataset.dialect.delimiter);
  const reasonExpr = rejectReason(d, dataset, swallowed, values, (i) => values[i].typed);

  const names = columns.map((c) => q(c.name)).join(', ');
  // etl_typed is grouped: one row per distinct typed row (and reject reason) with the number of
  // input rows it stands for. The first aggregate thus removes exact duplicates while the input
  // is read, and every later step reads distinct rows; the counts stay exact through _etl_rows.
  const groupBy = Array.from({ length: columns.length + 1 }, (_, i) => i + 1).join(', ');
  // Only Spark runs the steps (DuckDB runs the single pass). Spark caches what a shuffle computes
  // and several queries read: the grouped rows, and the deduplicated rows, which the metrics, the
  // output and the state's merge share (the dedupe window runs once); a filter of a cached step
  // is rescanned, not cached again.
  const spark = d.name === 'spark';
  const steps: PlanStep[] = [
    {
      name: 'etl_typed',
      sql: `SELECT ${typedExprs.join(', ')}, ${reasonExpr} AS _etl_reject_reason, count(*) AS _etl_rows FROM ${RUNNER_INPUTS.raw} GROUP BY ${groupBy}`,
      materialize: true,
    },
    { name: 'etl_clean', sql: `SELECT ${names}, _etl_rows FROM etl_typed WHERE _etl_reject_reason IS NULL`, materialize: false },
    // Already distinct (grouped above).
    { name: 'etl_distinct', sql: `SELECT ${names} FROM etl_clean`, materialize: !spark },
    ...keyDedupeSteps(d, dataset, spark),
  ];
  const last = steps[steps.length - 1].name;

  const partitionExpr = (row: string): string =>
    dataset.partitioning.by === 'ingestion_date' ? d.formatDate('p.ingestion_date') : d.formatDate(`${row}.${q(dataset.partitioning.column)}`);

  return {
    formatVersion: 1,
    dataset: dataset.name,
    dialect: d.name,
    columns: columns.map((c) => ({ name: c.name, source: columnSource(c), sqlType: d.sqlType(c.type), required: c.required })),
    read: planRead(dataset),
    extraColumns: dataset.extraColumns,
    steps,
    metricsSql: spark
      ? oneScanMetricsSql(last)
      : [
          'SELECT',
          `  (SELECT coalesce(sum(_etl_rows), 0) FROM etl_typed) AS rows_typed,`,
          `  (SELECT coalesce(sum(_etl_rows), 0) FROM etl_typed WHERE _etl_reject_reason IS NOT NULL) AS malformed_rows,`,
          `  (SELECT coalesce(sum(_etl_rows), 0) FROM etl_clean) AS clean_rows,`,
          `  (SELECT count(*) FROM etl_clean) AS distinct_rows,`,
          `  (SELECT count(*) FROM ${last}) AS output_rows`,
        ].join('\n'),
    // Recomputed from the raw text so that the rejects file shows the values as they arrived.
    rejectsSql: `SELECT * FROM (SELECT ${reasonExpr} AS reject_reason, ${d.jsonObject(columns.map((c) => c.name))} AS record FROM ${RUNNER_INPUTS.raw}) r WHERE reject_reason IS NOT NULL`,
    rejectsWithLinesSql: `SELECT * FROM (SELECT ${RECORD_LINE_COLUMN} AS line, ${reasonExpr} AS reject_reason, ${d.jsonObject(columns.map((c) => c.name))} AS record FROM ${RUNNER_INPUTS.raw}) r WHERE reject_reason IS NOT NULL`,
    outputSql: `SELECT ${columns.map((c) => `r.${q(c.name)}`).join(', ')}, ${partitionExpr('r')} AS ${PARTITION_COLUMN} FROM ${last} r CROSS JOIN ${RUNNER_INPUTS.params} p`,
    latestSql: latestStateSql(d, dataset, last),
    partitionColumn: PARTITION_COLUMN,
    quality: dataset.quality,
    swallowedRecordPattern: swallowed,
    singlePass: singlePass(d, dataset, swallowed, rules, partitionExpr),
  };
}

/**
 * The reason a row is malformed (NULL for a clean row): a CASE over the row's rules (not valid
 * UTF-8, a control character), then each column's in declaration order (empty, swallowed rows,
 * format, type); the first that holds is the reason. `values` are the columns' SQL over their raw
 * text, `typedOf(i)` the typed value of column `i` (its expression, or a column computed before).
 */
function rejectReason(
  d: Dialect,
  dataset: DatasetConfig,
  swallowed: string,
  values: readonly ColumnValueSql[],
  typedOf: (i: number) => string,
  rawOf: (i: number) => string = (i) => d.quote(dataset.columns[i].name),
  row: RowText = rowText(dataset, rawOf),
): string {
  const columns = dataset.columns;
  const problems = columns.map((c, i) => {
    const raw = rawOf(i);
    const { missing: empty, formatMismatch } = values[i];
    const typed = typedOf(i);
    const parts: string[] = [];
    if (!c.nullable) parts.push(`WHEN ${empty} THEN ${d.literal(REJECT_REASONS.empty(c.name))}`);
    if (c.type.kind === 'string') {
      // The regular expression only where a line break is (a cheap test first: most values have none).
      const lineBreak = `${row.lineBreak === undefined ? '' : `${row.lineBreak} AND `}(instr(${raw}, ${d.literal('\n')}) > 0 OR instr(${raw}, ${d.literal('\r')}) > 0)`;
      parts.push(`WHEN ${lineBreak} AND ${d.containsMatch(raw, swallowed)} THEN ${d.literal(`${c.name} ${SWALLOWED_RECORD_REASON}`)}`);
    }
    if (formatMismatch) parts.push(`WHEN NOT ${empty} AND ${formatMismatch.when} THEN ${formatMismatch.reason}`);
    if (c.type.kind !== 'string') {
      parts.push(`WHEN NOT ${empty} AND ${typed} IS NULL THEN ${d.literal(REJECT_REASONS.notOfType(c.name, typeLabel(c.type)))}`);
    }
    return parts;
  });
  // Bytes that are not UTF-8: DuckDB's reader sets the line aside, Spark's decodes them to U+FFFD
  // (the replacement character); a row holding U+FFFD is malformed in both, never loaded mangled.
  // Tested once over the row's text columns together, not once each (typed values hold neither:
  // their patterns refuse them).
  const text = row.text;
  const rowRules =
    text === undefined
      ? []
      : [
          `WHEN instr(${text}, ${d.literal(REPLACEMENT_CHARACTER)}) > 0 THEN ${d.literal(REJECT_REASONS.notUtf8)}`,
          `WHEN ${d.containsMatch(text, CONTROL_CHARACTER)} THEN ${d.literal(REJECT_REASONS.controlCharacter)}`,
        ];
  const reasonCases = [...rowRules, ...problems.flat()];
  return reasonCases.length > 0 ? `CASE ${reasonCases.join(' ')} END` : `CAST(NULL AS ${d.sqlType({ kind: 'string' })})`;
}

/**
 * The row's text values as the reason's row rules read them: `text`, their concatenation (undefined
 * without text columns); `lineBreak`, a test that some text value holds a line break, which guards
 * each column's test for swallowed records (undefined: each column is tested).
 */
interface RowText {
  readonly text: string | undefined;
  readonly lineBreak?: string;
}

function rowText(dataset: DatasetConfig, rawOf: (i: number) => string): RowText {
  const textColumns = dataset.columns.flatMap((c, i) => (c.type.kind === 'string' ? [rawOf(i)] : []));
  return { text: textColumns.length === 0 ? undefined : `concat_ws('', ${textColumns.join(', ')})` };
}

/**
 * {@link TransformPlan.singlePass}. The rows query types each value once: its typed value is a
 * column of an inner query, which the reason reads (no pattern or cast computed twice); the raw
 * text is kept beside it as `_etl_raw_<n>` for the reason's text rules and the rejected row's record.
 */
function singlePass(d: Dialect, dataset: DatasetConfig, swallowed: string, rules: readonly ColumnRules[], partitionExpr: (row: string) => string): SinglePass {
  const q = (name: string): string => d.quote(name);
  const columns = dataset.columns;
  const raw = (i: number): string => `_etl_raw_${i}`;
  const values = columns.map((c, i) => columnValueSql(d, raw(i), c, rules[i]));
  // The row's text, concatenated once (a column of the inner query) for the row rules, and whether
  // it holds a line break: most rows hold none, and then no column is tested for swallowed records.
  const { text } = rowText(dataset, raw);
  const rowColumns =
    text === undefined ? '' : `${text} AS _etl_text, (instr(${text}, ${d.literal('\n')}) > 0 OR instr(${text}, ${d.literal('\r')}) > 0) AS _etl_text_breaks, `;
  const row: RowText = text === undefined ? { text } : { text: '_etl_text', lineBreak: '_etl_text_breaks' };
  const reason = rejectReason(d, dataset, swallowed, values, (i) => q(columns[i].name), raw, row);
  const rawColumns = columns.map((_, i) => raw(i)).join(', ');
  const names = columns.map((c) => q(c.name)).join(', ');
  const renamed = `SELECT ${columns.map((c, i) => `${q(c.name)} AS ${raw(i)}`).join(', ')}, ${LINE_BREAKS} FROM ${RUNNER_INPUTS.raw}`;
  const typed = `SELECT ${rawColumns}, ${columns.map((c, i) => `${values[i].typed} AS ${q(c.name)}`).join(', ')}, ${rowColumns}${LINE_BREAKS} FROM (${renamed}) r`;
  const reasoned = `SELECT ${rawColumns}, ${names}, ${reason} AS _etl_reject_reason, ${LINE_BREAKS} FROM (${typed}) r`;
  const record = d.jsonObject(
    columns.map((c) => c.name),
    columns.map((_, i) => raw(i)),
  );
  const rowsSql =
    `SELECT ${names}, _etl_reject_reason, CASE WHEN _etl_reject_reason IS NOT NULL THEN ${record} END AS _etl_record, ${LINE_BREAKS} ` + `FROM (${reasoned}) r`;

  const clean = `SELECT ${names} FROM ${SINGLE_PASS_ROWS} WHERE _etl_reject_reason IS NULL`;
  const kind = (when: readonly [string, string][], otherwise: string): string =>
    `CASE ${when.map(([c, k]) => `WHEN ${c} THEN ${d.literal(k)}`).join(' ')} ELSE ${d.literal(otherwise)} END`;
  let kept: string;
  if (dataset.dedupe.keys.length === 0) {
    // One row per distinct row: the first of its copies.
    kept = `SELECT ${names}, ${kind([['_etl_rank = 1', ROW_KINDS.out]], ROW_KINDS.exactDuplicate)} AS _etl_kind FROM (SELECT r.*, row_number() OVER (PARTITION BY ${prefixed(
      'r',
      columns.map((c) => q(c.name)),
    ).join(', ')}) AS _etl_rank FROM (${clean}) r) r`;
  } else {
    // The keepLatestBy order (latestPerKey's) ends with the whole row: rows equal in every column
    // are peers, so a row ranked below its row number is an exact duplicate of one before it.
    const window = latestWindow(d, dataset);
    kept =
      `SELECT ${names}, ${kind(
        [
          ['_etl_rank = 1', ROW_KINDS.out],
          ['_etl_peer_rank < _etl_rank', ROW_KINDS.exactDuplicate],
        ],
        ROW_KINDS.keyDuplicate,
      )} AS _etl_kind ` + `FROM (SELECT r.*, row_number() OVER ${window} AS _etl_rank, rank() OVER ${window} AS _etl_peer_rank FROM (${clean}) r) r`;
  }
  const out = `r._etl_kind = ${d.literal(ROW_KINDS.out)}`;
  const outputSql =
    `SELECT ${columns.map((c) => `CASE WHEN ${out} THEN r.${q(c.name)} END AS ${q(c.name)}`).join(', ')}, ` +
    `CASE WHEN ${out} THEN ${partitionExpr('r')} END AS ${PARTITION_COLUMN}, r._etl_kind FROM (${kept}) r CROSS JOIN ${RUNNER_INPUTS.params} p`;
  return { rowsSql, outputSql };
}

/** The column of `etl_raw` a single-pass runner counts the record's line breaks in (RUNNER_INPUTS). */
const LINE_BREAKS = '_etl_line_breaks';

/** What a decoder puts in place of bytes that are not UTF-8. */
const REPLACEMENT_CHARACTER = '\uFFFD';

function keyDedupeSteps(d: Dialect, dataset: DatasetConfig, materialize: boolean): PlanStep[] {
  if (dataset.dedupe.keys.length === 0) return [];
  return [{ name: 'etl_deduped', sql: latestPerKey(d, dataset, 'etl_distinct'), materialize }];
}

/**
 * The metrics row as one aggregate over the steps' rows (Spark runs each scalar subquery as jobs
 * of its own): the same columns as the scalar form, each counted from the step it names.
 */
function oneScanMetricsSql(last: string): string {
  return [
    'SELECT coalesce(sum(m.typed), 0) AS rows_typed, coalesce(sum(m.malformed), 0) AS malformed_rows,',
    '  coalesce(sum(m.clean), 0) AS clean_rows, count(m.distinct_row) AS distinct_rows, count(m.output_row) AS output_rows',
    'FROM (',
    '  SELECT _etl_rows AS typed, CASE WHEN _etl_reject_reason IS NOT NULL THEN _etl_rows END AS malformed, NULL AS clean, NULL AS distinct_row, NULL AS output_row FROM etl_typed',
    '  UNION ALL SELECT NULL, NULL, _etl_rows, 1, NULL FROM etl_clean',
    `  UNION ALL SELECT NULL, NULL, NULL, NULL, 1 FROM ${last}`,
    ') m',
  ].join('\n');
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
  const all = dataset.columns.map((c) => d.quote(c.name));
  return `SELECT ${prefixed('r', all).join(', ')} FROM (SELECT r.*, row_number() OVER ${latestWindow(d, dataset)} AS _etl_rank FROM ${source} r) r WHERE r._etl_rank = 1`;
}

/** The window of the keepLatestBy rule over rows aliased `r`: by key, the latest first, then the whole row. */
function latestWindow(d: Dialect, dataset: DatasetConfig): string {
  const keys = dataset.dedupe.keys.map((k) => d.quote(k));
  const all = dataset.columns.map((c) => d.quote(c.name));
  const latest = dataset.dedupe.keepLatestBy === undefined ? [] : [`${d.quote(dataset.dedupe.keepLatestBy)} DESC NULLS LAST`];
  const order = [...latest, ...prefixed('r', all).map((c) => `${c} ASC NULLS LAST`)].join(', ');
  return `(PARTITION BY ${keys.join(', ')} ORDER BY ${order})`;
}

function prefixed(alias: string, columns: readonly string[]): string[] {
  return columns.map((c) => `${alias}.${c}`);
}

function typeLabel(type: DatasetConfig['columns'][number]['type']): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}
