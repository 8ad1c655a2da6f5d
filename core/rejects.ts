/**
 * The rejects file (`logs/glue-jobs/<dataset>/<execution>.rejects.csv`): one row per malformed
 * input record, with the line of the file it starts on, the reason (worded here, the same for
 * every engine) and the record. The DuckDB engine numbers the lines from the pass that finds the
 * rejects ({@link numberLines}); glue/ (Spark) mirrors the wording ({@link REJECT_REASONS}).
 */
import { parse as parseText } from 'csv-parse/sync';
import type { Options } from 'csv-parse';

import { SWALLOWED_RECORD_REASON, isSwallowedRecord } from './value-rules';

/** The columns of the rejects file, in order. */
export const REJECTS_COLUMNS = ['line', 'reject_reason', 'record'] as const;

/** One row of the rejects file. */
export interface RejectRow {
  /** 1-based line of the file the record starts on (the header is line 1). */
  readonly line: number;
  readonly reject_reason: string;
  /** The raw values as a JSON object, or the raw text of a record the reader could not split. */
  readonly record: string;
}

/** The reason given for raw text whose quote nothing closes. */
export const UNCLOSED_QUOTE_REASON = 'a quote opens a value that nothing closes (an unterminated quote)';

/**
 * Every reject reason, worded once for every engine: the value rules (compiled into each
 * dialect's SQL) and the records a reader could not split into the header's fields.
 */
export const REJECT_REASONS = {
  /** A required column's value is missing. */
  empty: (column: string): string => `${column}: empty`,
  /** A value that is not of its column's type (`integer`, `decimal(12,2)`, …). */
  notOfType: (column: string, type: string): string => `${column}: not ${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type}`,
  /** Bytes that are not UTF-8 (DuckDB sets the record aside; Spark decodes them to U+FFFD). */
  notUtf8: 'row: not valid UTF-8 (U+FFFD)',
  controlCharacter: 'row: a text value holds a control character',
  /** A record of another number of fields than the header's (or the declared columns', without a header). */
  fieldCount: (found: number, expected: number): string => `record: ${found} field${found === 1 ? '' : 's'}, expected ${expected}`,
  unclosedQuote: UNCLOSED_QUOTE_REASON,
  /** A quote inside a value that is not quoted (`ab"c`), where the reader reads quoted values only. */
  strayQuote: 'record: a quote inside a value that is not quoted',
  /** A record longer than the reader's limit. */
  tooLong: (limitBytes: number): string => `record: longer than ${limitBytes / 2 ** 20} MiB`,
} as const;

/**
 * How the file's quotes, delimiter and escape read (the dataset's dialect), for
 * {@link hasUnclosedQuote}: as leniently as Python's csv module (a stray quote kept as text), a
 * blank line a record, any line ending.
 */
export interface RejectsDialect {
  readonly delimiter: string;
  readonly quoteChar: string;
  readonly escapeChar?: string | null;
}

const READER: Options = { relax_quotes: true, relax_column_count: true, skip_empty_lines: false, record_delimiter: ['\r\n', '\n', '\r'] };

