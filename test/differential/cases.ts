/**
 * Inputs written for the differential suite: each one a place where DuckDB and Spark were read
 * (from their sources) to disagree. They go straight to the transform — Validate would reject
 * most of them — as a file beyond Validate's sample would reach it.
 */
import { gzipSync } from 'node:zlib';

import { ORDERS_HEADER, ordersLine } from '../corpus/cases';

/** One input of the differential suite. */
export interface DifferentialCase {
  readonly name: string;
  /** The dataset (of {@link DIFFERENTIAL_CONFIG}): orders, readings or one of {@link VALUE_DATASETS}. @default 'orders' */
  readonly dataset?: string;
  /** The file's bytes. */
  readonly content: string | Buffer;
  /** The lines the rejects file must name (counted by hand), where the case is about them. */
  readonly rejectLines?: readonly number[];
  /** The byte ranges the Spark runner reads the file in. @default 200 (engines.test.ts) */
  readonly sparkSplitBytes?: number;
}

const header = ORDERS_HEADER.join(',');
const csv = (lines: readonly string[]): string => `${[header, ...lines].join('\n')}\n`;
/** A well-formed line with one field replaced (by column name), written verbatim. */
const withField = (n: number, column: (typeof ORDERS_HEADER)[number], raw: string): string => {
  const fields = ordersLine(n).split(',');
  fields[ORDERS_HEADER.indexOf(column)] = raw;
  return fields.join(',');
};
const good = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => ordersLine(from + i));

/**
 * The datasets the suite runs: the project's `orders`, and `readings` for the other column types.
 * Its glob takes the suite's keys (`case-<n>-readings.csv`, `state-<n>-<i>-readings.csv`) and no
 * name holding "orders": the config refuses globs that overlap.
 */
export const READINGS_DATASET = {
  name: 'readings',
  match: 'extract/**/@(case|state)-+([0-9-])readings.csv',
  columns: [
    { name: 'reading_id', type: 'string' },
    { name: 'sensor', type: 'bigint' },
    { name: 'value', type: 'double' },
    { name: 'ok', type: 'boolean' },
    { name: 'taken_at', type: 'timestamp' },
    { name: 'day', type: 'date' },
  ],
  dedupe: { keys: ['reading_id'], keepLatestBy: 'taken_at' },
  partitioning: { by: 'column', column: 'day' },
  quality: { malformedRowRatio: { fail: 0.9 }, duplicateRatio: {}, volumeChangeRatio: {} },
} as const;

/**
 * Datasets declaring value formats (issue 20): European (decimal comma, group dot, trimming,
 * missing tokens, `%d.%m.%Y`, Europe/Berlin) and US (group comma, `%m/%d/%Y`, America/New_York).
 * Their globs take only the suite's `case-<n>-<dataset>.csv` keys.
 */
const valueDataset = (name: string, rest: Record<string, unknown>) => ({
  name,
  match: `extract/**/@(case|state)-+([0-9-])${name}.csv`,
  dedupe: { keys: ['id'] },
  quality: { malformedRowRatio: { fail: 0.95 }, duplicateRatio: {}, volumeChangeRatio: {} },
  ...rest,
});
export const VALUE_DATASETS = [
  valueDataset('values_eu', {
    decimalChar: ',',
    groupChar: '.',
    trim: true,
    missingValues: ['NULL', 'N/A', '-'],
    timezone: 'Europe/Berlin',
    columns: [
      { name: 'id', type: 'string' },
      { name: 'amount', type: 'decimal(12,2)', nullable: true },
      { name: 'ratio', type: 'double', nullable: true },
      { name: 'qty', type: 'integer', nullable: true },
      { name: 'flag', type: 'boolean', nullable: true, trueValues: ['yes', 'Y', 't', '1'], falseValues: ['no', 'N', 'f', '0'] },
      { name: 'day', type: 'date', nullable: true, format: '%d.%m.%Y' },
      { name: 'at', type: 'timestamp', nullable: true, format: '%d.%m.%Y %H:%M:%S' },
      { name: 'note', type: 'string', nullable: true },
      { name: 'code', type: 'string', missingValues: [], trim: false },
    ],
  }),
  valueDataset('values_us', {
    groupChar: ',',
    timezone: 'America/New_York',
    columns: [
      { name: 'id', type: 'string' },
      { name: 'price', type: 'decimal(12,2)', nullable: true },
      { name: 'big', type: 'bigint', nullable: true },
      { name: 'us_day', type: 'date', nullable: true, format: '%m/%d/%Y' },
      { name: 'iso_day', type: 'date', nullable: true, format: '%Y-%m-%d' },
      { name: 'local_at', type: 'timestamp', nullable: true },
      { name: 'utc_at', type: 'timestamp', nullable: true, timezone: 'UTC', format: '%Y-%m-%d %H:%M' },
      { name: 'zoned_at', type: 'timestamp', nullable: true, format: '%m/%d/%Y %H:%M:%S%z' },
      { name: 'fine_at', type: 'timestamp', nullable: true, format: '%Y%m%dT%H%M%S.%f', timezone: 'Europe/Berlin' },
    ],
  }),
] as const;

