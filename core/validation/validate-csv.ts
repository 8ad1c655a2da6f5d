/**
 * The Validate step's checks, over a byte stream of the uploaded object: encoding, CSV syntax
 * (fast-csv), the header against the dataset's columns, and row shape and value types on the
 * whole file when it is small, or on its leading rows when it is large (the transform then checks
 * every row and counts what it sets aside).
 */
import { Transform, type Readable } from 'node:stream';

import { parse } from 'fast-csv';

import type { DatasetConfig } from '../config/dataset-config';
import { EmptyFileError, EncodingError, HeaderMismatchError, MalformedCsvError, MalformedRowsError, NoDataRowsError, describeError } from '../errors';
import { recordSplitMessage } from '../rejects';
import { SWALLOWED_RECORD_REASON, type ValueCheck, isSwallowedRecord, swallowedRecordPattern, wellFormedCheck } from '../value-rules';
import { normalizeHeader, matchHeader } from './header';

/** What the Validate step found. `valid: false` always comes with a named `error`. */
export interface ValidationReport {
  readonly valid: boolean;
  readonly error: { readonly name: string; readonly message: string } | null;
  readonly header: readonly string[];
  readonly rowsChecked: number;
  readonly malformedRows: number;
  /** True when only the leading `sampleRows` rows were checked. */
  readonly sampled: boolean;
  readonly sizeBytes: number;
  /** The first few problems, each naming its data row (1 = first row after the header). */
  readonly issues: readonly string[];
}

/** Most problems quoted in a report. */
export const MAX_REPORTED_ISSUES = 10;

/**
 * Validates a CSV stream against the dataset. Never throws for bad input: the report carries the
 * error. The stream is destroyed early when sampling.
 */
export async function validateCsv(source: Readable, dataset: DatasetConfig, sizeBytes: number): Promise<ValidationReport> {
  const sampled = sizeBytes > dataset.validation.fullScanMaxBytes;
  const state = { header: [] as string[], rowsChecked: 0, malformedRows: 0, issues: [] as string[] };
  const report = (error: Error | null): ValidationReport => ({
    valid: error === null,
    error: error ? describeError(error) : null,
    header: state.header,
    rowsChecked: state.rowsChecked,
    malformedRows: state.malformedRows,
    sampled,
    sizeBytes,
    issues: state.issues,
  });

  if (sizeBytes === 0) {
    source.destroy();
    return report(new EmptyFileError('the file is empty (0 bytes)'));
  }
  const parser = parse({ headers: false, ignoreEmpty: true });
  source.on('error', (e) => parser.destroy(e));
  const decoder = utf8Decoder();
  decoder.on('error', (e) => parser.destroy(e));
  source.pipe(decoder).pipe(parser);

  try {
    let columnsByPosition: PositionedColumn[] | undefined;
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columnsByPosition) {
        state.header = normalizeHeader(record);
        columnsByPosition = matchHeader(state.header, dataset).map((column) => ({ column, check: wellFormedCheck(column.type) }));
        continue;
      }
      state.rowsChecked += 1;
      const problem = rowProblem(record, columnsByPosition);
      // Rows an unterminated quote swallowed: the file is refused, as the transform refuses it.
      if (problem !== undefined && isSwallowedRecord(problem)) return report(new MalformedCsvError(recordSplitMessage(`row ${state.rowsChecked}`, problem)));
      if (problem) {
        state.malformedRows += 1;
        if (state.issues.length < MAX_REPORTED_ISSUES) state.issues.push(`row ${state.rowsChecked}: ${problem}`);
      }
      if (sampled && state.rowsChecked >= dataset.validation.sampleRows) break;
    }
    if (!columnsByPosition) return report(new EmptyFileError('the file holds no CSV record, not even a header'));
  } catch (e: unknown) {
    if (e instanceof EncodingError || e instanceof HeaderMismatchError) return report(e);
    const reason = e instanceof Error ? e.message : String(e);
    return report(new MalformedCsvError(`the CSV cannot be parsed (${state.rowsChecked} data rows read before): ${reason}`, { cause: e }));
  } finally {
    source.unpipe();
    source.destroy();
  }

  if (state.rowsChecked === 0) return report(new NoDataRowsError('the file has a header but no data rows'));
  const ratio = state.malformedRows / state.rowsChecked;
  const failAt = dataset.quality.malformedRowRatio.fail;
  if (failAt !== undefined && ratio > failAt) {
    return report(
      new MalformedRowsError(
        `${state.malformedRows} of ${state.rowsChecked} ${sampled ? 'sampled ' : ''}rows are malformed ` +
          `(${(ratio * 100).toFixed(1)}% > ${(failAt * 100).toFixed(1)}%); first: ${state.issues[0]}`,
      ),
    );
  }
  return report(null);
}

/** A header position's column and its value check, compiled once per file. */
interface PositionedColumn {
  readonly column: DatasetConfig['columns'][number];
  readonly check: ValueCheck;
}

const swallowedByCount = new Map<number, RegExp>();
/** The compiled {@link swallowedRecordPattern} for a column count. */
function swallowed(columnCount: number): RegExp {
  let regex = swallowedByCount.get(columnCount);
  if (!regex) {
    regex = new RegExp(swallowedRecordPattern(columnCount));
    swallowedByCount.set(columnCount, regex);
  }
  return regex;
}

function rowProblem(record: readonly string[], columns: readonly PositionedColumn[]): string | undefined {
  if (record.length !== columns.length) return `expected ${columns.length} fields, found ${record.length}`;
  for (let i = 0; i < record.length; i += 1) {
    const { column, check } = columns[i];
    const value = record[i];
    if (value === '') {
      if (!column.nullable) return `${column.name} is empty`;
    } else if (!check(value)) {
      const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
      return column.type.kind === 'string' ? `${column.name} ${shown} holds a control character` : `${column.name} ${shown} is not a valid ${column.type.kind}`;
    } else if (column.type.kind === 'string' && swallowed(columns.length).test(value)) {
      return `${column.name} ${SWALLOWED_RECORD_REASON}`;
    }
  }
  return undefined;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Bytes → UTF-8 text; refuses compressed, binary and non-UTF-8 input with an {@link EncodingError}. */
function utf8Decoder(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, done) {
      if (first && chunk[0] === GZIP_MAGIC[0] && chunk[1] === GZIP_MAGIC[1]) {
        done(new EncodingError('the file is gzip-compressed; upload the uncompressed CSV'));
        return;
      }
      if (first && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        done(new EncodingError('the file is UTF-16 text; re-export it as UTF-8'));
        return;
      }
      first = false;
      if (chunk.includes(0)) {
        done(new EncodingError('the file holds NUL bytes: it is binary, not CSV text'));
        return;
      }
      try {
        done(null, decoder.decode(chunk, { stream: true }));
      } catch {
        done(new EncodingError('the file is not valid UTF-8 text (re-export it as UTF-8)'));
      }
    },
    flush(done) {
      try {
        done(null, decoder.decode());
      } catch {
        done(new EncodingError('the file ends inside a UTF-8 character'));
      }
    },
  });
}