/** True when the raw text of a record holds a quote that nothing closes. */
export function hasUnclosedQuote(text: string, dialect?: RejectsDialect): boolean {
  const options = dialect ? { ...READER, delimiter: dialect.delimiter, quote: dialect.quoteChar, escape: dialect.escapeChar ?? dialect.quoteChar } : READER;
  try {
    parseText(text, options);
    return false;
  } catch (e: unknown) {
    return (e as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED';
  }
}

/** A rejected record as {@link recordSplitFailure} judges it. */
export interface SplitCandidate {
  readonly line: number;
  readonly reason: string;
  /** The JSON record of a value reject, or the raw text of a record the reader could not split. */
  readonly record: string;
  /** Raw text holding a quote that nothing closes. */
  readonly unclosedQuote: boolean;
}

/**
 * The first reject (by line) past which the file cannot be split into records reliably: a value
 * holding rows an unterminated quote swallowed ({@link SWALLOWED_RECORD_REASON}), raw text a reader
 * could not split that holds such rows (`swallowedRecordPattern` of the plan; a JSON `record`
 * never holds a raw line break), or raw text with a quote that nothing closes. The runner then
 * refuses the file with `MalformedCsvError`.
 */
export function recordSplitFailure(
  rejects: Iterable<SplitCandidate>,
  swallowedRecordPattern: string,
): { readonly line: number; readonly reason: string } | undefined {
  const swallowing = new RegExp(swallowedRecordPattern);
  let first: { line: number; reason: string } | undefined;
  for (const r of rejects) {
    const reason = r.unclosedQuote
      ? UNCLOSED_QUOTE_REASON
      : isSwallowedRecord(r.reason)
        ? r.reason
        : swallowing.test(r.record)
          ? `the record ${SWALLOWED_RECORD_REASON}`
          : undefined;
    if (reason !== undefined && (first === undefined || r.line < first.line)) first = { line: r.line, reason };
  }
  return first;
}

/** The `MalformedCsvError` message of such a file: `where` (a line, a row) and what was found. */
export function recordSplitMessage(where: string, reason: string): string {
  return `${where}: ${reason}: the rows after it cannot be split reliably, so nothing is loaded; close the quote and upload the file again`;
}

// ---------------------------------------------------------------------------------------------
// Line numbers from the pass that reads the file. A reader that reads records in order gives
// each record read its index (0, 1, …) and the line breaks inside its quoted values; records it
// could not split come with their ordinal (DuckDB's `reject_errors.line`: every record, a blank
// line and the lines above the header included, counts one) and raw text. Blank lines it drops
// without a trace: their lines come from a scan of the bytes for empty lines ({@link emptyLines}),
// which is no CSV parse. From these, a record read at index `i` starts on line
//   firstLine + i + (line breaks inside the values of the records read before it)
//                 + (lines of the blank lines and unsplit records before it: {@link LineShift})
// and an unsplit record's line is found on the way ({@link numberLines}).

/** Where the data records start. */
export interface LineStart {
  /** Physical lines above the header (`skipRows`). */
  readonly skipLines: number;
  /** The header's line breaks inside quoted names; `undefined` for a file without a header. */
  readonly headerLineBreaks: number | undefined;
}

/** The line the first data record starts on, and its ordinal. */
export function firstRecord(start: LineStart): { readonly line: number; readonly ordinal: number } {
  const breaks = start.headerLineBreaks;
  return breaks === undefined
    ? { line: start.skipLines + 1, ordinal: start.skipLines + 1 }
    : { line: start.skipLines + 2 + breaks, ordinal: start.skipLines + 2 };
}

/** A record read whose values hold line breaks: its index among the records read, and how many. */
export interface MultiLineRecord {
  readonly index: number;
  readonly lineBreaks: number;
}

/** A record the reader could not split: its ordinal, and the line breaks of its raw text. */
export interface UnsplitRecord {
  readonly ordinal: number;
  readonly lineBreaks: number;
}

/** Lines (blank lines, unsplit records) before the record read at `index`, beyond one per record read. */
export interface LineShift {
  readonly kind: 'shift';
  readonly index: number;
  readonly lines: number;
}

/** The line an unsplit record starts on. */
export interface UnsplitLine {
  readonly kind: 'unsplit';
  readonly ordinal: number;
  readonly line: number;
}

/**
 * Walks the records in the file's order, from the events only (records read that span several
 * lines, unsplit records, empty lines), and yields the {@link LineShift}s of the records read and
 * the line of each unsplit record. An empty line where a record would start is a blank line (a
 * record's first line is never empty); one inside a record's span is part of a value. Stops once
 * every unsplit record is placed and the index passes `lastIndex` (the last record read whose line
 * is wanted: later shifts change no line asked for). Memory stays constant: each input is read as
 * a stream, in order.
 */
export async function* numberLines(
  start: LineStart,
  multiLine: AsyncIterable<MultiLineRecord>,
  unsplit: AsyncIterable<UnsplitRecord>,
  empty: AsyncIterable<number>,
  lastIndex: number,
): AsyncGenerator<LineShift | UnsplitLine> {
  const first = firstRecord(start);
  const m = multiLine[Symbol.asyncIterator]();
  const s = unsplit[Symbol.asyncIterator]();
  const e = empty[Symbol.asyncIterator]();
  const next = async <T>(it: AsyncIterator<T>): Promise<T | undefined> => {
    const r = await it.next();
    return r.done ? undefined : r.value;
  };
  let index = 0;
  let ordinal = first.ordinal;
  let line = first.line;
  let record = await next(m);
  let broken = await next(s);
  let blank = await next(e);
  /** Drops the empty lines before `line` (inside the header or a record's span). */
  const dropEmptyBefore = async (limit: number): Promise<void> => {
    while (blank !== undefined && blank < limit) blank = await next(e);
  };
  await dropEmptyBefore(line);
  let shift: { index: number; lines: number } | undefined;
  const shifted = (lines: number): LineShift | undefined => {
    if (shift && shift.index === index) {
      shift.lines += lines;
      return undefined;
    }
    const done = shift;
    shift = { index, lines };
    return done && { kind: 'shift', ...done };
  };
  try {
    while (broken !== undefined || (blank !== undefined && index <= lastIndex)) {
      // Records read between the events are one line each: jump to the nearest event.
      // (An ordinal behind the walk, which a reader counting otherwise would give, is placed here.)
      const step = Math.max(
        0,
        Math.min(
          record === undefined ? Infinity : record.index - index,
          broken === undefined ? Infinity : broken.ordinal - ordinal,
          blank === undefined ? Infinity : blank - line,
        ),
      );
      index += step;
      ordinal += step;
      line += step;
      let done: LineShift | undefined;
      if (blank === line) {
        done = shifted(1);
        ordinal += 1;
        line += 1;
        blank = await next(e);
      } else if (broken !== undefined && broken.ordinal <= ordinal) {
        yield { kind: 'unsplit', ordinal, line };
        done = shifted(1 + broken.lineBreaks);
        ordinal += 1;
        line += 1 + broken.lineBreaks;
        await dropEmptyBefore(line);
        broken = await next(s);
      } else if (record !== undefined && record.index === index) {
        index += 1;
        ordinal += 1;
        line += 1 + record.lineBreaks;
        await dropEmptyBefore(line);
        record = await next(m);
      }
      if (done) yield done;
    }
    if (shift) yield { kind: 'shift', ...shift };
  } finally {
    // Inputs left unread (the walk stops early) are closed: a file stream, a query's result.
    await Promise.all([m.return?.(), s.return?.(), e.return?.()]);
  }
}

/**
 * The physical lines (1-based) that are empty, in order, from a file's bytes (after decompression):
 * a line break (`\r\n`, `\r` or `\n`) right after another one, or at the very start. The bytes are
 * scanned, never parsed as CSV: an empty line inside a quoted value is reported too
 * ({@link numberLines} tells the two apart).
 */
export async function* emptyLines(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<number> {
  /** Line breaks so far. */
  let breaks = 0;
  /** The current line has no character yet. */
  let lineEmpty = true;
  /** The previous chunk ended with `\r` (a `\n` first in this chunk completes it). */
  let pendingCr = false;
  for await (const chunk of bytes) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    if (pendingCr && b.length > 0) {
      pendingCr = false;
      if (b[0] === 0x0a) at = 1;
    }
    let lf = b.indexOf(0x0a, at);
    let cr = b.indexOf(0x0d, at);
    while (lf >= 0 || cr >= 0) {
      const pos = lf >= 0 && (cr < 0 || lf < cr) ? lf : cr;
      if (lineEmpty && pos === at) yield breaks + 1;
      breaks += 1;
      let end = pos + 1;
      if (b[pos] === 0x0d) {
        if (pos + 1 < b.length) {
          if (b[pos + 1] === 0x0a) end = pos + 2;
        } else pendingCr = true;
      }
      at = end;
      lineEmpty = true;
      if (lf >= 0 && lf < end) lf = b.indexOf(0x0a, end);
      if (cr >= 0 && cr < end) cr = b.indexOf(0x0d, end);
    }
    if (at < b.length) lineEmpty = false;
  }
}