const EU_HEADER = 'id,amount,ratio,qty,flag,day,at,note,code';
const US_HEADER = 'id,price,big,us_day,iso_day,local_at,utc_at,zoned_at,fine_at';
/** A values_eu / values_us file: the header, then each line as written. */
const eu = (lines: readonly string[]): string => `${[EU_HEADER, ...lines].join('\n')}\n`;
const us = (lines: readonly string[]): string => `${[US_HEADER, ...lines].join('\n')}\n`;

const VALUE_CASES: readonly DifferentialCase[] = [
  {
    name: 'values: missing-value tokens NULL, N/A, - (and in a column without them)',
    dataset: 'values_eu',
    content: eu([
      'e1,NULL,N/A,-,NULL,N/A,-,NULL,c',
      'e2,-,-,-,-,-,-,-,c',
      'e3, NULL ,\tN/A,,,,,,c',
      'e4,null,n/a,,,,,,c',
      'NULL,1,1,1,1,,,,c',
      'e6,,,,,,,,NULL',
      'e7,,,,,,,,',
    ]),
  },
  {
    name: 'values: trim spaces and tabs (not in a column with trim false)',
    dataset: 'values_eu',
    content: eu([' e1 ,"  1,50 ","\t2,5\t", 7 , yes ,\t31.12.2024 , 31.12.2024 13:45:00 ,  padded note  ,c', 'e2,1,1,1,1,,,,  c  ', '\te3\t,1,1,1,1,,,,\t']),
  },
  {
    name: 'values: decimal comma with group dot (1.234,56, 1,5) and wrong separators',
    dataset: 'values_eu',
    content: eu([
      'e1,"1.234,56","1.234,5",1.234,,,,,c',
      'e2,"1,5","1,5e3",12.345.678,,,,,c',
      'e3,"-0,05","-,5",-7,,,,,c',
      'e4,"1.23",,,,,,,c',
      'e5,"1,234.56",,,,,,,c',
      'e6,,"1.5",,,,,,c',
      'e7,,,"1,5",,,,,c',
      'e8,"1234,567",,,,,,,c',
      'e9,"12.34,5",,,,,,,c',
      'e10,"1.234.567.890,12",,,,,,,c',
    ]),
  },
  {
    name: 'values: group commas in a default-decimal column (1,234.50; ` 1.50 ` without trim is malformed)',
    dataset: 'values_us',
    content: us([
      'u1,1.50,1,,,,,,',
      'u2, 1.50 ,2,,,,,,',
      'u3,"1,234.50","1,234,567",,,,,,',
      'u4,"1,23",,,,,,,',
      'u5,"12,345,678,901.00",,,,,,,',
      'u6,,"9,223,372,036,854,775,807",,,,,,',
      'u7,,"9,223,372,036,854,775,808",,,,,,',
    ]),
  },
  {
    name: 'values: doubles NaN, inf, -inf, Infinity, 1e400',
    dataset: 'values_eu',
    content: eu([
      'e1,,NaN,,,,,,c',
      'e2,,nan,,,,,,c',
      'e3,,inf,,,,,,c',
      'e4,,-inf,,,,,,c',
      'e5,,Infinity,,,,,,c',
      'e6,,-INFINITY,,,,,,c',
      'e7,,1e400,,,,,,c',
      'e8,,+inf,,,,,,c',
      'e9,,infin,,,,,,c',
      'e10,,"-1,5e-3",,,,,,c',
      'e11,,İnf,,,,,,c',
    ]),
  },
  {
    name: 'values: booleans yes/no, Y/N, t/f, 1/0 (and spellings not declared)',
    dataset: 'values_eu',
    content: eu([
      'e1,,,,yes,,,,c',
      'e2,,,,no,,,,c',
      'e3,,,,Y,,,,c',
      'e4,,,,N,,,,c',
      'e5,,,,t,,,,c',
      'e6,,,,f,,,,c',
      'e7,,,,1,,,,c',
      'e8,,,,0,,,,c',
      'e9,,,,true,,,,c',
      'e10,,,,YES,,,,c',
      'e11,,,,y,,,,c',
    ]),
  },
  {
    name: 'values: dates %d.%m.%Y (31.12.2024, 1.2.2025) and dates that do not fit',
    dataset: 'values_eu',
    content: eu([
      'e1,,,,,31.12.2024,,,c',
      'e2,,,,,1.2.2025,,,c',
      'e3,,,,,29.02.2024,,,c',
      'e4,,,,,29.02.2023,,,c',
      'e5,,,,,2024-12-31,,,c',
      'e6,,,,,31.12.24,,,c',
      'e7,,,,,31.13.2024,,,c',
      'e8,,,,,01.01.0000,,,c',
      'e9,,,,,123.1.2024,,,c',
    ]),
  },
  {
    name: 'values: dates %m/%d/%Y (12/31/2024) and %Y-%m-%d (2025-1-2)',
    dataset: 'values_us',
    content: us([
      'u1,,,12/31/2024,2025-1-2,,,,',
      'u2,,,1/2/2025,2025-01-02,,,,',
      'u3,,,31/12/2024,2025-1-32,,,,',
      'u4,,,12-31-2024,2025/1/2,,,,',
      'u5,,,12/31/2024 ,"2025-1-2\n",,,,',
    ]),
  },
  {
    name: 'values: timestamps in Europe/Berlin, with a DST gap and overlap',
    dataset: 'values_eu',
    content: eu([
      'e1,,,,,,31.12.2024 13:45:00,,c',
      'e2,,,,,,30.06.2024 13:45:00,,c',
      'e3,,,,,,31.03.2024 02:30:00,,c',
      'e4,,,,,,27.10.2024 02:30:00,,c',
      'e5,,,,,,27.10.2024 01:59:59,,c',
      'e6,,,,,,27.10.2024 03:00:00,,c',
      'e7,,,,,,1.1.2025 0:0:0,,c',
      'e8,,,,,,31.12.2024 24:00:00,,c',
      'e9,,,,,,2024-12-31T13:45:00Z,,c',
    ]),
  },
  {
    name: 'values: timestamps in America/New_York (ISO, offsets win), with a DST gap and overlap',
    dataset: 'values_us',
    content: us([
      'u1,,,,,2024-12-31 13:45:00,,,',
      'u2,,,,,2024-03-10 02:30:00,,,',
      'u3,,,,,2024-11-03 01:30:00,,,',
      'u4,,,,,2024-11-03T01:30:00-04:00,,,',
      'u5,,,,,2024-11-03T01:30:00-05:00,,,',
      'u6,,,,,2024-11-03T06:30:00Z,,,',
      'u7,,,,,2024-07-04T12:00:00.123456,,,',
      'u8,,,,,12/31/2024 13:45:00,,,',
    ]),
  },
  {
    name: 'values: US dates with an offset (%m/%d/%Y %H:%M:%S%z), a UTC column without seconds, %f',
    dataset: 'values_us',
    content: us([
      'u1,,,,,,2024-12-31 13:45,12/31/2024 13:45:00+0100,20241231T134500.5',
      'u2,,,,,,2024-1-2 3:4,12/31/2024 13:45:00Z,20240331T023000.123456',
      'u3,,,,,,2024-12-31 13:45:00,12/31/2024 13:45:00-05:00,20241027T023000.1',
      'u4,,,,,,,12/31/2024 13:45:00 +01:00,20241027T023000',
      'u5,,,,,,,12/31/2024 13:45:00+19:00,20241027T023000.1234567',
      'u6,,,,,,,12/31/2024 13:45:00,',
    ]),
  },
];

