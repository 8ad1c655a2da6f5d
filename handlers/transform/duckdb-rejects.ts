/**
 * The DuckDB engine's rejects file, from the pass that found the rejects: `etl_rows` (the plan's
 * single-pass rows, in the file's order) holds each value reject with its raw record, and the
 * line breaks of every record read; `reject_errors` (DuckDB's `store_rejects`) each record the
 * reader could not split, with its ordinal and raw text. Each reject's line follows from these
 * (core/rejects.ts): no second parse of the input. DuckDB drops blank lines without a trace, so
 * when a run has rejects the bytes are scanned for empty lines (a byte search, no CSV parse); only
 * when that scan or an unsplit record moves lines does a walk over the multi-line records place
 * them. DuckDB writes the file (COPY, streamed in line order), so no reject is held in memory.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { type PlanRead, SINGLE_PASS_ROWS, type TransformPlan } from '../../core/transform/compile-plan';
import {
  type LineStart,
  type MultiLineRecord,
  REJECTS_COLUMNS,
  REJECT_REASONS,
  type SplitCandidate,
  type UnsplitRecord,
  emptyLines,
  firstRecord,
  hasUnclosedQuote,
  numberLines,
  recordSplitFailure,
} from '../../core/rejects';
import { SWALLOWED_RECORD_REASON } from '../../core/value-rules';
import { one, rows, run, sqlText } from './duckdb-sql';

/** `read_csv`'s `max_line_size` (a record longer than it is set aside). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** The reader's records set aside, one row per record (DuckDB may list several errors of one). */
const UNSPLIT = 'etl_unsplit';
/** The lines before a record read, beyond one per record read (blank lines, unsplit records): `index`, `lines`. */
const SHIFTS = 'etl_line_shifts';
/** The line of each unsplit record: `ordinal`, `line`. */
const UNSPLIT_LINES = 'etl_unsplit_lines';

/** What the rejects need of the input. */
export interface RejectsInput {
  readonly read: PlanRead;
  /** The plan's columns (the rows' line breaks are counted in its text columns). */
  readonly columns: TransformPlan['columns'];
  /** Where the data records start. */
  readonly start: LineStart;
  /** The fields of a record (the header's, or the declared columns' without a header). */
  readonly width: number;
  /** The swallowed-record pattern of the plan. */
  readonly swallowedRecordPattern: string;
  /** The decompressed bytes of the input, for the scan for empty lines. */
  readonly bytes: () => AsyncIterable<Uint8Array>;
}

/** The line breaks (`\r\n`, `\r` or `\n`) in a text expression: 0 for none or NULL (counted only where a cheap test finds one). */
export function lineBreaksSql(text: string): string {
  return `CASE WHEN instr(${text}, chr(10)) > 0 OR instr(${text}, chr(13)) > 0 THEN len(regexp_extract_all(${text}, '\\r\\n|\\r|\\n')) ELSE 0 END`;
}

/**
 * The line breaks inside a row of etl_rows: in a clean row only its text values can hold one (a
 * typed value's pattern refuses them; a CRLF stored as LF is one break still); a rejected row's
 * are counted in its raw record; the fields not read bring theirs (`_etl_line_breaks`).
 */
function rowLineBreaks(columns: RejectsInput['columns']): string {
  const text = columns.filter((c) => c.sqlType === 'VARCHAR').map((c) => lineBreaksSql(`"${c.name}"`));
  const raw = columns.map((c) => lineBreaksSql(`json_extract_string(_etl_record, ${sqlText(`$.${JSON.stringify(c.name)}`)})`));
  return `(coalesce(_etl_line_breaks, 0) + CASE WHEN _etl_record IS NULL THEN ${text.length > 0 ? text.join(' + ') : '0'} ELSE ${raw.join(' + ')} END)`;
}

