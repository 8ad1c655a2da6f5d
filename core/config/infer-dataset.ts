/**
 * `etl infer`'s logic: from a file's decoded text (and the dialect DuckDB's sniffer saw, when it
 * ran), the dataset that loads the file with no malformed row. Each column's type and value
 * format are chosen by trying candidates in order — integer, bigint, decimal(p,s), double,
 * boolean, date, timestamp (each date and time pattern in turn), string — and keeping the first
 * under which every value is well-formed by `core/value-rules.ts`'s own rules
 * ({@link columnRules} / {@link valueCheck}), the one definition Validate and the engines apply.
 */
import { parse } from 'csv-parse/sync';

import { columnRules, valueCheck } from '../value-rules';
import { type ColumnType, formatColumnType } from './column-type';
import { columnNames, datasetNameFromFile, splitExtensions } from './column-names';
import { type ColumnConfig, DEFAULT_DIALECT, type DatasetConfig, type DialectConfig, parseConfig } from './dataset-config';
import type { DecodedInput } from './infer-input';

/** The delimiters a dataset may declare, in the order infer tries them when it detects one itself. */
export const DELIMITERS: readonly DialectConfig['delimiter'][] = [',', ';', '\t', '|'];

/** What DuckDB's sniffer (or another detector) saw of the dialect; a field it did not see is detected here. */
export interface SniffedDialect {
  readonly delimiter?: string;
  readonly quoteChar?: string;
  readonly escapeChar?: string;
  readonly header?: boolean;
  readonly skipRows?: number;
}

/** The dialect fields infer decides (encoding aside). */
type InferredDialect = Pick<DialectConfig, 'delimiter' | 'quoteChar' | 'doubleQuote' | 'escapeChar' | 'header' | 'skipRows'>;

/** Tokens a file may write for a missing value; declared (`missingValues`) when a typed column holds them. */
export const MISSING_TOKENS: readonly string[] = ['NULL', 'null', 'Null', 'N/A', 'n/a', 'NA', '#N/A', '-', '--', 'None', 'nil'];

/** Date patterns tried, after ISO 8601 (no `format`), in this order (`%m/%d/%Y` before `%d/%m/%Y`: a day ≤ 12 reads as US). */
export const DATE_FORMATS: readonly string[] = ['%Y-%m-%d', '%d.%m.%Y', '%m/%d/%Y', '%d/%m/%Y', '%Y/%m/%d', '%d-%m-%Y', '%Y.%m.%d'];

/** Time-of-day patterns tried after each date pattern, with ` ` or `T` between, then each zone suffix. */
const TIME_FORMATS: readonly string[] = ['%H:%M:%S', '%H:%M:%S.%f', '%H:%M'];
const ZONE_SUFFIXES: readonly string[] = ['', '%z', ' %z'];

/** Timestamp patterns tried, after ISO 8601 (no `format`), in this order. */
export const TIMESTAMP_FORMATS: readonly string[] = DATE_FORMATS.flatMap((date) =>
  [' ', 'T'].flatMap((sep) => TIME_FORMATS.flatMap((time) => ZONE_SUFFIXES.map((zone) => `${date}${sep}${time}${zone}`))),
);

/** Spellings of true and false infer recognises (ASCII case-insensitive), paired for the counterpart of a one-sided column. */
const BOOLEAN_PAIRS: readonly (readonly [string, string])[] = [
  ['true', 'false'],
  ['t', 'f'],
  ['yes', 'no'],
  ['y', 'n'],
  ['on', 'off'],
  ['1', '0'],
  ['ja', 'nein'],
  ['oui', 'non'],
];

/** Frictionless's default spellings (the config's defaults): a column using only these declares none. */
const DEFAULT_TRUE = ['true', 'True', 'TRUE', '1'];
const DEFAULT_FALSE = ['false', 'False', 'FALSE', '0'];

/** A number style: the decimal separator and the grouping separator (none when absent). */
interface NumberStyle {
  readonly decimalChar: '.' | ',';
  readonly groupChar?: ',' | '.' | ' ' | "'";
}