/**
 * Datasets declaring how their files are read (issue 20): a dialect option each, on the same
 * columns (headers by `source`). Their globs take only the suite's `case-<n>-<dataset>.csv` keys.
 */
const readerDataset = (name: string, rest: Record<string, unknown> = {}) => ({
  name,
  match: `extract/**/@(case|state)-+([0-9-])${name}.csv`,
  columns: [
    { name: 'item_id', source: 'Item ID', type: 'integer' },
    { name: 'name', type: 'string', nullable: true },
    { name: 'price', source: 'Price (EUR)', type: 'decimal(10,2)' },
  ],
  quality: { malformedRowRatio: { fail: 0.95 }, duplicateRatio: {}, volumeChangeRatio: {} },
  ...rest,
});
export const READER_DATASETS = [
  readerDataset('dialect_semicolon', { dialect: { delimiter: ';' } }),
  readerDataset('dialect_tab', { dialect: { delimiter: '\t' } }),
  readerDataset('dialect_pipe', { dialect: { delimiter: '|' } }),
  readerDataset('dialect_single_quote', { dialect: { quoteChar: "'" } }),
  readerDataset('dialect_backslash', { dialect: { escapeChar: '\\', doubleQuote: false } }),
  readerDataset('dialect_no_header', { dialect: { header: false } }),
  readerDataset('dialect_skip_rows', { dialect: { skipRows: 2 } }),
  readerDataset('dialect_plain'),
  readerDataset('dialect_cp1252', { dialect: { delimiter: ';', encoding: 'windows-1252' } }),
  readerDataset('dialect_latin1', { dialect: { encoding: 'iso-8859-1' } }),
  readerDataset('dialect_utf16', { dialect: { encoding: 'utf-16' } }),
  readerDataset('dialect_extra_ignored', { extraColumns: 'ignore' }),
  {
    ...readerDataset('dialect_excel_eu', { dialect: { delimiter: ';' }, decimalChar: ',' }),
    columns: [
      { name: 'order_id', source: 'Order ID', type: 'string' },
      { name: 'unit_price_eur', source: 'Unit Price (EUR)', type: 'decimal(10,2)' },
      { name: 'order_date', source: 'Order Date', type: 'date', format: '%d.%m.%Y' },
      { name: 'note', source: 'Note', type: 'string', nullable: true },
    ],
  },
] as const;

