/**
 * Output names from the names a file writes: a header (`Unit Price (EUR)`) or a file name
 * (`Orders 2024.csv.gz`) becomes the lower snake_case identifier the config and the catalog use
 * (`unit_price_eur`, `orders_2024`), as dlt normalises source names. `etl infer` names columns and
 * datasets with it; the header text itself stays the column's `source`.
 */
import { PARTITION_COLUMN } from './dataset-config';

/** Letters NFKD does not decompose into a base letter and a mark. */
const FOLDED: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};

/** Symbols that carry meaning in a header, spelled out (`Margin %` → `margin_pct`). */
const SYMBOLS: Readonly<Record<string, string>> = { '%': ' pct ', '#': ' num ', '&': ' and ', '€': ' eur ', '£': ' gbp ' };

/** What a name that starts with a digit is given in front (`2024 Total` → `col_2024_total`). */
export const LEADING_DIGIT_PREFIX = 'col_';

/** What a reserved column name is renamed to: `dt` (the partition column of every output) → `dt_value`. */
export const RESERVED_COLUMN_RENAMES: Readonly<Record<string, string>> = { [PARTITION_COLUMN]: `${PARTITION_COLUMN}_value` };

/**
 * A text in lower snake_case: accents folded (`é` → `e`), words split at spaces, punctuation and
 * camelCase humps (`orderID` → `order_id`), runs of other characters one `_`, a leading digit
 * prefixed ({@link LEADING_DIGIT_PREFIX}); `fallback` when nothing is left.
 * @example snakeCase('Unit Price (EUR)') // 'unit_price_eur'
 */
export function snakeCase(text: string, fallback: string): string {
  const folded = [...text.normalize('NFKD')]
    .map((c) => FOLDED[c] ?? SYMBOLS[c] ?? c)
    .join('')
    // Combining marks left by NFKD (the accent of é).
    .replace(/\p{M}/gu, '');
  const words = folded
    // camelCase and acronyms: orderId → order Id, HTTPStatus → HTTP Status, customerID → customer ID.
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return fallback;
  const name = words.join('_');
  return /^[0-9]/.test(name) ? `${LEADING_DIGIT_PREFIX}${name}` : name;
}

/**
 * The column names of a header, in order: each {@link snakeCase}d (an empty header cell is
 * `column_<position>`), a reserved name renamed ({@link RESERVED_COLUMN_RENAMES}), and a name
 * already taken suffixed `_2`, `_3`, … (`Total`, `total` → `total`, `total_2`).
 */
export function columnNames(headers: readonly string[]): string[] {
  const taken = new Set<string>();
  return headers.map((header, index) => {
    const base0 = snakeCase(header, `column_${index + 1}`);
    const base = RESERVED_COLUMN_RENAMES[base0] ?? base0;
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
    taken.add(name);
    return name;
  });
}

/** The file name without its folder and extensions: `exports/Orders 2024.csv.gz` → `Orders 2024`. */
export function fileStem(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const { stem } = splitExtensions(base);
  return stem;
}

/** Known data and compression extensions, read off the end of a file name. */
const EXTENSIONS = /(\.(csv|tsv|txt|tab|psv|dat))?(\.(gz|gzip))?$/i;

/** A file name's stem and its extensions (`orders.csv.gz` → `orders`, `csv.gz`); a name without any → its last `.x`. */
export function splitExtensions(base: string): { readonly stem: string; readonly extensions: string } {
  const known = EXTENSIONS.exec(base)?.[0] ?? '';
  if (known !== '' && known.length < base.length) return { stem: base.slice(0, -known.length), extensions: known.slice(1) };
  const dot = base.lastIndexOf('.');
  return dot > 0 ? { stem: base.slice(0, dot), extensions: base.slice(dot + 1) } : { stem: base, extensions: '' };
}

/**
 * A dataset name from a file name: its stem in snake_case (`Orders 2024.csv.gz` → `orders_2024`),
 * `dataset` when nothing is left, and never `latest` or a name ending in `_latest` (reserved for
 * the state tables: `_data` is appended).
 */
export function datasetNameFromFile(fileName: string): string {
  const name = snakeCase(fileStem(fileName), 'dataset').replace(new RegExp(`^${LEADING_DIGIT_PREFIX}`), 'data_');
  return name === 'latest' || name.endsWith('_latest') ? `${name}_data` : name;
}