/** Number styles tried for a number column after the dataset's own. */
const NUMBER_STYLES: readonly NumberStyle[] = [
  { decimalChar: '.' },
  { decimalChar: ',' },
  { decimalChar: ',', groupChar: '.' },
  { decimalChar: '.', groupChar: ',' },
  { decimalChar: ',', groupChar: ' ' },
  { decimalChar: '.', groupChar: ' ' },
  { decimalChar: '.', groupChar: "'" },
];

/** What infer needs of the file. */
export interface InferInput {
  /** The file's name (its stem names the dataset and the `match` glob). */
  readonly fileName: string;
  readonly decoded: DecodedInput;
  /** The dataset's name; by default the file's stem in snake_case. */
  readonly datasetName?: string;
  readonly sniffed?: SniffedDialect;
}

/** What infer found: the config document (JSON, defaults omitted) and a summary of the file. */
export interface InferResult {
  readonly document: { readonly datasets: readonly Record<string, unknown>[] };
  readonly dataset: DatasetConfig;
  readonly rows: number;
  /** Notes for the user (a column not declared, a value no type fits…). */
  readonly notes: readonly string[];
}

/**
 * The dataset that loads the file with no malformed row, as a config document holding it alone.
 * The document is validated with {@link parseConfig} (a ConfigError here is a bug of infer).
 */
export function inferDataset(input: InferInput): InferResult {
  const { decoded } = input;
  const notes: string[] = [];
  const dialect = inferDialect(decoded.text, input.sniffed);
  const records = readRecords(decoded.text, dialect);
  const width = Math.max(0, ...records.map((r) => r.length));
  if (records.length === 0 || width === 0) throw new InferError(`${input.fileName}: no records to infer a dataset from`);
  const headerCells = dialect.header ? records[0].map((cell) => cell.trim()) : [];
  const body = dialect.header ? records.slice(1) : records;
  const names = columnNames(dialect.header ? headerCells : Array.from({ length: width }, () => ''));

  const base = baseDataset();
  const style = datasetNumberStyle(body.flat());
  const datasetLevel: DatasetFormats = style.decimalChar === '.' && style.groupChar === undefined ? {} : { ...style };

  // Each column: its values and the first candidate every value fits.
  const declared: { index: number; column: ColumnConfig; tokens: string[] }[] = [];
  let ignored = false;
  for (let index = 0; index < (dialect.header ? headerCells.length : width); index += 1) {
    const values = body.map((record) => record[index] ?? '');
    if (dialect.header && headerCells[index] === '') {
      // A header cell with no name cannot be a column's source: the column is not read.
      ignored = true;
      if (values.some((v) => v.trim() !== '')) notes.push(`column ${index + 1} has no header name but holds values: it is not read (extraColumns "ignore")`);
      continue;
    }
    const source = dialect.header && headerCells[index] !== names[index] ? headerCells[index] : undefined;
    const inferred = inferColumn(base, datasetLevel, names[index], values);
    declared.push({ index, column: { ...inferred.column, ...(source === undefined ? {} : { source }) }, tokens: inferred.tokens });
  }
  if (declared.length === 0) throw new InferError(`${input.fileName}: the header names no column`);

  // Missing-value tokens a typed column needs are declared once, for the dataset.
  const tokens = MISSING_TOKENS.filter((t) => declared.some((d) => d.tokens.includes(t)));
  const formats: DatasetFormats = { ...datasetLevel, ...(tokens.length > 0 ? { missingValues: tokens } : {}) };

  // The whole dataset under its final rules: a column a value does not fit becomes a string,
  // nullable where a value is missing.
  let dataset: DatasetConfig = { ...base, ...formats, columns: declared.map((d) => d.column) };
  const columns = declared.map(({ index, column }) => {
    const values = body.map((record) => record[index] ?? '');
    let verdicts = verdictsOf(dataset, column, values);
    let final = column;
    if (verdicts.bad !== undefined) {
      notes.push(`${column.name}: ${verdicts.bad}; declared as a string`);
      final = stripFormats({ ...column, type: { kind: 'string' } });
      verdicts = verdictsOf(dataset, final, values);
      if (verdicts.bad !== undefined) notes.push(`${column.name}: ${verdicts.bad} (no type reads it: those rows will be malformed)`);
    }
    return { ...final, nullable: verdicts.missing > 0 };
  });
  dataset = { ...dataset, columns };

  const name = input.datasetName ?? datasetNameFromFile(input.fileName);
  const datasetDocument: Record<string, unknown> = {
    name,
    match: matchGlob(input.fileName),
    ...dialectDocument({ ...dialect, encoding: decoded.encoding }),
    ...(ignored ? { extraColumns: 'ignore' } : {}),
    ...formats,
    columns: columns.map(columnDocument),
  };
  const document = { datasets: [datasetDocument] };
  const parsed = parseConfig(document, `the dataset inferred from ${input.fileName}`);
  return { document, dataset: parsed.datasets[0], rows: body.length, notes };
}