const ITEM_HEADER = ['Item ID', 'name', 'Price (EUR)'];
/** An items file: the header and the rows, joined by the delimiter (each field written verbatim). */
const items = (rows: readonly (readonly string[])[], delimiter = ',', eol = '\n'): string =>
  [ITEM_HEADER, ...rows].map((r) => r.join(delimiter)).join(eol) + eol;
const ITEM_ROWS = [
  ['1', 'apple', '1.50'],
  ['2', 'pear', '2.00'],
  ['x', 'not an id', '1.00'],
  ['3', 'plum', '3.25'],
];
/** Windows-1252 bytes of a text (€ is 0x80). */
const cp1252 = (text: string): Buffer => Buffer.from(new Uint8Array([...text].map((c) => ({ '€': 0x80, é: 0xe9, ü: 0xfc, ß: 0xdf })[c] ?? c.charCodeAt(0))));
const utf16 = (text: string, order: 'le' | 'be'): Buffer => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return order === 'le' ? le : Buffer.from(le).swap16();
};

const READER_CASES: readonly DifferentialCase[] = [
  { name: 'reading: semicolon delimiter', dataset: 'dialect_semicolon', content: items([...ITEM_ROWS, ['4', '"a; b"', '1.00']], ';'), rejectLines: [4] },
  { name: 'reading: tab delimiter (.tsv)', dataset: 'dialect_tab', content: items([...ITEM_ROWS, ['4', 'a, b', '1.00']], '\t'), rejectLines: [4] },
  { name: 'reading: pipe delimiter', dataset: 'dialect_pipe', content: items([...ITEM_ROWS, ['4', '"a | b"', '1.00']], '|'), rejectLines: [4] },
  {
    name: "reading: quoteChar ' (a quoted delimiter, a doubled quote, a line break)",
    dataset: 'dialect_single_quote',
    content: items([...ITEM_ROWS, ['4', "'a, b'", '1.00'], ['5', "'it''s'", '1.00'], ['6', "'two\nlines'", '1.00'], ['y', "'bad'", '1.00']]),
    rejectLines: [4, 10],
  },
  {
    name: 'reading: escapeChar \\ (an escaped quote inside quotes)',
    dataset: 'dialect_backslash',
    content: items([...ITEM_ROWS, ['4', '"say \\"hi\\""', '1.00'], ['5', '"a, \\"b\\", c"', '1.00']]),
    rejectLines: [4],
  },
  {
    name: 'reading: header false (columns by position)',
    dataset: 'dialect_no_header',
    content: `${ITEM_ROWS.map((r) => r.join(',')).join('\n')}\n5,extra,1.00,field\n`,
    rejectLines: [3, 5],
  },
  {
    name: 'reading: skipRows 2 (title lines with a quote and commas above the header)',
    dataset: 'dialect_skip_rows',
    content: `Orders export "Q1\nexported 2024-01-01, by a, b\n${items(ITEM_ROWS)}`,
    rejectLines: [6],
  },
  { name: 'reading: gzip bytes named .csv', dataset: 'dialect_plain', content: gzipSync(items(ITEM_ROWS)), rejectLines: [4] },
  {
    name: 'reading: gzip of several members, CRLF, a BOM',
    dataset: 'dialect_plain',
    content: Buffer.concat([gzipSync(`\uFEFF${items(ITEM_ROWS.slice(0, 2), ',', '\r\n')}`), gzipSync('x,not an id,1.00\r\n3,plum,3.25\r\n')]),
    rejectLines: [4],
  },
  {
    name: 'reading: windows-1252 with € and é',
    dataset: 'dialect_cp1252',
    content: cp1252(
      items(
        [
          ['1', 'café 5 €', '1.50'],
          ['2', 'Grüße', '2.00'],
          ['x', '€ bad', '1.00'],
        ],
        ';',
      ),
    ),
    rejectLines: [4],
  },
  {
    name: 'reading: iso-8859-1 read as windows-1252 (0x80 is €)',
    dataset: 'dialect_latin1',
    content: cp1252(
      items([
        ['1', 'café €', '1.50'],
        ['x', 'é', '1.00'],
      ]),
    ),
    rejectLines: [3],
  },
  {
    name: 'reading: utf-16 LE with BOM',
    dataset: 'dialect_utf16',
    content: utf16(items([['1', 'café €', '1.50'], ...ITEM_ROWS.slice(1)]), 'le'),
    rejectLines: [4],
  },
  {
    name: 'reading: utf-16 BE with BOM',
    dataset: 'dialect_utf16',
    content: utf16(items([['1', 'café €', '1.50'], ...ITEM_ROWS.slice(1)]), 'be'),
    rejectLines: [4],
  },
  {
    name: 'reading: an extra column ignored (extraColumns ignore)',
    dataset: 'dialect_extra_ignored',
    content: `Item ID,Internal,name,Price (EUR)\n1,a,apple,1.50\n2,b,pear,2.00\nx,c,bad,1.00\nx,d,bad,1.00\n3,e,plum,3.25\n`,
    rejectLines: [4, 5],
  },
  {
    name: 'reading: an Excel-EU export (BOM, CRLF, ;, decimal comma, 31.12.2024, "Order ID")',
    dataset: 'dialect_excel_eu',
    content: `\uFEFF${[
      'Order ID;Unit Price (EUR);Order Date;Note',
      'A-1;1234,56;31.12.2024;"Größe; XL"',
      'A-2;0,5;1.2.2025;',
      'A-3;12,5;2024-12-31;not the format',
      'A-4;1,25;05.06.2024;"two\r\nlines"',
    ].join('\r\n')}\r\n`,
    rejectLines: [4],
  },
];

