/**
 * What a well-formed value of each column type looks like. One set of regular expressions serves
 * the Validate step (JavaScript), the DuckDB dialect (`regexp_full_match`, RE2) and the Spark
 * dialect (`rlike`, Java): the subset used here means the same in all three.
 */
import type { ColumnType } from './config/column-type';

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
 * A line break followed by a line holding a whole record of `columnCount` fields: rows that an
 * unterminated quote swallowed into one value. The file is refused (`MalformedCsvError`), never
 * loaded with those rows as text or counted as one bad row.
 */
export function swallowedRecordPattern(columnCount: number): string {
  return `[\\r\\n][^\\r\\n]*(,[^\\r\\n]*){${Math.max(1, columnCount - 1)}}`;
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