/**
 * Copies DuckDB's records set aside into {@link UNSPLIT} with their reasons (core/rejects.ts
 * wording) and returns how many there are. Run on the connection that read the file
 * (`reject_errors` is its temporary table), right after the read.
 */
export async function collectUnsplit(db: DuckDBConnection, input: Pick<RejectsInput, 'read' | 'width'>): Promise<number> {
  // A raw text whose quote nothing closes (DuckDB's UNQUOTED VALUE may also be a stray quote)
  // is told by parsing that text alone, below.
  // DuckDB lists a short record once per missing field and a long one once per field too many,
  // each with the count so far: the fewest found of the first, the most of the second.
  const foundEach = `TRY_CAST(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS BIGINT)`;
  const found = `CASE WHEN bool_or(error_type = 'MISSING COLUMNS') THEN min(${foundEach}) ELSE max(${foundEach}) END`;
  const mark = 777_777_777;
  const [before, after] = REJECT_REASONS.fieldCount(mark, input.width).split(String(mark));
  const reason =
    `CASE WHEN bool_or(error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')) THEN ` +
    `CASE WHEN ${found} = 1 THEN ${sqlText(REJECT_REASONS.fieldCount(1, input.width))} ELSE ${sqlText(before)} || ${found} || ${sqlText(after)} END ` +
    `WHEN bool_or(error_type = 'INVALID ENCODING') THEN ${sqlText(REJECT_REASONS.notUtf8)} ` +
    `WHEN bool_or(error_type = 'LINE SIZE OVER MAXIMUM') THEN ${sqlText(REJECT_REASONS.tooLong(MAX_LINE_BYTES))} ` +
    `WHEN bool_or(error_type = 'UNQUOTED VALUE') THEN ${sqlText(REJECT_REASONS.strayQuote)} ` +
    `ELSE 'record: ' || min(error_message) END`;
  // DuckDB's text of a record that follows blank lines starts with their line breaks: the record
  // starts after them (and a record's own line breaks are inside it, not at its end).
  const breaks = 'chr(13) || chr(10)';
  const record = `ltrim(min(csv_line), ${breaks})`;
  await run(
    db,
    `CREATE TABLE ${UNSPLIT} AS SELECT line AS ordinal, ${reason} AS reject_reason, ${record} AS record, ` +
      `bool_or(error_type = 'UNQUOTED VALUE') AS quote_error, false AS unclosed, ` +
      `len(regexp_extract_all(rtrim(${record}, ${breaks}), '\\r\\n|\\r|\\n')) AS line_breaks FROM reject_errors GROUP BY line`,
  );
  const quoted = await rows<{ ordinal: bigint; record: string }>(db, `SELECT ordinal, record FROM ${UNSPLIT} WHERE quote_error`);
  const unclosed = quoted.filter((r) => hasUnclosedQuote(r.record, input.read)).map((r) => Number(r.ordinal));
  if (unclosed.length > 0) {
    await run(db, `UPDATE ${UNSPLIT} SET unclosed = true, reject_reason = ${sqlText(REJECT_REASONS.unclosedQuote)} WHERE ordinal IN (${unclosed.join(', ')})`);
  }
  return Number((await one(db, `SELECT count(*) AS n FROM ${UNSPLIT}`)).n);
}

/**
 * Writes the rejects file to `file` (every reject in line order, with its line, reason and record)
 * and returns the first reject past which the file cannot be split into records reliably, if any
 * (core/rejects.ts `recordSplitFailure`). `instance` gives the extra connections the walk streams on.
 */
export async function writeRejects(
  db: DuckDBConnection,
  instance: DuckDBInstance,
  input: RejectsInput,
  unsplit: number,
  file: string,
): Promise<{ readonly line: number; readonly reason: string } | undefined> {
  await placeLines(db, instance, input, unsplit);
  const numbered = numberedRejects(input, unsplit);
  // A file with unsplit records merges two ordered sources; without, the rows come in line order.
  await run(db, `COPY (${numbered}${unsplit > 0 ? ' ORDER BY line' : ''}) TO ${sqlText(file)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"')`);
  return firstSplitFailure(db, input, unsplit);
}