/** A file infer cannot make a dataset of (no records, no named column). */
export class InferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferError';
  }
}

/** The dataset-level value formats infer may declare. */
type DatasetFormats = Partial<Pick<DatasetConfig, 'decimalChar' | 'groupChar' | 'missingValues'>>;

/**
 * The `match` glob of a file name: `extract/**\/<stem>*.<extensions>` (`orders.csv.gz` →
 * `extract/**\/orders*.csv.gz`), glob characters of the stem each matched by `?`.
 */
export function matchGlob(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const { stem, extensions } = splitExtensions(base);
  const safe = stem.replace(/[*?[\]{}()!+@\\|^$]/g, '?');
  return `extract/**/${safe}*${extensions === '' ? '' : `.${extensions}`}`;
}

/** The dialect: DuckDB's sniffer's answer where it is one a dataset may declare, else detected here. */
export function inferDialect(text: string, sniffed: SniffedDialect = {}): InferredDialect {
  const sniffedDelimiter = (DELIMITERS as readonly string[]).includes(sniffed.delimiter ?? '') ? (sniffed.delimiter as DialectConfig['delimiter']) : undefined;
  const sniffedSkip = sniffed.skipRows !== undefined && sniffed.skipRows >= 0 && sniffed.skipRows <= 100 ? sniffed.skipRows : undefined;
  const detected = sniffedDelimiter === undefined || sniffedSkip === undefined ? detectLayout(text, sniffedDelimiter) : undefined;
  const delimiter = sniffedDelimiter ?? detected?.delimiter ?? ',';
  const skipRows = sniffedSkip ?? detected?.skipRows ?? 0;
  const quoteChar: DialectConfig['quoteChar'] = sniffed.quoteChar === "'" ? "'" : '"';
  const escaped = sniffed.escapeChar === '\\';
  const dialect: InferredDialect = {
    delimiter,
    quoteChar,
    doubleQuote: !escaped,
    ...(escaped ? { escapeChar: '\\' as const } : {}),
    header: true,
    skipRows,
  };
  return { ...dialect, header: sniffed.header ?? detectHeader(readRecords(text, dialect)) };
}

/** The records of the text under the dialect (lines above the header skipped); blank lines dropped. */
export function readRecords(text: string, dialect: InferredDialect, toLine?: number): string[][] {
  return parse(skipLines(text, dialect.skipRows), {
    ...(toLine === undefined ? {} : { to_line: toLine }),
    delimiter: dialect.delimiter,
    quote: dialect.quoteChar,
    escape: dialect.escapeChar ?? dialect.quoteChar,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    bom: true,
  }) as string[][];
}

/** The text without its first `n` lines (ending in LF, a CRLF counted once: as the readers skip them). */
function skipLines(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i += 1) {
    const lf = text.indexOf('\n', at);
    if (lf < 0) return '';
    at = lf + 1;
  }
  return text.slice(at);
}

/**
 * The delimiter (the given one, or each in turn) and the lines above the header (0–9) under which
 * the most leading records have the first one's number (> 1) of fields: the fewest lines skipped,
 * the earliest delimiter, on a tie.
 */