/**
 * Files the Spark runner reads in ranges of a few bytes (glue/split_read.py): every quoted line
 * break, doubled quote, CR LF and multi-byte character falls across a cut somewhere, and the
 * rows, rejects and lines must be those of one read (DuckDB's).
 */
const SPLIT_CASES: readonly DifferentialCase[] = [
  {
    name: 'split ranges: quoted line breaks and doubled quotes across 7-byte cuts, rejects after them',
    sparkSplitBytes: 7,
    content: csv([
      withField(1, 'notes', '"two\nlines ""q"""'),
      withField(2, 'quantity', 'x'),
      withField(3, 'notes', '"a, ""b""\n\nc"'),
      withField(4, 'quantity', ''),
      ...good(5, 3),
      withField(8, 'notes', '"x\ny"'),
      'too,few',
      withField(9, 'quantity', 'y'),
    ]),
    // 1 header; 2–3 row 1; 4 row 2; 5–7 row 3; 8 row 4; 9–11; 12–13 row 8; 14 too few; 15 row 9.
    rejectLines: [4, 8, 14, 15],
  },
  {
    name: 'split ranges: CRLF with a quoted CRLF across 11-byte cuts',
    sparkSplitBytes: 11,
    content: `${[header, withField(1, 'notes', '"one\r\ntwo"'), withField(2, 'quantity', 'x'), 'too,few', withField(3, 'notes', '"a""b"'), ...good(4, 2)].join('\r\n')}\r\n`,
    rejectLines: [4, 5],
  },
  {
    name: 'split ranges: one value spanning many 16-byte ranges',
    sparkSplitBytes: 16,
    content: csv([withField(1, 'notes', `"${'long line\n'.repeat(40)}"`), withField(2, 'quantity', 'x'), ...good(3, 2)]),
    // 1 header; 2–42 row 1 (40 line breaks in its value); 43 row 2.
    rejectLines: [43],
  },
  {
    name: 'split ranges: skipRows 2 above a header, quoted line breaks, 5-byte cuts',
    dataset: 'dialect_skip_rows',
    sparkSplitBytes: 5,
    content: `Export "Q1\nby a, b\n${items([
      ['1', '"a\nb"', '1.50'],
      ['x', '"c ""d"""', '1.00'],
      ['2', '"e\r\nf"', '2.00'],
      ['y', 'g', '1.00'],
    ])}`,
    // 1–2 skipped; 3 header; 4–5 row 1; 6 x; 7–8 row 2; 9 y.
    rejectLines: [6, 9],
  },
  {
    name: 'split ranges: windows-1252 in 3-byte cuts',
    dataset: 'dialect_cp1252',
    sparkSplitBytes: 3,
    content: cp1252(
      items(
        [
          ['1', '"café\n€"', '1.50'],
          ['x', '"Grüße"', '1.00'],
          ['2', 'ß', '2.00'],
        ],
        ';',
      ),
    ),
    rejectLines: [4],
  },
  {
    name: 'split ranges: utf-16 LE in 6-byte cuts',
    dataset: 'dialect_utf16',
    sparkSplitBytes: 6,
    content: utf16(
      items([
        ['1', '"café\n€"', '1.50'],
        ['x', '"a ""b"""', '1.00'],
        ['3', 'plum', '3.25'],
      ]),
      'le',
    ),
    rejectLines: [4],
  },
];

