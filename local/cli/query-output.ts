/**
 * How `etl query` prints a result: an aligned text table (NULL shown as such), JSON lines (one
 * object per row, every value JSON-safe and lossless), or CSV with a header.
 */
import { type DuckDBResultReader, DuckDBTimestampTZValue, DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';

/** Types printed right-aligned in the text table. */
const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** The column names, a repeated one made unique (`a`, `a_1`) so that a JSON object keeps every column. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 1; seen.has(unique); n++) unique = `${name}_${n}`;
    seen.add(unique);
    return unique;
  });
}

const MICROS_PER_SECOND = 1_000_000n;

/**
 * An instant as ISO 8601 in UTC, with its microseconds when it has any (`2026-11-20T10:00:00.123456Z`);
 * `infinity` / `-infinity` as DuckDB spells them. (The driver's own text uses the process's zone.)
 */
export function isoInstant(value: DuckDBTimestampTZValue): string {
  if (!value.isFinite) return value.micros > 0n ? 'infinity' : '-infinity';
  const micros = value.micros;
  const seconds = micros / MICROS_PER_SECOND - (micros % MICROS_PER_SECOND < 0n ? 1n : 0n);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  const whole = new Date(Number(seconds) * 1000).toISOString().replace(/\.000Z$/, '');
  return fraction === 0n ? `${whole}Z` : `${whole}.${fraction.toString().padStart(6, '0').replace(/0+$/, '')}Z`;
}

/** A cell's text: as DuckDB spells the value, an instant in ISO 8601 UTC; `null` for NULL. */
function cellText(value: DuckDBValue): string | null {
  if (value === null) return null;
  return value instanceof DuckDBTimestampTZValue ? isoInstant(value) : String(value);
}

/** Each cell's text ({@link cellText}). */
function cellTexts(result: DuckDBResultReader): (string | null)[][] {
  return result.getRows().map((row) => row.map(cellText));
}

/**
 * One JSON object per row, keyed by column name. Lossless, JSON-safe values: BIGINT, HUGEINT and
 * DECIMAL as strings of their exact digits; smaller integers and DOUBLE as numbers (NaN and
 * ±Infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`); DATE as `YYYY-MM-DD`;
 * TIMESTAMP WITH TIME ZONE as ISO 8601 in UTC with its microseconds (`2026-11-20T10:00:00.123456Z`);
 * lists and structs as arrays and objects; NULL as null.
 */
export function jsonLines(result: DuckDBResultReader): string[] {
  const names = uniqueNames(result.columnNames());
  const values = result.getRows();
  return result
    .getRowsJson()
    .map((row, r) =>
      JSON.stringify(Object.fromEntries(row.map((json, i) => [names[i], values[r][i] instanceof DuckDBTimestampTZValue ? cellText(values[r][i]) : json]))),
    );
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180); NULL is empty. */
function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header, then one line per row; values as in the text table, NULL as an empty field. */
export function csvLines(result: DuckDBResultReader): string[] {
  return [result.columnNames(), ...cellTexts(result)].map((row) => row.map(csvField).join(','));
}

/** Line breaks and tabs in a value shown escaped, so that a row stays one line. */
const oneLine = (text: string): string => text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');

/** An aligned text table: the header, a rule, the rows (numbers right-aligned, NULL as `NULL`), and the row count. */
export function textTable(result: DuckDBResultReader): string[] {
  const names = result.columnNames();
  const right = result.columnTypes().map((type) => NUMERIC.has(type.typeId));
  const rows = cellTexts(result).map((row) => row.map((text) => (text === null ? 'NULL' : oneLine(text))));
  // A loop, not Math.max(...rows): a spread of many rows overflows the call stack.
  const widths = names.map((name) => name.length);
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(names), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`];
}
