/**
 * The bad-input corpus: each case is one upload (or one raw S3 event) and the outcome a user of
 * the pipeline should get for it. Small fixed files live in `files/`; large, binary or encoded
 * ones are generated at test time by `generate`. `test/local/bad-input-corpus.test.ts` runs them
 * all through the local pipeline.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where the uploaded object is after the run. */
export type InputEndsIn = 'archived' | 'rejected' | 'in-place' | 'not-created';

/** The outcome a case must end in. */
export interface CaseExpectation {
  /** The terminal outcome, or SKIPPED when the trigger must not start an execution. */
  readonly status: 'SUCCESS' | 'WARNING' | 'FAILURE' | 'SKIPPED';
  /** The error name: in the notification for a FAILURE, in the trigger's skip reason for a SKIPPED key. */
  readonly errorName?: string;
  readonly inputEndsIn: InputEndsIn;
  /** Notifications published for this input. */
  readonly notifications: 0 | 1;
  /** Rows the transform set aside as malformed (checked when given). */
  readonly malformedRows?: number;
  /** Rows written to load/ (checked when given). */
  readonly rowsOut?: number;
  /** Whether the Validate step only sampled the file (checked when given). */
  readonly sampled?: boolean;
}

/** One corpus case. Exactly one of `file`, `generate` and `rawEventKey` is set. */
export interface CorpusCase {
  /** Unique; also the test's title. */
  readonly name: string;
  /** A fixed file of `test/corpus/files/`. */
  readonly file?: string;
  /** Writes the input into `dir` and returns its path (large, binary or non-UTF-8 inputs). */
  readonly generate?: (dir: string) => string;
  /**
   * No object is put: an S3 event record carrying this key verbatim (URL-encoded, as S3 sends
   * it) is delivered to the trigger. For keys that cannot exist in the bucket.
   */
  readonly rawEventKey?: string;
  /** The object key the file is uploaded under (for `rawEventKey`, the key it decodes to). */
  readonly key: string;
  /**
   * Other objects already in the bucket when the case runs (uploads whose events have not been
   * processed yet), each a fixed file of `files/`. They are not part of the outcome.
   */
  readonly alsoPresent?: readonly { readonly file: string; readonly key: string }[];
  readonly expected: CaseExpectation;
  /**
   * Set when the current behaviour is known to differ from `expected`: what goes wrong. The test
   * is then marked `it.failing` and keeps the correct expectation.
   */
  readonly defect?: string;
}

/** Folder of the fixed corpus files. */
export const CORPUS_FILES = path.join(__dirname, 'files');

/** The `orders` header in declaration order. */
export const ORDERS_HEADER = [
  'order_id',
  'customer_id',
  'customer_email',
  'product_sku',
  'quantity',
  'unit_price',
  'currency',
  'order_ts',
  'order_date',
  'status',
  'notes',
] as const;

/** One well-formed `orders` line (no line end); `notes` is written verbatim (quote it yourself). */
export function ordersLine(n: number, notes = ''): string {
  const skus = [
    ['SKU-HDPHN-NC200', '129.99'],
    ['SKU-CABLE-USB-C', '9.99'],
    ['SKU-MUG-CERAMIC', '8.50'],
    ['SKU-BOOK-ETL-101', '39.00'],
  ] as const;
  const [sku, price] = skus[n % skus.length];
  const seconds = n % 86400;
  const clock = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((x) => String(x).padStart(2, '0')).join(':');
  return [
    `ORD-2026-${String(n).padStart(7, '0')}`,
    `CUST-${1000 + (n % 97)}`,
    `customer${n % 97}@example.com`,
    sku,
    String(1 + (n % 5)),
    price,
    'EUR',
    `2026-11-24T${clock}Z`,
    '2026-11-24',
    ['PAID', 'SHIPPED', 'DELIVERED'][n % 3],
    notes,
  ].join(',');
}

