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
      return `${DATE}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-8]):?[0-5][0-9])?`;
  }
}

/** Years 0001–9999 (no year 0000, which the engines would read as 1 BC), month and day digits. */
const DATE = '(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}';

/** Spellings read as `true`. */
export const BOOLEAN_TRUE = ['true', 'TRUE', 'True', '1'];
/** Spellings read as `false`. */
export const BOOLEAN_FALSE = ['false', 'FALSE', 'False', '0'];

const INT32 = { min: -2147483648, max: 2147483647 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const compiled = new Map<string, RegExp>();

/**
 * Whether a non-empty CSV value is a well-formed value of the type, with the same answer the
 * transform's `TRY_CAST` gives: pattern first, then range and calendar checks.
 */
export function isWellFormed(value: string, type: ColumnType): boolean {
  const pattern = valuePattern(type);
  if (pattern === undefined) return true;
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, regex);
  }
  if (!regex.test(value)) return false;
  switch (type.kind) {
    case 'integer': {
      const n = Number(value);
      return n >= INT32.min && n <= INT32.max;
    }
    case 'bigint': {
      const n = BigInt(value);
      return n >= INT64.min && n <= INT64.max;
    }
    case 'double':
      return Number.isFinite(Number(value));
    case 'date':
      return isCalendarDate(value.slice(0, 10));
    case 'timestamp':
      return isCalendarDate(value.slice(0, 10)) && isClockTime(value.slice(11, 19)) && isOffset(value.slice(19));
    default:
      return true;
  }
}

function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.split('-').map(Number);
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter maps years 0–99 to 1900–1999.
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 1;
}

function isClockTime(text: string): boolean {
  const [h, m, s] = text.split(':').map(Number);
  return h < 24 && m < 60 && s < 60;
}

function isOffset(rest: string): boolean {
  const offset = /([+-])([0-9]{2}):?([0-9]{2})$/.exec(rest);
  return !offset || (Number(offset[2]) <= 18 && Number(offset[3]) < 60);
}
