/**
 * Inputs written for the differential suite: each one a place where DuckDB and Spark were read
 * (from their sources) to disagree. They go straight to the transform — Validate would reject
 * most of them — as a file beyond Validate's sample would reach it.
 */
import { ORDERS_HEADER, ordersLine } from '../corpus/cases';

/** One input of the differential suite. */
export interface DifferentialCase {
  readonly name: string;
  /** The dataset (of {@link DIFFERENTIAL_CONFIG}). @default 'orders' */
  readonly dataset?: 'orders' | 'readings';
  /** The file's bytes. */
  readonly content: string | Buffer;
  /** The lines the rejects file must name (counted by hand), where the case is about them. */
  readonly rejectLines?: readonly number[];
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
