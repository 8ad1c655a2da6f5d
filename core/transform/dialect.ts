/**
 * The two SQL dialects the transform compiles to. Everything the engines disagree on is here,
 * so the difference between local (DuckDB) and AWS Glue (Spark SQL) stays small and reviewable.
 */
import type { ColumnType } from '../config/column-type';

/** Names of the supported dialects. */
export type DialectName = 'duckdb' | 'spark';

/** How one dialect spells the few things that differ. */
export interface Dialect {
  readonly name: DialectName;
  /** SQL type of a column type. */
  sqlType(type: ColumnType): string;
  /** Boolean expression: `expr` matches `pattern` in full. */
  fullMatch(expr: string, pattern: string): string;
  /** Boolean expression: `pattern` matches somewhere in `expr`. */
  containsMatch(expr: string, pattern: string): string;
  /**
   * The text of a well-formed timestamp, read as UTC when it has no offset: DuckDB's cast would
   * use the machine's time zone (its `TimeZone` setting needs the icu extension).
   */
  instantText(expr: string): string;
  /** `YYYY-MM-DD` text of a DATE expression. */
  formatDate(expr: string): string;
  /** The text without leading and trailing spaces and tabs (a column's `trim`). */
  trimSpaces(expr: string): string;
  /** Capture group `group` of `pattern` matched in full against `expr` (`''` when it does not match). */
  extract(expr: string, pattern: string, group: number): string;
  /** The text left-padded with zeros to `width` characters. */
  zeroPad(expr: string, width: number): string;
  /** The texts joined (none of them NULL). */
  concat(parts: readonly string[]): string;
  /**
   * The instant (the TIMESTAMP type of {@link sqlType}) of well-formed ISO timestamp text read in
   * the IANA zone `zone` when it has no offset; `offset` says whether the text has one: `always`,
   * `never` or `maybe` (tested). NULL for text that is no timestamp. A wall time skipped by a
   * daylight-saving change is read as the same time after the gap (02:30 → 03:30 in a one-hour
   * gap); a wall time that occurs twice as its earlier instant (the offset before the change).
   */
  zonedInstant(expr: string, zone: string, offset: 'always' | 'never' | 'maybe'): string;
  /** JSON object text of named columns (for the rejects file); the values of `values` (expressions, one per name) when given. */
  jsonObject(names: readonly string[], values?: readonly string[]): string;
  /** Quotes an identifier. */
  quote(identifier: string): string;
  /** Quotes a string literal. */
  literal(text: string): string;
}

// Spark 3.5 (Glue 5.0) reads backslash escapes in literals; `''` would join two literals.
const quoteText = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** DuckDB, the local stand-in for Glue. */
export const duckdb: Dialect = {
  name: 'duckdb',
  sqlType(type) {
    switch (type.kind) {
      case 'string':
        return 'VARCHAR';
      case 'integer':
        return 'INTEGER';
      case 'bigint':
        return 'BIGINT';
      case 'decimal':
        return `DECIMAL(${type.precision},${type.scale})`;
      case 'double':
        return 'DOUBLE';
      case 'boolean':
        return 'BOOLEAN';
      case 'date':
        return 'DATE';
      case 'timestamp':
        // Stored as an instant (UTC-adjusted in Parquet); the engine runs with TimeZone=UTC.
        return 'TIMESTAMPTZ';
    }
  },
  fullMatch: (expr, pattern) => `regexp_full_match(${expr}, '${pattern.replace(/'/g, "''")}')`,
  containsMatch: (expr, pattern) => `regexp_matches(${expr}, '${pattern.replace(/'/g, "''")}')`,
  instantText: (expr) => `CASE WHEN regexp_matches(${expr}, '(Z|[+-][0-9]{2}:?[0-9]{2})$') THEN ${expr} ELSE ${expr} || 'Z' END`,

  formatDate: (expr) => `strftime(${expr}, '%Y-%m-%d')`,
  trimSpaces: (expr) => `trim(${expr}, ' \t')`,
  extract: (expr, pattern, group) => `regexp_extract(${expr}, '^(?:${pattern.replace(/'/g, "''")})$', ${group})`,
  zeroPad: (expr, width) => `lpad(${expr}, ${width}, '0')`,
  concat: (parts) => `concat(${parts.join(', ')})`,
  zonedInstant(expr, zone, offset) {
    const withOffset = `TRY_CAST(${expr} AS TIMESTAMPTZ)`;
    if (offset === 'always') return withOffset;
    // ICU reads a repeated wall time as its later instant, Java (Spark) as its earlier: take the
    // earlier one, an instant 1 hour (or 30 minutes, Australia/Lord_Howe) before with the same wall time.
    const zoneText = `'${zone.replace(/'/g, "''")}'`;
    const wall = `TRY_CAST(${expr} AS TIMESTAMP)`;
    const later = `timezone(${zoneText}, ${wall})`;
    const before = (interval: string): string => `WHEN timezone(${zoneText}, ${later} - INTERVAL ${interval}) = ${wall} THEN ${later} - INTERVAL ${interval}`;
    const local = `CASE ${before('1 HOUR')} ${before('30 MINUTE')} ELSE ${later} END`;
    return offset === 'never' ? local : `CASE WHEN regexp_matches(${expr}, '(Z|[+-][0-9]{2}:?[0-9]{2})$') THEN ${withOffset} ELSE ${local} END`;
  },
  jsonObject: (names, values) => `CAST(json_object(${names.map((n, i) => `'${n}', ${values?.[i] ?? `"${n}"`}`).join(', ')}) AS VARCHAR)`,
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  // DuckDB string literals do not treat backslash as an escape.
  literal: (text) => `'${text.replace(/'/g, "''")}'`,
};