function detectLayout(text: string, delimiter: DialectConfig['delimiter'] | undefined): { delimiter: DialectConfig['delimiter']; skipRows: number } {
  let best = { delimiter: delimiter ?? ',', skipRows: 0, score: 0 };
  const lines = text.split('\n', 11).length;
  for (const candidate of delimiter === undefined ? DELIMITERS : [delimiter]) {
    for (let skipRows = 0; skipRows < Math.min(10, lines); skipRows += 1) {
      const score = consistency(text, { ...DEFAULT_DIALECT, delimiter: candidate, skipRows });
      if (score > best.score) best = { delimiter: candidate, skipRows, score };
    }
  }
  return best;
}

/** How many of the first records have the first record's field count, times it, when it is above 1. */
function consistency(text: string, dialect: InferredDialect): number {
  let records: string[][];
  try {
    records = readRecords(text, dialect, 200);
  } catch {
    return 0;
  }
  if (records.length === 0 || records[0].length < 2) return 0;
  const width = records[0].length;
  return records.filter((r) => r.length === width).length * width;
}

/**
 * Whether the first record is a header: it is, unless one of its cells has a type (a number, a
 * date, a boolean) its column's other values share, or a cell is empty or repeated.
 */
function detectHeader(records: string[][]): boolean {
  if (records.length < 2) return true;
  const [first, ...rest] = records;
  if (first.some((c) => c.trim() === '') || new Set(first).size !== first.length) return false;
  const base = baseDataset();
  return !first.some((cell, index) => {
    const values = rest.map((r) => r[index] ?? '').filter((v) => v.trim() !== '');
    if (values.length === 0) return false;
    const { column } = inferColumn(base, {}, 'c', values);
    return column.type.kind !== 'string' && verdictsOf(base, column, [cell]).bad === undefined;
  });
}

/** A dataset with every default, whose value formats and columns infer's candidates replace. */
function baseDataset(): DatasetConfig {
  return parseConfig({ datasets: [{ name: 'inferred', match: 'extract/inferred', columns: [{ name: 'inferred', type: 'string' }] }] }).datasets[0];
}

/**
 * The dataset's number style, from the values that say it unambiguously: a value holding both
 * `.` and `,` (the last one is the decimal separator), or one separator not followed by exactly
 * three digits (a decimal separator). The grouping separator is the other one when a value shows it.
 */
export function datasetNumberStyle(values: readonly string[]): NumberStyle {
  let comma = 0;
  let point = 0;
  let groupPoint = 0;
  let groupComma = 0;
  for (const raw of values) {
    const v = raw.trim();
    if (!/^[+-]?[0-9][0-9.,]*$/.test(v) || !/[.,]/.test(v)) continue;
    const lastComma = v.lastIndexOf(',');
    const lastPoint = v.lastIndexOf('.');
    if (lastComma >= 0 && lastPoint >= 0) {
      if (lastComma > lastPoint) {
        comma += 1;
        groupPoint += 1;
      } else {
        point += 1;
        groupComma += 1;
      }
    } else if (lastComma >= 0 && v.indexOf(',') === lastComma && v.length - lastComma - 1 !== 3) comma += 1;
    else if (lastPoint >= 0 && v.indexOf('.') === lastPoint && v.length - lastPoint - 1 !== 3) point += 1;
  }
  if (comma > point) return groupPoint > 0 ? { decimalChar: ',', groupChar: '.' } : { decimalChar: ',' };
  return groupComma > 0 ? { decimalChar: '.', groupChar: ',' } : { decimalChar: '.' };
}

/** One candidate: a column declaration (type and value format). */
type Candidate = Omit<ColumnConfig, 'name' | 'required' | 'nullable'>;

/**
 * The first candidate under which every value of the column is well-formed or missing, and the
 * missing-value tokens it needed. Values with surrounding spaces are tried untrimmed first.
 */
