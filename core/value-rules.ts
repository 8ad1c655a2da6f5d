/**
 * What a well-formed value of each column type looks like. One set of regular expressions serves
 * the Validate step (JavaScript), the DuckDB dialect (`regexp_full_match`, RE2) and the Spark
 * dialect (`rlike`, Java): the subset used here means the same in all three.
 */
import type { ColumnType } from './config/column-type';
import { ConfigError } from './errors';
import { type CompiledFormat, FormatError, canonicalText, compileFormat } from './value-format';

/** The anchor-free pattern a non-empty value of the type must match in full. */
export function valuePattern(type: ColumnType): string | undefined {
  switch (type.kind) {
    case 'string':
      return undefined;
    case 'integer':
      return '[+-]?[0-9]{1,10}';
    case 'bigint':
      return '[+-]?[0-9]{1,19}';
    case 'decimal': {
      const whole = type.precision - type.scale;
      if (type.scale === 0) return `[+-]?[0-9]{1,${whole}}`;
      // decimal(p,p) holds no whole digit: only a leading zero is allowed.
      const integerPart = whole === 0 ? '0' : `[0-9]{1,${whole}}`;
      return `[+-]?${integerPart}(\\.[0-9]{1,${type.scale}})?`;
    }
    case 'double':
      return '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?';
    case 'boolean':
      return BOOLEAN_TRUE.concat(BOOLEAN_FALSE).join('|');
    case 'date':
      return DATE;
    case 'timestamp':
      // Hours 00–23 (no 24:00:00, which DuckDB reads as the next day and Spark refuses); offsets
      // up to ±18:00, the range both engines read.
      return `${DATE}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-]((0[0-9]|1[0-7]):?[0-5][0-9]|18:?00))?`;
  }
}

/**
 * A control character that no text value holds: C0 controls but tab, line feed and carriage
 * return (those may sit in quoted fields), and DEL. Validate and both engines refuse the row.
 */
export const CONTROL_CHARACTER = '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]';

/**
 * A line break followed by a line holding a whole record of `columnCount` fields (split by the
 * dialect's delimiter): rows that an unterminated quote swallowed into one value. The file is
 * refused (`MalformedCsvError`), never loaded with those rows as text or counted as one bad row.
 */
export function swallowedRecordPattern(columnCount: number, delimiter = ','): string {
  // `|` is the one delimiter a regular expression reads as an operator; a tab is spelled `\t`.
  const separator = delimiter === '|' ? '\\|' : delimiter === '\t' ? '\\t' : delimiter;
  return `[\\r\\n][^\\r\\n]*(${separator}[^\\r\\n]*){${Math.max(1, columnCount - 1)}}`;
}

/** How a reject reason or a Validate issue names a value matching {@link swallowedRecordPattern}. */
export const SWALLOWED_RECORD_REASON = 'holds a line break followed by a whole record (an unterminated quote?)';

/** True for the reject reason of a value holding swallowed records. */
export function isSwallowedRecord(reason: string): boolean {
  return reason.endsWith(SWALLOWED_RECORD_REASON);
}

/** Years 0001–9999 (no year 0000, which the engines would read as 1 BC), month and day digits. */
const DATE = '(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}';

/** Spellings read as `true`. */
export const BOOLEAN_TRUE = ['true', 'TRUE', 'True', '1'];
/** Spellings read as `false`. */
export const BOOLEAN_FALSE = ['false', 'FALSE', 'False', '0'];

const INT32 = { min: -2147483648, max: 2147483647 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** A precompiled well-formedness check of one column type (see {@link wellFormedCheck}). */
export type ValueCheck = (value: string) => boolean;

const checks = new Map<string, ValueCheck>();

/**
 * The check of a non-empty CSV value against the type, compiled once per type: the Validate step
 * runs it on every value, so it builds no pattern and allocates nothing per call.
 */
export function wellFormedCheck(type: ColumnType): ValueCheck {
  if (type.kind === 'string') return noControlCharacter;
  const pattern = valuePattern(type) as string;
  // Keyed by kind too: decimal(10,0) and integer share a pattern, not a range check.
  const key = `${type.kind}:${pattern}`;
  let check = checks.get(key);
  if (check) return check;
  const regex = new RegExp(`^(?:${pattern})$`);
  switch (type.kind) {
    case 'integer':
      check = (value) => {
        if (!regex.test(value)) return false;
        const n = Number(value);
        return n >= INT32.min && n <= INT32.max;
      };
      break;
    case 'bigint':
      check = (value) => {
        if (!regex.test(value)) return false;
        // Up to 18 digits always fit; only 19-digit values need the exact comparison.
        if (value.length < 19) return true;
        const n = BigInt(value);
        return n >= INT64.min && n <= INT64.max;
      };
      break;
    case 'double':
      check = (value) => regex.test(value) && Number.isFinite(Number(value));
      break;
    case 'date':
      check = (value) => regex.test(value) && isCalendarDate(value);
      break;
    case 'timestamp':
      // The pattern bounds the time of day and the UTC offset (±18:00) already.
      check = (value) => regex.test(value) && isCalendarDate(value);
      break;
    default:
      check = (value) => regex.test(value);
  }
  checks.set(key, check);
  return check;
}

const controlCharacter = new RegExp(CONTROL_CHARACTER);
const noControlCharacter: ValueCheck = (value) => !controlCharacter.test(value);

/**
 * Whether a non-empty CSV value is a well-formed value of the type, with the same answer the
 * transform's `TRY_CAST` gives: pattern first, then range and calendar checks.
 */
export function isWellFormed(value: string, type: ColumnType): boolean {
  return wellFormedCheck(type)(value);
}

/** The decimal value of `length` ASCII digits of `text` from `start` (the pattern checked them). */
function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i += 1) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** `YYYY-MM-DD` at the start of the text is a day of the (proleptic Gregorian) calendar, year ≥ 1. */
function isCalendarDate(text: string): boolean {
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return d <= days;
}