export const DIFFERENTIAL_CASES: readonly DifferentialCase[] = [
  {
    name: 'dates and timestamps before 1582-10-15',
    content: csv([...good(1, 3), withField(4, 'order_date', '1200-03-01'), withField(5, 'order_ts', '0999-12-31T23:59:59Z')]),
  },
  { name: 'a number with a line break before its closing quote ("42\\n")', content: csv([...good(1, 3), withField(4, 'quantity', '"4\n"')]) },
  {
    name: 'equal keepLatestBy: the same key and order_ts, different rows',
    content: csv([
      withField(1, 'notes', 'first'),
      withField(1, 'notes', 'second'),
      withField(1, 'notes', ''),
      withField(2, 'status', 'PAID'),
      withField(2, 'status', 'CANCELLED'),
      withField(3, 'unit_price', '10.00'),
      withField(3, 'unit_price', '9.00'),
    ]),
  },
  {
    name: 'timestamps without an offset, with offsets, without a colon in the offset',
    content: csv([
      withField(1, 'order_ts', '2026-11-24 10:15:00'),
      withField(2, 'order_ts', '2026-11-24T10:15:00.123456'),
      withField(3, 'order_ts', '2026-11-24T10:15:00+05:30'),
      withField(4, 'order_ts', '2026-11-24T10:15:00-0800'),
      withField(5, 'order_ts', '2026-11-24T23:59:59.5Z'),
    ]),
  },
  { name: 'hour 24:00:00', content: csv([...good(1, 3), withField(4, 'order_ts', '2026-11-24T24:00:00Z')]) },
  {
    name: 'UTC offsets at and beyond ±18:00',
    content: csv([
      ...good(1, 2),
      withField(3, 'order_ts', '2026-11-24T10:00:00+18:00'),
      withField(4, 'order_ts', '2026-11-24T10:00:00-18:30'),
      withField(5, 'order_ts', '2026-11-24T10:00:00+19:00'),
    ]),
  },
  {
    name: 'invalid UTF-8 in one row',
    content: Buffer.concat([Buffer.from(csv(good(1, 3))), Buffer.from(`${withField(4, 'notes', 'caf')}`), Buffer.from([0xe9, 0x0a])]),
  },
  { name: 'a backslash-escaped quote inside quotes ("a\\"b")', content: csv([...good(1, 3), withField(4, 'notes', '"a\\"b"')]) },
  { name: 'text after a closing quote ("abc"x)', content: csv([...good(1, 3), withField(4, 'notes', '"abc"x')]) },
  { name: 'a space before an opening quote', content: csv([...good(1, 3), withField(4, 'notes', ' "spaced"')]) },
  { name: 'CRLF inside a quoted field', content: csv([...good(1, 3), withField(4, 'notes', '"line one\r\nline two"')]) },
  {
    name: 'rejected rows with empty fields and spaces',
    content: csv([...good(1, 3), withField(4, 'quantity', 'x'), withField(5, 'notes', '  padded  ').replace(',1,', ', 2 ,')]),
  },
  { name: 'a value beyond the range of decimal(12,2) (1e400)', content: csv([...good(1, 3), withField(4, 'unit_price', '1e400')]) },
  {
    name: 'readings: doubles beyond the double range, booleans, bigints, dates as partition',
    dataset: 'readings',
    content: [
      'reading_id,sensor,value,ok,taken_at,day',
      'r1,9007199254740993,1.5,true,2026-11-24T10:00:00Z,2026-11-24',
      'r2,-9223372036854775808,1e400,false,2026-11-24T10:00:00Z,2026-11-24',
      'r3,1,-1e308,1,2026-11-24T10:00:00Z,2026-11-25',
      'r4,2,.5e-3,0,2026-11-24T10:00:00Z,2026-11-25',
      'r5,3,1e-400,True,2026-11-24T10:00:00Z,2026-11-25',
      'r6,4,+7.,FALSE,2026-11-24T10:00:00Z,2026-11-26',
      'r1,9007199254740993,2.5,true,2026-11-24T11:00:00Z,2026-11-24',
      'r7,9223372036854775808,1,yes,2026-11-24T10:00:00Z,2026-11-24',
      '',
    ].join('\n'),
  },
  {
    name: 'an unterminated quote mid-file, closed by a later quote (rows swallowed)',
    content: csv([...good(1, 3), withField(4, 'notes', '"never closed'), ...good(5, 3), withField(8, 'notes', 'closes here"'), ...good(9, 2)]),
  },
  {
    name: 'rejects after blank lines and multi-line values: each with its line',
    content: csv([
      withField(1, 'notes', '"two\nlines"'),
      '',
      withField(2, 'quantity', 'x'),
      withField(3, 'notes', '"three\r\nlines\nhere"'),
      withField(4, 'quantity', ''),
      withField(4, 'quantity', ''),
      'too,few',
      ...good(5, 2),
      withField(7, 'quantity', 'x'),
    ]),
    // 1 header; 2–3 row 1; 4 blank; 5 row 2; 6–8 row 3; 9, 10 row 4 twice; 11 too few; 12, 13; 14.
    rejectLines: [5, 9, 10, 11, 14],
  },
  {
    name: 'a NUL byte and control characters inside text',
    content: csv([...good(1, 3), withField(4, 'notes', 'a\u0000b'), withField(5, 'customer_email', 'x\u0001@example.com')]),
  },
  ...VALUE_CASES,
  ...READER_CASES,
  ...SPLIT_CASES,
];