/** Spark SQL (AWS Glue 5.0, Spark 3.5). */
export const spark: Dialect = {
  name: 'spark',
  sqlType(type) {
    switch (type.kind) {
      case 'string':
        return 'STRING';
      case 'integer':
        return 'INT';
      case 'decimal':
        return `DECIMAL(${type.precision},${type.scale})`;
      default:
        // bigint, double, boolean, date and timestamp are spelled alike (the Glue job sets the
        // session time zone to UTC, as the local engine does).
        return type.kind.toUpperCase();
    }
  },
  // Java's `$` also matches before a final line break ("42\n"); `\z` is the end of the text only.
  fullMatch: (expr, pattern) => `(${expr} RLIKE ${quoteText(`^(?:${pattern})\\z`)})`,
  containsMatch: (expr, pattern) => `(${expr} RLIKE ${quoteText(pattern)})`,
  // The job sets spark.sql.session.timeZone to UTC: text without an offset is read as UTC.
  instantText: (expr) => expr,

  formatDate: (expr) => `date_format(${expr}, 'yyyy-MM-dd')`,
  // The trim string is a set of characters; '\t' is Spark's escape of a tab.
  trimSpaces: (expr) => `trim(BOTH ' \\t' FROM ${expr})`,
  extract: (expr, pattern, group) => `regexp_extract(${expr}, ${quoteText(`^(?:${pattern})\\z`)}, ${group})`,
  zeroPad: (expr, width) => `lpad(${expr}, ${width}, '0')`,
  concat: (parts) => `concat(${parts.join(', ')})`,
  zonedInstant(expr, zone, offset) {
    // The session time zone is UTC: the cast reads offset-less text as UTC, to_utc_timestamp then
    // moves it from the zone's wall time (java.time: a gap shifts forward, an overlap takes the earlier offset).
    const withOffset = `TRY_CAST(${expr} AS TIMESTAMP)`;
    if (offset === 'always') return withOffset;
    const local = `to_utc_timestamp(TRY_CAST(${expr} AS TIMESTAMP), ${quoteText(zone)})`;
    return offset === 'never' ? local : `CASE WHEN ${expr} RLIKE ${quoteText('(Z|[+-][0-9]{2}:?[0-9]{2})\\z')} THEN ${withOffset} ELSE ${local} END`;
  },
  // ignoreNullFields=false: the rejects file shows an empty value as null, as DuckDB's json_object does.
  jsonObject: (names, values) =>
    `to_json(named_struct(${names.map((n, i) => `'${n}', ${values?.[i] ?? `\`${n}\``}`).join(', ')}), map('ignoreNullFields', 'false'))`,
  quote: (identifier) => `\`${identifier.replace(/`/g, '``')}\``,
  literal: quoteText,
};

/** The dialect of that name. */
export function dialectByName(name: DialectName): Dialect {
  return name === 'duckdb' ? duckdb : spark;
}