/** The rejects with their lines, columns {@link REJECTS_COLUMNS}: the value rejects in line order, then the unsplit records. */
function numberedRejects(input: RejectsInput, unsplit: number): string {
  const [line, reason, record] = REJECTS_COLUMNS;
  const first = firstRecord(input.start).line;
  // A running sum over etl_rows in its order (a window without ORDER BY streams, one thread):
  // the line of the record at row i is first + i + the lines before it beyond one per record.
  const value =
    `SELECT ${line}, ${reason}, ${record} FROM (SELECT ${first} + _etl_index + sum(_etl_breaks + coalesce(_etl_lines_before, 0)) ` +
    `OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - _etl_breaks AS ${line}, _etl_reject_reason AS ${reason}, _etl_record AS ${record} ` +
    `FROM (SELECT rowid AS _etl_index, *, ${rowLineBreaks(input.columns)} AS _etl_breaks FROM ${SINGLE_PASS_ROWS})) r WHERE ${reason} IS NOT NULL`;
  if (unsplit === 0) return value;
  return `${value} UNION ALL SELECT l.line AS ${line}, u.reject_reason AS ${reason}, u.record AS ${record} FROM ${UNSPLIT} u JOIN ${UNSPLIT_LINES} l USING (ordinal)`;
}

/**
 * The lines of the unsplit records and the lines before each record read beyond one per record:
 * `etl_rows._etl_lines_before` (added here) and {@link UNSPLIT_LINES}. Without blank lines and
 * unsplit records there is nothing to place: every line follows from the records read.
 */
async function placeLines(db: DuckDBConnection, instance: DuckDBInstance, input: RejectsInput, unsplit: number): Promise<void> {
  await run(db, `ALTER TABLE ${SINGLE_PASS_ROWS} ADD COLUMN _etl_lines_before BIGINT`);
  await run(db, `CREATE TABLE ${SHIFTS} (index BIGINT, lines BIGINT)`);
  await run(db, `CREATE TABLE ${UNSPLIT_LINES} (ordinal BIGINT, line BIGINT)`);
  const empty = emptyLines(input.bytes());
  const first = await empty.next();
  const firstLine = firstRecord(input.start).line;
  // The empty lines before the data records (above the header, inside it) move nothing.
  let pending: number | undefined = first.done ? undefined : first.value;
  while (pending !== undefined && pending < firstLine) {
    const next = await empty.next();
    pending = next.done ? undefined : next.value;
  }
  if (pending === undefined && unsplit === 0) return;
  async function* remainingEmpty(): AsyncGenerator<number> {
    if (pending !== undefined) yield pending;
    yield* empty;
  }
  const last = Number((await one(db, `SELECT coalesce(max(rowid), -1) AS n FROM ${SINGLE_PASS_ROWS} WHERE _etl_reject_reason IS NOT NULL`)).n);
  // The walk reads two results at once, each on a connection of its own; the appenders write
  // through a third (the tables are in the run's shared working database).
  const multiLineDb = await instance.connect();
  const unsplitDb = await instance.connect();
  const writeDb = await instance.connect();
  await run(writeDb, 'USE etl_work');
  const shifts = await writeDb.createAppender(SHIFTS, 'main', 'etl_work');
  const lines = await writeDb.createAppender(UNSPLIT_LINES, 'main', 'etl_work');
  try {
    await run(multiLineDb, 'USE etl_work');
    await run(unsplitDb, 'USE etl_work');
    const breaks = `SELECT rowid AS index, ${rowLineBreaks(input.columns)} AS breaks FROM ${SINGLE_PASS_ROWS}`;
    const multiLine = streamRows(multiLineDb, `SELECT index, breaks FROM (${breaks}) WHERE breaks > 0 ORDER BY index`, (r) => ({
      index: Number(r[0]),
      lineBreaks: Number(r[1]),
    })) satisfies AsyncIterable<MultiLineRecord>;
    const unsplitRecords = streamRows(unsplitDb, `SELECT ordinal, line_breaks FROM ${UNSPLIT} ORDER BY ordinal`, (r) => ({
      ordinal: Number(r[0]),
      lineBreaks: Number(r[1]),
    })) satisfies AsyncIterable<UnsplitRecord>;
    for await (const event of numberLines(input.start, multiLine, unsplitRecords, remainingEmpty(), last)) {
      if (event.kind === 'shift') {
        shifts.appendBigInt(BigInt(event.index));
        shifts.appendBigInt(BigInt(event.lines));
        shifts.endRow();
      } else {
        lines.appendBigInt(BigInt(event.ordinal));
        lines.appendBigInt(BigInt(event.line));
        lines.endRow();
      }
    }
  } finally {
    shifts.closeSync();
    lines.closeSync();
    multiLineDb.closeSync();
    unsplitDb.closeSync();
    writeDb.closeSync();
  }
  await run(db, `UPDATE ${SINGLE_PASS_ROWS} SET _etl_lines_before = s.lines FROM ${SHIFTS} s WHERE ${SINGLE_PASS_ROWS}.rowid = s.index`);
}