export function inferColumn(base: DatasetConfig, formats: DatasetFormats, name: string, values: readonly string[]): { column: ColumnConfig; tokens: string[] } {
  const present = values.filter((v) => v !== '');
  const padded = present.some((v) => v !== v.replace(/^[ \t]+|[ \t]+$/g, ''));
  const stringColumn: ColumnConfig = { name, type: { kind: 'string' }, required: true, nullable: true };
  for (const trim of padded ? [false, true] : [false]) {
    const texts = trim ? present.map((v) => v.replace(/^[ \t]+|[ \t]+$/g, '')) : present;
    const tokens = MISSING_TOKENS.filter((t) => texts.includes(t));
    const data = texts.filter((v) => v !== '' && !tokens.includes(v));
    if (data.length === 0) continue;
    const dataset: DatasetConfig = { ...base, ...formats, ...(tokens.length > 0 ? { missingValues: tokens } : {}) };
    for (const candidate of candidates(formats, data)) {
      const column: ColumnConfig = { ...candidate, ...(trim ? { trim: true } : {}), name, required: true, nullable: true };
      if (column.type.kind === 'string') break;
      if (verdictsOf(dataset, column, present).bad === undefined) return { column, tokens };
    }
  }
  return { column: stringColumn, tokens: [] };
}

/** The candidates for a column's values, in the order they are tried (the distinct values guide a few). */
function* candidates(formats: DatasetFormats, data: readonly string[]): Generator<Candidate> {
  const styles = [{ decimalChar: formats.decimalChar ?? '.', ...(formats.groupChar === undefined ? {} : { groupChar: formats.groupChar }) }, ...NUMBER_STYLES];
  // A column's style over the dataset's: its own decimalChar and groupChar where they differ. A
  // column cannot declare "no grouping" over a dataset's groupChar, which then stays (it only
  // allows more), unless it is the column's decimal separator.
  const override = (style: NumberStyle): { extra: Partial<Candidate>; effective: NumberStyle } | undefined => {
    const groupChar = style.groupChar ?? formats.groupChar;
    if (groupChar === style.decimalChar) return undefined;
    return {
      extra: {
        ...(style.decimalChar !== (formats.decimalChar ?? '.') ? { decimalChar: style.decimalChar } : {}),
        ...(style.groupChar !== undefined && style.groupChar !== formats.groupChar ? { groupChar: style.groupChar } : {}),
      },
      effective: { decimalChar: style.decimalChar, ...(groupChar === undefined ? {} : { groupChar }) },
    };
  };
  const styled = styles.map(override).filter((s) => s !== undefined);
  const numeric = data.every((v) => /^[+-]?[0-9]/.test(v) || /^[+-]?[.,][0-9]/.test(v));
  if (numeric) {
    for (const kind of ['integer', 'bigint'] as const) for (const { extra } of styled) yield { type: { kind }, ...extra };
    for (const { extra, effective } of styled) {
      const type = decimalType(data, effective);
      if (type !== undefined) yield { type, ...extra };
    }
  }
  if (numeric || data.every((v) => /^[+-]?(nan|inf|infinity)$/i.test(v) || /^[+-]?[0-9.,]/.test(v))) {
    for (const { extra } of styled) yield { type: { kind: 'double' }, ...extra };
  }
  const booleans = booleanSpellings(data);
  if (booleans !== undefined) yield { type: { kind: 'boolean' }, ...booleans };
  if (data.every((v) => /^[0-9]/.test(v))) {
    yield { type: { kind: 'date' } };
    for (const format of DATE_FORMATS) yield { type: { kind: 'date' }, format };
    yield { type: { kind: 'timestamp' } };
    for (const format of TIMESTAMP_FORMATS) yield { type: { kind: 'timestamp' }, format };
  }
  yield { type: { kind: 'string' } };
}

/**
 * The decimal type holding every value written in the style: the greatest scale seen, and room
 * for at least 18 digits (more when a value has more whole digits); none above 38 digits.
 */
export function decimalType(data: readonly string[], style: NumberStyle): ColumnType | undefined {
  let whole = 1;
  let scale = 0;
  for (const v of data) {
    let text = v.replace(/^[+-]/, '');
    if (style.groupChar !== undefined) text = text.split(style.groupChar).join('');
    const [integer, fraction = ''] = text.split(style.decimalChar);
    whole = Math.max(whole, integer.replace(/^0+(?=.)/, '').length);
    scale = Math.max(scale, fraction.length);
  }
  if (scale === 0) return undefined; // integers are integer or bigint; beyond those, double.
  const precision = Math.max(18, whole + scale);
  return precision > 38 ? undefined : { kind: 'decimal', precision, scale };
}