/** Loads in a row into one dataset: after each, both engines' merged states must hold the same rows. */
export interface StateSequence {
  readonly name: string;
  readonly dataset: 'orders' | 'readings';
  readonly loads: readonly string[];
  /**
   * Every load under one key, with the key's load id (`reuploads: "replace"`): each load after the
   * first is a correction replacing the one before, in the table and in the state.
   */
  readonly replace?: boolean;
}

/** Order n a day later: a later order_ts and another status. */
const updated = (n: number): string =>
  withField(n, 'order_ts', ordersLine(n).split(',')[7].replace('2026-11-24T', '2026-11-25T')).replace(/,(PAID|SHIPPED|DELIVERED),/, ',REFUNDED,');
/** Order n again with the same order_ts but another status: a tie the whole row breaks. */
const tied = (n: number): string => ordersLine(n).replace(/,(PAID|SHIPPED|DELIVERED),/, ',CANCELLED,');
const ordersUpdates = csv([
  ...Array.from({ length: 10 }, (_, i) => updated(1 + i)),
  ...Array.from({ length: 5 }, (_, i) => tied(11 + i)),
  ...good(41, 10),
  withField(51, 'notes', ''),
]);
const readingsHeader = 'reading_id,sensor,value,ok,taken_at,day';
/** Order n with another status at the same order_ts, sorting after the others: a merge would keep the original. */
const corrected = (n: number): string => ordersLine(n).replace(/,(PAID|SHIPPED|DELIVERED|REFUNDED),/, ',ZZ-CORRECTED,');

