/**
 * Column types a dataset may declare, parsed from their config spelling
 * (`string`, `integer`, `bigint`, `decimal(p,s)`, `double`, `boolean`, `date`, `timestamp`).
 */
export type ColumnType =
  | { readonly kind: 'string' }
  | { readonly kind: 'integer' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'double' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' };

const SIMPLE_KINDS = ['string', 'integer', 'bigint', 'double', 'boolean', 'date', 'timestamp'] as const;
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** The spellings accepted in the config file, for error messages. */
export const COLUMN_TYPE_SPELLINGS = [...SIMPLE_KINDS, 'decimal(p,s)'].join(', ');

/**
 * Parses a type spelling; returns an error message instead of throwing so the config schema can
 * attach it to the field's path.
 */
export function parseColumnType(spelling: string): ColumnType | string {
  const text = spelling.trim().toLowerCase();
  if ((SIMPLE_KINDS as readonly string[]).includes(text)) {
    return { kind: text as (typeof SIMPLE_KINDS)[number] } as ColumnType;
  }
  const decimal = DECIMAL.exec(text);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision < 1 || precision > 38) return `decimal precision must be 1–38, got ${precision}`;
    if (scale > precision) return `decimal scale ${scale} exceeds precision ${precision}`;
    return { kind: 'decimal', precision, scale };
  }
  return `unknown type "${spelling}"; expected one of ${COLUMN_TYPE_SPELLINGS}`;
}

/** The config spelling of a type, e.g. `decimal(12,2)`. */
export function formatColumnType(type: ColumnType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}