/** The rows of a query, one at a time, as `map` makes them; the result is read chunk by chunk. */
async function* streamRows<T>(db: DuckDBConnection, sql: string, map: (row: readonly unknown[]) => T): AsyncGenerator<T> {
  const result = await db.stream(sql);
  for await (const chunk of result.yieldRowsJs()) for (const row of chunk) yield map(row);
}

/**
 * The first reject, by line, past which the file cannot be split reliably: the candidates are the
 * first value reject whose reason says a value swallowed records and the unsplit records (their
 * text is tested by core/rejects.ts); only those are read.
 */
async function firstSplitFailure(db: DuckDBConnection, input: RejectsInput, unsplit: number): Promise<{ line: number; reason: string } | undefined> {
  const candidates: SplitCandidate[] = [];
  const swallowed = await rows<{ index: bigint; reason: string; record: string }>(
    db,
    `SELECT rowid AS index, _etl_reject_reason AS reason, _etl_record AS record FROM ${SINGLE_PASS_ROWS} ` +
      `WHERE _etl_reject_reason LIKE ${sqlText(`%${SWALLOWED_RECORD_REASON}`)} ORDER BY rowid LIMIT 1`,
  );
  for (const s of swallowed) {
    // Its line as numberedRejects counts it, for this one row.
    const { line } = await one(
      db,
      `SELECT ${firstRecord(input.start).line} + ${s.index} + coalesce(sum(${rowLineBreaks(input.columns)}) FILTER (rowid < ${s.index}), 0) + ` +
        `coalesce(sum(_etl_lines_before), 0) AS line FROM ${SINGLE_PASS_ROWS} WHERE rowid <= ${s.index}`,
    );
    candidates.push({ line: Number(line), reason: s.reason, record: s.record, unclosedQuote: false });
  }
  if (unsplit > 0) {
    const raw = await rows<{ line: bigint; reason: string; record: string; unclosed: boolean }>(
      db,
      `SELECT l.line, u.reject_reason AS reason, u.record, u.unclosed FROM ${UNSPLIT} u JOIN ${UNSPLIT_LINES} l USING (ordinal) ` +
        `WHERE u.unclosed OR regexp_matches(u.record, ${sqlText(input.swallowedRecordPattern)}) ORDER BY l.line LIMIT 1`,
    );
    candidates.push(...raw.map((c) => ({ line: Number(c.line), reason: c.reason, record: c.record, unclosedQuote: c.unclosed })));
  }
  return recordSplitFailure(candidates, input.swallowedRecordPattern);
}
