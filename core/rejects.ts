/**
 * The rejects file (`logs/glue-jobs/<dataset>/<execution>.rejects.csv`): one row per malformed
 * input record, with the line of the file it starts on. Neither engine's CSV reader tells that
 * line, so when a run has rejects the runner reads the file once more and finds each rejected
 * record: by its ordinal where the engine gives one (DuckDB's `line` in `reject_errors`), else
 * by its fields. glue/etl_helpers.py (`number_rejects`) does the same for the Glue job (by
 * fields: Spark gives no ordinal); the differential suite compares the two.
 */
import { type Readable, Transform } from 'node:stream';

import { type Options, parse } from 'csv-parse';
import { parse as parseText } from 'csv-parse/sync';

import { SWALLOWED_RECORD_REASON, isSwallowedRecord } from './value-rules';

/** The columns of the rejects file, in order. */
export const REJECTS_COLUMNS = ['line', 'reject_reason', 'record'] as const;

/** One row of the rejects file. */
export interface RejectRow {
  /** 1-based line of the file the record starts on (the header is line 1); null if not found. */
  line: number | null;
  readonly reject_reason: string;
  /** The raw values as a JSON object, or the raw text of a record the reader could not split. */
  readonly record: string;
}

/** Fields as a reader returns them; an empty value and a missing one are alike. */
export type Fields = readonly (string | null | undefined)[];

/** A rejected record and how to find it in the file. */
export interface RejectToNumber {
  readonly row: RejectRow;
  /**
   * `{ ordinal }`: the n-th record, counting the header as 1 and a blank line as a record (as
   * DuckDB counts); `{ fields }`: the next record holding these fields, in the file's column order.
   */
  readonly find: { readonly ordinal: number } | { readonly fields: Fields };
  /** Raw text holding a quote that nothing closes. */
  readonly unclosedQuote: boolean;
}

/**
 * What two readings of one record share: its fields, an empty value and a missing one alike, and
 * bytes that are not UTF-8 alike however a reader replaced them (U+FFFD, or `?`).
 */
export function fieldsKey(fields: Fields): string {
  return JSON.stringify(fields.map((value) => (value ?? '').replace(/[\uFFFD?]+/g, '?')));
}

/** The fields of a value reject, in header order, from its `record` JSON object. */
export function valueRejectFields(record: string, header: readonly string[]): (string | null)[] {
  const values = JSON.parse(record) as Record<string, string | null>;
  return header.map((name) => values[name] ?? null);
}

/**
 * How the runner reads the file again: as leniently as Python's csv module, which numbers the
 * Glue job's rejects (a stray quote kept as text, never a failure), a blank line a record of one
 * empty field, any line ending.
 */
const READER: Options = { relax_quotes: true, relax_column_count: true, skip_empty_lines: false, record_delimiter: ['\r\n', '\n', '\r'] };

/** The dataset's CSV dialect as the rejects' reader needs it (the file's quote, delimiter and escape). */
export interface RejectsDialect {
  readonly delimiter: string;
  readonly quoteChar: string;
  readonly escapeChar?: string | null;
}

function reader(dialect: RejectsDialect | undefined): Options {
  if (!dialect) return READER;
  return { ...READER, delimiter: dialect.delimiter, quote: dialect.quoteChar, escape: dialect.escapeChar ?? dialect.quoteChar };
}

/** How {@link numberRejects} reads the file. */
export interface NumberRejectsOptions {
  /** The file's dialect. @default RFC 4180 (`,` and `"`) */
  readonly dialect?: RejectsDialect;
  /**
   * Lines the text given lacks at its start (`skipRows`: removed before it was given): line
   * numbers and ordinals count them, as DuckDB's do. @default 0
   */
  readonly skippedLines?: number;
  /** The first record is a header. @default true */
  readonly header?: boolean;
  /** The positions of the record a reject's fields stand for (extra columns not read), in order; all by default. */
  readonly readPositions?: readonly number[];
}