export const STATE_SEQUENCES: readonly StateSequence[] = [
  {
    name: 'orders, replace: a correction rewrites rows and drops keys, a second one restores keys, then the same correction again',
    dataset: 'orders',
    replace: true,
    loads: [
      csv(good(1, 30)),
      csv([...Array.from({ length: 10 }, (_, i) => corrected(1 + i)), ...good(11, 10), ...good(31, 5)]),
      csv([...good(1, 5), ...Array.from({ length: 5 }, (_, i) => tied(6 + i)), ...good(11, 10), ...good(25, 3)]),
      csv([...good(1, 5), ...Array.from({ length: 5 }, (_, i) => tied(6 + i)), ...good(11, 10), ...good(25, 3)]),
    ],
  },
  {
    name: 'orders: updated keys, keepLatestBy ties, new keys, then the same load again',
    dataset: 'orders',
    loads: [csv([...good(1, 40), withField(51, 'notes', 'later emptied')]), ordersUpdates, ordersUpdates],
  },
  {
    name: 'readings: a later reading, a tie on taken_at broken by the value, a new day',
    dataset: 'readings',
    loads: [
      [
        readingsHeader,
        'r1,1,1.5,true,2026-11-24T10:00:00Z,2026-11-24',
        'r2,2,2.5,false,2026-11-24T10:00:00Z,2026-11-24',
        'r3,3,3.5,true,2026-11-24T10:00:00Z,2026-11-25',
        '',
      ].join('\n'),
      [
        readingsHeader,
        'r1,1,9.5,true,2026-11-24T11:00:00Z,2026-11-24',
        'r2,2,-2.5,false,2026-11-24T10:00:00Z,2026-11-24',
        'r4,4,4.5,true,2026-11-26T10:00:00Z,2026-11-26',
        '',
      ].join('\n'),
    ],
  },
];
