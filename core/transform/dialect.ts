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
  /** JSON object text of named expressions (for the rejects file). */
  jsonObject(names: readonly string[]): string;
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
  jsonObject: (names) => `CAST(json_object(${names.map((n) => `'${n}', "${n}"`).join(', ')}) AS VARCHAR)`,
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
  // ignoreNullFields=false: the rejects file shows an empty value as null, as DuckDB's json_object does.
  jsonObject: (names) => `to_json(named_struct(${names.map((n) => `'${n}', \`${n}\``).join(', ')}), map('ignoreNullFields', 'false'))`,
  quote: (identifier) => `\`${identifier.replace(/`/g, '``')}\``,
  literal: quoteText,
};

/** The dialect of that name. */
export function dialectByName(name: DialectName): Dialect {
  return name === 'duckdb' ? duckdb : spark;
}