/**
 * The true and false spellings of a column whose every value is one of {@link BOOLEAN_PAIRS}'s
 * (at most one spelling pair per column, ASCII case kept), none to declare when the config's
 * defaults cover them; `undefined` when the values are not booleans.
 */
export function booleanSpellings(data: readonly string[]): Pick<Candidate, 'trueValues' | 'falseValues'> | undefined {
  const distinct = [...new Set(data)];
  if (distinct.length === 0 || distinct.length > 6) return undefined;
  const trueValues: string[] = [];
  const falseValues: string[] = [];
  for (const value of distinct) {
    const lower = value.toLowerCase();
    const pair = BOOLEAN_PAIRS.find(([t, f]) => t === lower || f === lower);
    if (!pair) return undefined;
    (pair[0] === lower ? trueValues : falseValues).push(value);
  }
  if (trueValues.every((v) => DEFAULT_TRUE.includes(v)) && falseValues.every((v) => DEFAULT_FALSE.includes(v))) return {};
  const counterpart = (spelling: string, side: 0 | 1): string => {
    const pair = BOOLEAN_PAIRS.find((p) => p[1 - side] === spelling.toLowerCase()) as readonly [string, string];
    const other = pair[side];
    if (spelling === spelling.toUpperCase()) return other.toUpperCase();
    if (spelling[0] === spelling[0].toUpperCase()) return other[0].toUpperCase() + other.slice(1);
    return other;
  };
  return {
    trueValues: trueValues.length > 0 ? trueValues : falseValues.map((f) => counterpart(f, 0)),
    falseValues: falseValues.length > 0 ? falseValues : trueValues.map((t) => counterpart(t, 1)),
  };
}

/** How many values are missing under the rules, and why the first bad one is bad. */
function verdictsOf(dataset: DatasetConfig, column: ColumnConfig, values: readonly string[]): { missing: number; bad?: string } {
  const check = valueCheck(column, columnRules(dataset, column));
  let missing = 0;
  for (const value of values) {
    const verdict = check(value);
    if (verdict.kind === 'missing') missing += 1;
    else if (verdict.kind === 'bad') return { missing, bad: verdict.reason };
  }
  return { missing };
}

/** A column without the value-format fields of other types. */
function stripFormats(column: ColumnConfig): ColumnConfig {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { format, trueValues, falseValues, decimalChar, groupChar, ...rest } = column;
  return rest;
}

/** The dialect fields that differ from the defaults, as `{ dialect }`, or nothing. */
function dialectDocument(dialect: DialectConfig | (InferredDialect & Pick<DialectConfig, 'encoding'>)): { dialect?: Record<string, unknown> } {
  const fields = Object.fromEntries(
    Object.entries(dialect).filter(([key, value]) => value !== undefined && value !== (DEFAULT_DIALECT as Record<string, unknown>)[key]),
  );
  return Object.keys(fields).length === 0 ? {} : { dialect: fields };
}

/** A column as the document writes it: its type spelled, defaults omitted. */
function columnDocument(column: ColumnConfig): Record<string, unknown> {
  return {
    name: column.name,
    ...(column.source === undefined ? {} : { source: column.source }),
    type: formatColumnType(column.type),
    ...(column.format === undefined ? {} : { format: column.format }),
    ...(column.trueValues === undefined ? {} : { trueValues: column.trueValues }),
    ...(column.falseValues === undefined ? {} : { falseValues: column.falseValues }),
    ...(column.decimalChar === undefined ? {} : { decimalChar: column.decimalChar }),
    ...(column.groupChar === undefined ? {} : { groupChar: column.groupChar }),
    ...(column.trim ? { trim: true } : {}),
    ...(column.nullable ? { nullable: true } : {}),
  };
}