/** True when the raw text of a record holds a quote that nothing closes. */
export function hasUnclosedQuote(text: string, dialect?: RejectsDialect): boolean {
  try {
    parseText(text, reader(dialect));
    return false;
  } catch (e: unknown) {
    return (e as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED';
  }
}

/**
 * Sets `row.line` of each reject, reading the CSV once, and returns the rows in line order (rows
 * left without a line last). The n-th reject with given fields gets the start line of the n-th
 * record holding them.
 */
export async function numberRejects(source: Readable, rejects: readonly RejectToNumber[], options: NumberRejectsOptions = {}): Promise<RejectRow[]> {
  const skipped = options.skippedLines ?? 0;
  const headerOrdinal = (options.header ?? true) ? skipped + 1 : undefined;
  const positions = options.readPositions;
  const byOrdinal = new Map<number, RejectRow>();
  const byFields = new Map<string, RejectRow[]>();
  for (const { row, find } of rejects) {
    if ('ordinal' in find) byOrdinal.set(find.ordinal, row);
    else {
      const key = fieldsKey(find.fields);
      byFields.set(key, [...(byFields.get(key) ?? []), row]);
    }
  }
  if (rejects.length > 0) {
    // A blank line is a record: every line is counted, and ordinals count as DuckDB's do.
    const parser = parse(reader(options.dialect));
    source.on('error', (e) => parser.destroy(e));
    source.pipe(new QuoteCloser(options.dialect?.quoteChar ?? '"')).pipe(parser);
    let line = skipped + 1;
    let ordinal = skipped;
    try {
      for await (const fields of parser as AsyncIterable<string[]>) {
        const start = line;
        ordinal += 1;
        line += 1 + fields.reduce((breaks, value) => breaks + lineBreaks(value), 0);
        if (ordinal === headerOrdinal) continue;
        const key = fieldsKey(positions ? positions.map((i) => fields[i]) : fields);
        const found = byOrdinal.get(ordinal) ?? byFields.get(key)?.shift();
        if (!found) continue;
        found.line = start;
        byOrdinal.delete(ordinal);
        if (byFields.get(key)?.length === 0) byFields.delete(key);
        if (byOrdinal.size === 0 && byFields.size === 0) break;
      }
    } finally {
      source.unpipe();
      source.destroy();
    }
  }
  const rank = (row: RejectRow): number => row.line ?? Number.MAX_SAFE_INTEGER;
  return rejects.map((r) => r.row).sort((a, b) => rank(a) - rank(b));
}

/**
 * Passes the text through and, when it holds an odd number of quotes (one opened that nothing
 * closes, which runs to the end of the file), adds the closing quote: the reader then returns
 * that last record instead of failing.
 */
class QuoteCloser extends Transform {
  private quotes = 0;

  constructor(private readonly quote: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    const code = this.quote.charCodeAt(0);
    for (const byte of chunk) if (byte === code) this.quotes += 1;
    done(null, chunk);
  }

  override _flush(done: (error?: Error | null, data?: string) => void): void {
    done(null, this.quotes % 2 === 1 ? this.quote : undefined);
  }
}

/** Line breaks inside a quoted value (CRLF, LF or CR each count once). */
function lineBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** The reason given for raw text whose quote nothing closes. */
export const UNCLOSED_QUOTE_REASON = 'a quote opens a value that nothing closes (an unterminated quote)';

/**
 * The first (numbered) reject past which the file cannot be split into records reliably: a value
 * holding rows an unterminated quote swallowed ({@link SWALLOWED_RECORD_REASON}), raw text a reader
 * could not split that holds such rows (`swallowedRecordPattern` of the plan; a JSON `record`
 * never holds a raw line break), or raw text with a quote that nothing closes. The runner then
 * refuses the file with `MalformedCsvError`.
 */
export function recordSplitFailure(
  rejects: readonly RejectToNumber[],
  swallowedRecordPattern: string,
): { readonly line: number | null; readonly reason: string } | undefined {
  const swallowing = new RegExp(swallowedRecordPattern);
  const reasonOf = ({ row, unclosedQuote }: RejectToNumber): string | undefined => {
    if (unclosedQuote) return UNCLOSED_QUOTE_REASON;
    if (isSwallowedRecord(row.reject_reason)) return row.reject_reason;
    return swallowing.test(row.record) ? `the record ${SWALLOWED_RECORD_REASON}` : undefined;
  };
  const failures = rejects.flatMap((r) => {
    const reason = reasonOf(r);
    return reason === undefined ? [] : [{ line: r.row.line, reason }];
  });
  return failures.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))[0];
}

/** The `MalformedCsvError` message of such a file: `where` (a line, a row) and what was found. */
export function recordSplitMessage(where: string, reason: string): string {
  return `${where}: ${reason}: the rows after it cannot be split reliably, so nothing is loaded; close the quote and upload the file again`;
}
