/**
 * A column's value rules (core/value-rules.ts) as SQL of a dialect: the same steps Validate's
 * `valueCheck` takes — trim, missing tokens, separators, special doubles, boolean spellings, the
 * compiled date format, the time zone — then the ISO patterns and `TRY_CAST` of the canonical text.
 * A dataset that declares none of the value formats gets the SQL it always had.
 */
import type { ColumnType } from '../config/column-type';
import { type ColumnRules, DOUBLE_SPECIALS, type RulesColumn, numberShapePattern, valuePattern } from '../value-rules';
import { canonicalSql } from '../value-format';
import type { Dialect } from './dialect';

/** The SQL of one column's value. */
export interface ColumnValueSql {
  /** Boolean: the value is missing (NULL, empty, or a missing token after trimming). */
  readonly missing: string;
  /** The typed value: NULL when missing or not well formed. */
  readonly typed: string;
  /** For a column with a `format`: the value (not missing) does not match it, and the reason (text) saying so. */
  readonly formatMismatch?: { readonly when: string; readonly reason: string };
}

/** The SQL of a column's value, `raw` being its text as read. */
export function columnValueSql(d: Dialect, raw: string, column: RulesColumn, rules: ColumnRules): ColumnValueSql {
  const text = rules.trim ? d.trimSpaces(raw) : raw;
  const tokens = rules.missingValues.map((t) => d.literal(t));
  const missing = `(${text} IS NULL OR ${text} = ''${tokens.length > 0 ? ` OR ${text} IN (${tokens.join(', ')})` : ''})`;
  const converted = typedValue(d, text, column.type, rules);
  // Without tokens, a missing value converts to NULL anyway (it matches no pattern or spelling).
  const typed = tokens.length > 0 ? `CASE WHEN ${missing} THEN NULL ELSE ${converted} END` : converted;
  const format = rules.format;
  if (format === undefined) return { missing, typed };
  return {
    missing,
    typed,
    formatMismatch: {
      when: `NOT ${d.fullMatch(text, format.pattern)}`,
      reason: d.concat([d.literal(`${column.name}: "`), text, d.literal(`" does not match the ${format.kind} format ${format.format}`)]),
    },
  };
}

function typedValue(d: Dialect, text: string, type: ColumnType, rules: ColumnRules): string {
  // A line break inside a quoted value is stored as LF: Spark's reader turns a CRLF there into LF
  // when the file's lines end in CRLF (an Excel export), DuckDB's keeps it; stored alike, both agree.
  // (`chr` and `||` mean the same in both dialects.)
  // The replace only where a CR is (a cheap test first: allocating every value anew costs more than the rest of the typing).
  if (type.kind === 'string') return `CASE WHEN instr(${text}, chr(13)) > 0 THEN replace(${text}, chr(13) || chr(10), chr(10)) ELSE ${text} END`;
  if (type.kind === 'boolean') {
    const list = (values: readonly string[]): string => values.map((v) => d.literal(v)).join(', ');
    return `CASE WHEN ${text} IN (${list(rules.trueValues)}) THEN TRUE WHEN ${text} IN (${list(rules.falseValues)}) THEN FALSE END`;
  }
  const canonical = canonicalValue(d, text, type, rules);
  const pattern = valuePattern(type) as string;
  if (type.kind === 'timestamp' && rules.timezone !== 'UTC') {
    const offset = rules.format === undefined ? 'maybe' : rules.format.hasOffset ? 'always' : 'never';
    return `CASE WHEN ${d.fullMatch(canonical, pattern)} THEN ${d.zonedInstant(canonical, rules.timezone, offset)} END`;
  }
  const instant = type.kind === 'timestamp' ? d.instantText(canonical) : canonical;
  const cast = `TRY_CAST(CASE WHEN ${d.fullMatch(canonical, pattern)} THEN ${instant} END AS ${d.sqlType(type)})`;
  if (type.kind !== 'double') return cast;
  // Both engines cast `1e400` to Infinity; Validate (value-rules.ts) calls it not a double. The
  // spellings NaN, inf, Infinity (any ASCII case) are the special values.
  const special = (pattern: string, value: string): string => `WHEN ${d.fullMatch(text, pattern)} THEN CAST('${value}' AS DOUBLE)`;
  return (
    `CASE ${special(DOUBLE_SPECIALS.nan, 'NaN')} ${special(DOUBLE_SPECIALS.infinity, 'Infinity')} ${special(DOUBLE_SPECIALS.negativeInfinity, '-Infinity')} ` +
    `WHEN abs(${cast}) = CAST('Infinity' AS DOUBLE) THEN NULL ELSE ${cast} END`
  );
}

/** The canonical text the ISO pattern and cast read: separators removed, a format's groups assembled. */
function canonicalValue(d: Dialect, text: string, type: ColumnType, rules: ColumnRules): string {
  if ((type.kind === 'date' || type.kind === 'timestamp') && rules.format !== undefined) {
    const format = rules.format;
    const assembled = canonicalSql(format, {
      extract: (group) => d.extract(text, format.pattern, group),
      concat: (parts) => d.concat(parts),
      literal: (t) => d.literal(t),
      lpad: (expr, width) => d.zeroPad(expr, width),
    });
    return `CASE WHEN ${d.fullMatch(text, format.pattern)} THEN ${assembled} END`;
  }
  const shape = numberShapePattern(type, rules);
  if (shape === undefined) return text;
  let canonical = rules.groupChar === undefined ? text : `replace(${text}, ${d.literal(rules.groupChar)}, '')`;
  if (rules.decimalChar !== '.') canonical = `replace(${canonical}, ${d.literal(rules.decimalChar)}, '.')`;
  return `CASE WHEN ${d.fullMatch(text, shape)} THEN ${canonical} END`;
}