// ---------------------------------------------------------------------------------------------
// Value formats: how a column's values are written (trim, missing tokens, separators, boolean
// spellings, date formats, time zone), resolved once per column. Validate runs `valueCheck`, the
// transform plan compiles the same rules to SQL (core/transform/value-sql.ts).

/** The dataset-wide value formats (each a column may override). */
export interface ValueFormatDefaults {
  readonly missingValues?: readonly string[];
  readonly trim?: boolean;
  readonly decimalChar?: '.' | ',';
  readonly groupChar?: ',' | '.' | ' ' | "'";
  readonly timezone?: string;
}

/** The parts of a column declaration the value rules read. */
export interface RulesColumn extends ValueFormatDefaults {
  readonly name: string;
  readonly type: ColumnType;
  readonly format?: string;
  readonly trueValues?: readonly string[];
  readonly falseValues?: readonly string[];
}

/** A column's value rules, resolved: the column's setting, else the dataset's, else the default. */
export interface ColumnRules {
  /** Strip leading and trailing spaces and tabs before anything else. */
  readonly trim: boolean;
  /** Tokens read as missing besides the empty value (which always is), compared after trimming. */
  readonly missingValues: readonly string[];
  readonly decimalChar: '.' | ',';
  readonly groupChar: ',' | '.' | ' ' | "'" | undefined;
  /** Boolean spellings (exact match after trimming). */
  readonly trueValues: readonly string[];
  readonly falseValues: readonly string[];
  /** The compiled `format` of a date or timestamp column; ISO 8601 without one. */
  readonly format: CompiledFormat | undefined;
  /** The zone of timestamps written without an offset: `UTC` or an IANA name. */
  readonly timezone: string;
}

/**
 * The resolved rules of a column of the dataset. Throws {@link ConfigError} for a format that
 * does not compile or a time zone no engine knows.
 */
export function columnRules(dataset: ValueFormatDefaults, column: RulesColumn): ColumnRules {
  const kind = column.type.kind;
  let format: CompiledFormat | undefined;
  if (column.format !== undefined && (kind === 'date' || kind === 'timestamp')) {
    try {
      format = compileFormat(column.format, kind);
    } catch (e: unknown) {
      if (e instanceof FormatError) throw new ConfigError(`column ${column.name}: ${e.message}`);
      throw e;
    }
  }
  const timezone = column.timezone ?? dataset.timezone ?? 'UTC';
  if (timezone !== 'UTC' && !isKnownTimeZone(timezone)) throw new ConfigError(`column ${column.name}: unknown time zone ${JSON.stringify(timezone)}`);
  return {
    trim: column.trim ?? dataset.trim ?? false,
    missingValues: (column.missingValues ?? dataset.missingValues ?? []).filter((token) => token !== ''),
    decimalChar: column.decimalChar ?? dataset.decimalChar ?? '.',
    groupChar: column.groupChar ?? dataset.groupChar,
    trueValues: column.trueValues ?? BOOLEAN_TRUE,
    falseValues: column.falseValues ?? BOOLEAN_FALSE,
    format,
    timezone,
  };
}

const knownZones = new Map<string, boolean>();
/** Whether the time zone database (ICU's, as DuckDB's and Java's) knows the IANA name. */
export function isKnownTimeZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(zone, known);
  }
  return known;
}

/** What a raw CSV value of a column is under its rules. */
export type ValueVerdict = { readonly kind: 'missing' } | { readonly kind: 'ok' } | { readonly kind: 'bad'; readonly reason: string };

const MISSING: ValueVerdict = { kind: 'missing' };
const OK: ValueVerdict = { kind: 'ok' };

/** True for the characters `trim` strips: space and tab. */
const isTrimmed = (code: number): boolean => code === 32 || code === 9;