/** A clean `orders` CSV text of `rows` rows. */
export function ordersCsv(rows: number, notes: (n: number) => string = () => ''): string {
  const lines = [ORDERS_HEADER.join(',')];
  for (let n = 1; n <= rows; n += 1) lines.push(ordersLine(n, notes(n)));
  return `${lines.join('\n')}\n`;
}

/** Rows of the generated large file: ~33 MB, beyond the 16 MiB full-scan limit. */
export const LARGE_FILE_ROWS = 200_000;

/** The notes of the large files' rows (to reach their size with realistic rows). */
const LARGE_NOTE = 'Deliver after 6pm, weekdays only; ring twice, then wait by the door please; gate code';

/** A deterministic pseudo-random byte source (xorshift32), so the "binary" case never varies. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const write = (dir: string, name: string, body: string | Buffer): string => {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
};

const loaded = (rowsOut?: number): CaseExpectation => ({
  status: 'SUCCESS',
  inputEndsIn: 'archived',
  notifications: 1,
  malformedRows: 0,
  ...(rowsOut === undefined ? {} : { rowsOut }),
});
const warnedMalformed = (malformedRows: number, rowsOut: number): CaseExpectation => ({
  status: 'WARNING',
  inputEndsIn: 'archived',
  notifications: 1,
  malformedRows,
  rowsOut,
});
const rejected = (errorName: string): CaseExpectation => ({ status: 'FAILURE', errorName, inputEndsIn: 'rejected', notifications: 1 });
const skipped = (errorName?: string, inputEndsIn: InputEndsIn = 'in-place'): CaseExpectation => ({
  status: 'SKIPPED',
  ...(errorName ? { errorName } : {}),
  inputEndsIn,
  notifications: 0,
});

/** The corpus. Keys are unique: each case is judged on its own input. */
export const CASES: readonly CorpusCase[] = [
  // ── Empty and near-empty files ────────────────────────────────────────────────────────────
  {
    name: 'empty file (0 bytes)',
    generate: (dir) => write(dir, 'empty.csv', ''),
    key: 'extract/corpus/orders-empty.csv',
    expected: rejected('EmptyFileError'),
  },
  { name: 'only blank lines', file: 'blank-lines-only.csv', key: 'extract/corpus/orders-blank-lines-only.csv', expected: rejected('EmptyFileError') },
  { name: 'header only, no data rows', file: 'header-only.csv', key: 'extract/corpus/orders-header-only.csv', expected: rejected('NoDataRowsError') },

  // ── Encodings and line ends ───────────────────────────────────────────────────────────────
  { name: 'UTF-8 byte-order mark before the header', file: 'utf8-bom.csv', key: 'extract/corpus/orders-utf8-bom.csv', expected: loaded(20) },
  {
    name: 'CR-only line ends (classic Mac)',
    generate: (dir) => write(dir, 'cr-only.csv', ordersCsv(20).replace(/\n/g, '\r')),
    key: 'extract/corpus/orders-cr-only.csv',
    expected: loaded(20),
  },
  { name: 'CRLF line ends', file: 'crlf-line-ends.csv', key: 'extract/corpus/orders-crlf.csv', expected: loaded(20) },
  { name: 'no newline after the last row', file: 'no-final-newline.csv', key: 'extract/corpus/orders-no-final-newline.csv', expected: loaded(20) },
  { name: 'blank lines after the last row', file: 'trailing-blank-lines.csv', key: 'extract/corpus/orders-trailing-blank-lines.csv', expected: loaded(20) },
  {
    name: 'Latin-1 bytes (not UTF-8)',
    generate: (dir) =>
      write(
        dir,
        'latin1.csv',
        Buffer.from(
          ordersCsv(20, (n) => (n === 7 ? '"Café crème, très fragile"' : '')),
          'latin1',
        ),
      ),
    key: 'extract/corpus/orders-latin1.csv',
    expected: rejected('EncodingError'),
  },
  {
    name: 'UTF-16LE with byte-order mark',
    generate: (dir) => write(dir, 'utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ordersCsv(20), 'utf16le')])),
    key: 'extract/corpus/orders-utf16.csv',
    expected: rejected('EncodingError'),
  },
  {
    name: 'binary garbage named .csv',
    generate: (dir) => write(dir, 'garbage.csv', pseudoRandomBytes(64 * 1024, 0x5eed)),
    key: 'extract/corpus/orders-binary-garbage.csv',
    expected: rejected('EncodingError'),
  },
  {
    // Gzip is detected from the bytes, whatever the name, and read (issue 20).
    name: 'gzip-compressed CSV named .csv',
    generate: (dir) => write(dir, 'gzipped.csv', gzipSync(Buffer.from(ordersCsv(20)))),
    key: 'extract/corpus/orders-gzipped.csv',
    expected: loaded(20),
  },

  // ── CSV syntax ────────────────────────────────────────────────────────────────────────────
  {
    name: 'quoted commas, doubled quotes and newlines in fields',
    file: 'quoted-commas-quotes-newlines.csv',
    key: 'extract/corpus/orders-quoted-fields.csv',
    expected: loaded(20),
  },
  { name: 'quoted header names', file: 'quoted-header.csv', key: 'extract/corpus/orders-quoted-header.csv', expected: loaded(20) },
  { name: 'spaces around header names', file: 'spaces-around-header-names.csv', key: 'extract/corpus/orders-header-spaces.csv', expected: loaded(20) },
  {
    name: 'unterminated quote in the last row',
    file: 'unterminated-quote.csv',
    key: 'extract/corpus/orders-unterminated-quote.csv',
    expected: rejected('MalformedCsvError'),
  },
  {
    name: 'unterminated quote mid-file (swallows the rest of the file)',
    file: 'unterminated-quote-mid-file.csv',
    key: 'extract/corpus/orders-unterminated-quote-mid-file.csv',
    expected: rejected('MalformedCsvError'),
  },
  { name: 'semicolon delimiter', file: 'semicolon-delimiter.csv', key: 'extract/corpus/orders-semicolon.csv', expected: rejected('HeaderMismatchError') },
  { name: 'tab delimiter', file: 'tab-delimiter.csv', key: 'extract/corpus/orders-tab.csv', expected: rejected('HeaderMismatchError') },

  // ── Row shape ─────────────────────────────────────────────────────────────────────────────
  {
    name: 'one row with too few fields (1 of 40)',
    file: 'one-row-too-few-fields.csv',
    key: 'extract/corpus/orders-one-short-row.csv',
    expected: warnedMalformed(1, 39),
  },
  {
    name: 'one row with too many fields (1 of 40)',
    file: 'one-row-too-many-fields.csv',
    key: 'extract/corpus/orders-one-long-row.csv',
    expected: warnedMalformed(1, 39),
  },
  {
    name: 'every row with too few fields',
    file: 'every-row-too-few-fields.csv',
    key: 'extract/corpus/orders-all-short-rows.csv',
    expected: rejected('MalformedRowsError'),
  },
  {
    name: 'every row with too many fields',
    file: 'every-row-too-many-fields.csv',
    key: 'extract/corpus/orders-all-long-rows.csv',
    expected: rejected('MalformedRowsError'),
  },

  // ── Header ────────────────────────────────────────────────────────────────────────────────
  {
    name: 'missing required column',
    file: 'missing-required-column.csv',
    key: 'extract/corpus/orders-missing-column.csv',
    expected: rejected('HeaderMismatchError'),
  },
  {
    name: 'missing nullable column (notes: nullable but required in the header)',
    file: 'missing-nullable-column.csv',
    key: 'extract/corpus/orders-missing-notes-column.csv',
    expected: rejected('HeaderMismatchError'),
  },
  {
    name: 'extra (unknown) column',
    file: 'extra-unknown-column.csv',
    key: 'extract/corpus/orders-extra-column.csv',
    expected: rejected('HeaderMismatchError'),
  },
  { name: 'reordered columns', file: 'reordered-columns.csv', key: 'extract/corpus/orders-reordered.csv', expected: loaded(20) },
  {
    name: 'duplicate header names',
    file: 'duplicate-header-names.csv',
    key: 'extract/corpus/orders-duplicate-header.csv',
    expected: rejected('HeaderMismatchError'),
  },
  {
    name: 'upper-case header names',
    file: 'case-changed-header.csv',
    key: 'extract/corpus/orders-upper-header.csv',
    expected: rejected('HeaderMismatchError'),
  },

  // ── Values ────────────────────────────────────────────────────────────────────────────────
  {
    name: 'a value of the wrong type (1 of 40)',
    file: 'wrong-type-one-row.csv',
    key: 'extract/corpus/orders-wrong-type.csv',
    expected: warnedMalformed(1, 39),
  },
  {
    name: 'wrong type in every row',
    file: 'wrong-type-every-row.csv',
    key: 'extract/corpus/orders-wrong-type-all.csv',
    expected: rejected('MalformedRowsError'),
  },
  {
    name: 'an empty required value (1 of 40)',
    file: 'empty-required-value.csv',
    key: 'extract/corpus/orders-empty-value.csv',
    expected: warnedMalformed(1, 39),
  },
  { name: 'out-of-range numbers (3 of 40)', file: 'out-of-range-numbers.csv', key: 'extract/corpus/orders-out-of-range.csv', expected: warnedMalformed(3, 37) },
  { name: 'bad dates (3 of 40)', file: 'bad-dates.csv', key: 'extract/corpus/orders-bad-dates.csv', expected: warnedMalformed(3, 37) },
  { name: 'bad timestamps (3 of 40)', file: 'bad-timestamps.csv', key: 'extract/corpus/orders-bad-timestamps.csv', expected: warnedMalformed(3, 37) },
  {
    name: 'timestamp with an impossible UTC offset (+25:00, 1 of 40)',
    file: 'impossible-utc-offset.csv',
    key: 'extract/corpus/orders-impossible-offset.csv',
    expected: warnedMalformed(1, 39),
  },
  {
    name: 'date in year 0000 (1 of 40)',
    file: 'year-zero-date.csv',
    key: 'extract/corpus/orders-year-zero.csv',
    expected: warnedMalformed(1, 39),
  },
  {
    name: 'every accepted timestamp spelling',
    file: 'valid-timestamp-variants.csv',
    key: 'extract/corpus/orders-timestamp-variants.csv',
    expected: loaded(20),
  },

  // ── Size ──────────────────────────────────────────────────────────────────────────────────
  {
    name: 'a very long line (2 MB notes field)',
    generate: (dir) =>
      write(
        dir,
        'long-line.csv',
        ordersCsv(20, (n) => (n === 10 ? `"${'lorem ipsum, "" dolor '.repeat(Math.ceil((2 * 1024 * 1024) / 23))}"` : '')),
      ),
    key: 'extract/corpus/orders-long-line.csv',
    expected: loaded(20),
  },
  {
    name: `a large file (${LARGE_FILE_ROWS} rows, ~33 MB > 16 MiB: validation samples, the transform checks all)`,
    generate: (dir) =>
      write(
        dir,
        'large.csv',
        ordersCsv(LARGE_FILE_ROWS, (n) => (n % 2 === 0 ? `"${LARGE_NOTE} ${n}"` : '')),
      ),
    key: 'extract/corpus/orders-large.csv',
    expected: { ...loaded(LARGE_FILE_ROWS), sampled: true },
  },

  {
    name: 'invalid UTF-8 beyond the validation sample of a large file',
    generate: (dir) =>
      write(
        dir,
        'large-latin1.csv',
        Buffer.from(
          ordersCsv(LARGE_FILE_ROWS / 2, (n) => (n === 90_000 ? '"Café crème"' : `"${LARGE_NOTE} ${n}"`)),
          'latin1',
        ),
      ),
    key: 'extract/corpus/orders-large-latin1.csv',
    // The transform sets the undecodable line aside (listed in the rejects file, counted as
    // malformed); 1 of 100 000 is below the dataset's malformedRowRatio warn threshold.
    expected: { status: 'SUCCESS', inputEndsIn: 'archived', notifications: 1, malformedRows: 1, rowsOut: LARGE_FILE_ROWS / 2 - 1, sampled: true },
  },

  // ── Keys ──────────────────────────────────────────────────────────────────────────────────
  { name: 'key with spaces', file: 'clean.csv', key: 'extract/corpus/my orders file.csv', expected: loaded(20) },
  { name: 'key with +', file: 'clean.csv', key: 'extract/corpus/orders+plus+signs.csv', expected: loaded(20) },
  { name: 'key with %', file: 'clean.csv', key: 'extract/corpus/orders-100%-done.csv', expected: loaded(20) },
  { name: 'key with unicode', file: 'clean.csv', key: 'extract/corpus/übersicht/orders-été-東京-😀.csv', expected: loaded(20) },
  { name: 'key with square brackets', file: 'clean.csv', key: 'extract/corpus/orders[1].csv', expected: loaded(20) },
  {
    name: 'key with square brackets, beside a file the brackets match as a glob pattern',
    file: 'clean.csv',
    key: 'extract/corpus/glob-brackets/orders[1].csv',
    alsoPresent: [{ file: 'other-orders.csv', key: 'extract/corpus/glob-brackets/orders1.csv' }],
    expected: loaded(20),
  },
  {
    name: 'key with *, beside another upload of the folder',
    file: 'clean.csv',
    key: 'extract/corpus/glob-star/orders-*.csv',
    alsoPresent: [{ file: 'other-orders.csv', key: 'extract/corpus/glob-star/orders-other.csv' }],
    expected: loaded(20),
  },
  { name: 'key with braces', file: 'clean.csv', key: 'extract/corpus/orders-{2026-11}.csv', expected: loaded(20) },
  {
    name: 'upper-case .CSV extension',
    file: 'clean.csv',
    key: 'extract/corpus/orders-upper.CSV',
    expected: loaded(20),
  },
  { name: 'key under extract/archived/', file: 'clean.csv', key: 'extract/archived/2026-01-01/orders-already-archived.csv', expected: skipped() },
  { name: 'key under extract/rejected/', file: 'clean.csv', key: 'extract/rejected/2026-01-01/orders-already-rejected.csv', expected: skipped() },
  { name: 'key outside extract/', file: 'clean.csv', key: 'load/orders-outside-extract.csv', expected: skipped() },
  {
    name: 'key escaping the bucket (extract/../../etc/x.csv)',
    rawEventKey: 'extract/../../etc/orders-escape.csv',
    key: 'extract/../../etc/orders-escape.csv',
    expected: skipped('InvalidKeyError', 'not-created'),
  },
  {
    name: 'key escaping the bucket, URL-encoded dots (extract/%2E%2E/%2E%2E/…)',
    rawEventKey: 'extract/%2E%2E/%2E%2E/etc/orders-escape-encoded.csv',
    key: 'extract/../../etc/orders-escape-encoded.csv',
    expected: skipped('InvalidKeyError', 'not-created'),
  },
  {
    name: 'key with backslashes (extract/..\\..\\x.csv)',
    rawEventKey: 'extract/..%5C..%5Corders-backslash.csv',
    key: 'extract/..\\..\\orders-backslash.csv',
    expected: skipped('InvalidKeyError', 'not-created'),
  },
  {
    name: 'key with a NUL byte',
    rawEventKey: 'extract/orders%00.csv',
    key: 'extract/orders\u0000.csv',
    expected: skipped('InvalidKeyError', 'not-created'),
  },
  {
    name: 'key that is not valid URL encoding',
    rawEventKey: 'extract/orders-%E0%A4%A.csv',
    key: 'extract/orders-%E0%A4%A.csv',
    expected: skipped('InvalidKeyError', 'not-created'),
  },
];