/** The value without leading and trailing spaces and tabs (the value itself when it has none). */
export function trimValue(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isTrimmed(value.charCodeAt(start))) start += 1;
  while (end > start && isTrimmed(value.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** A regular expression special character, escaped (the separators are single characters). */
const escapeChar = (c: string): string => (c === '.' ? '\\.' : c);

/**
 * The pattern a number written with the column's separators must match in full before they are
 * removed (`groupChar`) and the decimal separator becomes `.`: `undefined` when the column uses
 * neither (the ISO pattern of {@link valuePattern} applies to the text as written).
 */
export function numberShapePattern(type: ColumnType, rules: ColumnRules): string | undefined {
  const group = rules.groupChar === undefined ? undefined : escapeChar(rules.groupChar);
  const whole = group === undefined ? '[0-9]+' : `([0-9]+|[0-9]{1,3}(${group}[0-9]{3})+)`;
  switch (type.kind) {
    case 'integer':
    case 'bigint':
      return group === undefined ? undefined : `[+-]?${whole}`;
    case 'decimal':
    case 'double': {
      if (group === undefined && rules.decimalChar === '.') return undefined;
      const point = escapeChar(rules.decimalChar);
      return `[+-]?(${whole}(${point}[0-9]*)?|${point}[0-9]+)([eE][+-]?[0-9]+)?`;
    }
    default:
      return undefined;
  }
}

/** The canonical text of a number that matched {@link numberShapePattern}: group separators removed, the decimal one `.`. */
export function canonicalNumber(text: string, rules: ColumnRules): string {
  const grouped = rules.groupChar === undefined ? text : text.replaceAll(rules.groupChar, '');
  return rules.decimalChar === '.' ? grouped : grouped.replace(rules.decimalChar, '.');
}

/**
 * The special doubles (ASCII case-insensitive), spelled with character classes: the same in
 * JavaScript, RE2 and Java, unlike `lower()`, which the engines apply differently beyond ASCII.
 */
export const DOUBLE_SPECIALS = {
  nan: '[nN][aA][nN]',
  infinity: '[iI][nN][fF]([iI][nN][iI][tT][yY])?',
  negativeInfinity: '-[iI][nN][fF]([iI][nN][iI][tT][yY])?',
} as const;
const doubleSpecial = new RegExp(`^(?:${DOUBLE_SPECIALS.nan}|-?${DOUBLE_SPECIALS.infinity})$`);

/** How a reason quotes a value: JSON, the first 40 characters. */
export function shownValue(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** The reason of a value that does not match its column's format (Validate and the transform alike). */
export function formatMismatchReason(column: string, shown: string, format: CompiledFormat): string {
  return `${column}: ${shown} does not match the ${format.kind} format ${format.format}`;
}

/**
 * The check of a column's raw CSV values under its rules, compiled once (Validate runs it on
 * every value: it allocates nothing for a well-formed or missing value). `missing` is returned
 * whatever the column's nullability: the caller decides whether a missing value is allowed.
 * A `bad` reason names the column and the value (and the expected format when there is one).
 */
export function valueCheck(column: RulesColumn, rules: ColumnRules): (raw: string) => ValueVerdict {
  const tokens = rules.missingValues.length > 0 ? new Set(rules.missingValues) : undefined;
  const { trim } = rules;
  const type = column.type;
  const bad = (text: string): ValueVerdict => ({
    kind: 'bad',
    reason:
      type.kind === 'string'
        ? `${column.name} ${shownValue(text)} holds a control character`
        : `${column.name} ${shownValue(text)} is not a valid ${type.kind}`,
  });
  const accept = typedCheck(column, rules);
  return (raw) => {
    const text = trim ? trimValue(raw) : raw;
    if (text === '' || (tokens !== undefined && tokens.has(text))) return MISSING;
    const verdict = accept(text);
    return verdict === true ? OK : verdict === false ? bad(text) : { kind: 'bad', reason: verdict };
  };
}

/** True when the (trimmed, not missing) text is a value of the column; a reason string for a format mismatch. */
function typedCheck(column: RulesColumn, rules: ColumnRules): (text: string) => boolean | string {
  const type = column.type;
  if (type.kind === 'boolean') {
    const spellings = new Set([...rules.trueValues, ...rules.falseValues]);
    return (text) => spellings.has(text);
  }
  const iso = wellFormedCheck(type);
  if (type.kind === 'date' || type.kind === 'timestamp') {
    const format = rules.format;
    if (format === undefined) return iso;
    const regex = new RegExp(`^(?:${format.pattern})$`);
    return (text) => {
      const match = regex.exec(text);
      if (match === null) return formatMismatchReason(column.name, shownValue(text), format);
      return iso(canonicalText(format, match));
    };
  }
  const shape = numberShapePattern(type, rules);
  const number =
    shape === undefined
      ? iso
      : (
          (regex: RegExp) =>
          (text: string): boolean =>
            regex.test(text) && iso(canonicalNumber(text, rules))
        )(new RegExp(`^(?:${shape})$`));
  if (type.kind === 'double') return (text) => number(text) || doubleSpecial.test(text);
  return number;
}
