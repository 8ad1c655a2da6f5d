/**
 * The Validate step's checks, over a byte stream of the uploaded object: encoding, CSV syntax
 * (fast-csv), the header against the dataset's columns, and row shape and value types on the
 * whole file when it is small, or on its leading rows when it is large (the transform then checks
 * every row and counts what it sets aside).
 */
import type { Readable } from 'node:stream';

import { parse } from 'fast-csv';

import { type DatasetConfig, type DialectConfig, columnSource } from '../config/dataset-config';
import { EmptyFileError, EncodingError, HeaderMismatchError, MalformedCsvError, MalformedRowsError, NoDataRowsError, describeError } from '../errors';
import { recordSplitMessage } from '../rejects';
import { SWALLOWED_RECORD_REASON, type ValueVerdict, columnRules, isSwallowedRecord, swallowedRecordPattern, valueCheck } from '../value-rules';
import { decodeInput, gzipStatedSize } from '../input-decoding';
import { normalizeHeader, matchHeader, positionalColumns } from './header';

/** What the Validate step found. `valid: false` always comes with a named `error`. */
export interface ValidationReport {
  readonly valid: boolean;
  readonly error: { readonly name: string; readonly message: string } | null;
  readonly header: readonly string[];
  readonly rowsChecked: number;
  readonly malformedRows: number;
  /** True when only the leading `sampleRows` rows were checked. */
  readonly sampled: boolean;
  /** The object's size (compressed, for a gzip file). */
  readonly sizeBytes: number;
  /** `gzip` when the bytes are gzip (detected by magic, whatever the name); `null` when not read that far. */
  readonly compression?: 'gzip' | 'none' | null;
  /**
   * The decompressed size in bytes, measured when the whole file was read (`null` when sampled
   * or refused before its end). For a plain file, `sizeBytes`.
   */
  readonly uncompressedBytes?: number | null;
  /**
   * A gzip file's uncompressed size as its trailer states it (ISIZE: modulo 2^32, the last member
   * only), when the caller could read the trailer; `null` otherwise.
   */
  readonly statedUncompressedBytes?: number | null;
  /**
   * The size ChooseEngine compares with the dataset's `fastPathMaxBytes` (core/fast-path.ts): the
   * uncompressed size. A plain file's stored size; a gzip file's measured size when read whole,
   * else the larger of what its trailer states and the bytes decompressed before sampling stopped
   * (an estimate: the trailer counts modulo 4 GiB). Absent in a report from before it.
   */
  readonly uncompressedSizeBytes?: number;
  /** The first few problems, each naming its data row (1 = first row after the header). */
  readonly issues: readonly string[];
}

/** Most problems quoted in a report. */
export const MAX_REPORTED_ISSUES = 10;

/**
 * Validates a CSV stream against the dataset. Never throws for bad input: the report carries the
 * error. The stream is destroyed early when sampling.
 */
export async function validateCsv(source: Readable, dataset: DatasetConfig, sizeBytes: number, options: ValidateOptions = {}): Promise<ValidationReport> {
  const maxBytes = dataset.validation.fullScanMaxBytes;
  // A plain file is sampled by its size; a gzip file by the size its trailer states when known,
  // else once the decompressed bytes read pass the limit (measured).
  let sampled = sizeBytes > maxBytes;
  let stated: number | null = null;
  let trailerRead = false;
  const state = { header: [] as string[], rowsChecked: 0, malformedRows: 0, issues: [] as string[] };
  const dialect = dataset.dialect;
  const decoded = decodeInput(source, dialect.encoding, { skipLines: dialect.skipRows });
  const report = (error: Error | null): ValidationReport => ({
    valid: error === null,
    error: error ? describeError(error) : null,
    header: state.header,
    rowsChecked: state.rowsChecked,
    malformedRows: state.malformedRows,
    sampled,
    sizeBytes,
    compression: decoded.stats.compression ?? null,
    uncompressedBytes: decoded.stats.complete && !sampled ? decoded.stats.uncompressedBytes : null,
    statedUncompressedBytes: decoded.stats.compression === 'gzip' ? stated : null,
    uncompressedSizeBytes: uncompressedSize(),
    issues: state.issues,
  });

  function uncompressedSize(): number {
    if (decoded.stats.compression !== 'gzip') return sizeBytes;
    if (decoded.stats.complete && !sampled) return decoded.stats.uncompressedBytes;
    return Math.max(stated ?? 0, decoded.stats.uncompressedBytes, sizeBytes);
  }

  if (sizeBytes === 0) {
    source.destroy();
    return report(new EmptyFileError('the file is empty (0 bytes)'));
  }
  const parser = parse({ headers: false, ignoreEmpty: true, ...csvParseOptions(dialect) });
  source.on('error', (e) => parser.destroy(e));
  decoded.text.on('error', (e) => parser.destroy(e));
  decoded.text.pipe(parser);

  try {
    let columnsByPosition: PositionedColumn[] | undefined;
    /** The header positions read (a column of the dataset), when some are not (extra columns ignored). */
    let readPositions: number[] | undefined;
    let width = 0;
    const positioned = (columns: readonly DatasetConfig['columns'][number][]): PositionedColumn[] =>
      columns.map((column) => ({ column, check: valueCheck(column, columnRules(dataset, column)) }));
    if (!dialect.header) {
      const columns = positionalColumns(dataset);
      state.header = columns.map((c) => columnSource(c));
      columnsByPosition = positioned(columns);
      width = columns.length;
    }
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columnsByPosition) {
        state.header = normalizeHeader(record);
        const matched = matchHeader(state.header, dataset);
        width = matched.length;
        if (matched.some((c) => c === undefined)) readPositions = matched.flatMap((c, i) => (c === undefined ? [] : [i]));
        columnsByPosition = positioned(matched.filter((c) => c !== undefined));
        continue;
      }
      state.rowsChecked += 1;
      const problem =
        record.length !== width
          ? `expected ${width} fields, found ${record.length}`
          : rowProblem(readPositions ? readPositions.map((i) => record[i]) : record, columnsByPosition, dialect.delimiter);
      // Rows an unterminated quote swallowed: the file is refused, as the transform refuses it.
      if (problem !== undefined && isSwallowedRecord(problem)) return report(new MalformedCsvError(recordSplitMessage(`row ${state.rowsChecked}`, problem)));
      if (problem) {
        state.malformedRows += 1;
        if (state.issues.length < MAX_REPORTED_ISSUES) state.issues.push(`row ${state.rowsChecked}: ${problem}`);
      }
      if (decoded.stats.compression === 'gzip' && !trailerRead && options.gzipTrailer) {
        trailerRead = true;
        stated = gzipStatedSize(await options.gzipTrailer()) ?? null;
      }
      if (!sampled && decoded.stats.compression === 'gzip' && (stated ?? decoded.stats.uncompressedBytes) > maxBytes) sampled = true;
      if (sampled && state.rowsChecked >= dataset.validation.sampleRows) break;
    }
    if (!columnsByPosition) return report(new EmptyFileError('the file holds no CSV record, not even a header'));
    if (!dialect.header && state.rowsChecked === 0) return report(new EmptyFileError('the file holds no CSV record'));
  } catch (e: unknown) {
    if (e instanceof EncodingError || e instanceof HeaderMismatchError) return report(e);
    const reason = e instanceof Error ? e.message : String(e);
    return report(new MalformedCsvError(`the CSV cannot be parsed (${state.rowsChecked} data rows read before): ${reason}`, { cause: e }));
  } finally {
    decoded.text.unpipe();
    decoded.text.destroy();
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
  /** The column's value rules (core/value-rules.ts), compiled once per file. */
  readonly check: (raw: string) => ValueVerdict;
}

const swallowedByCount = new Map<string, RegExp>();
/** The compiled {@link swallowedRecordPattern} for a column count and delimiter. */
function swallowed(columnCount: number, delimiter: string): RegExp {
  const key = `${columnCount}:${delimiter}`;
  let regex = swallowedByCount.get(key);
  if (!regex) {
    regex = new RegExp(swallowedRecordPattern(columnCount, delimiter));
    swallowedByCount.set(key, regex);
  }
  return regex;
}

function rowProblem(record: readonly string[], columns: readonly PositionedColumn[], delimiter: string): string | undefined {
  if (record.length !== columns.length) return `expected ${columns.length} fields, found ${record.length}`;
  for (let i = 0; i < record.length; i += 1) {
    const { column, check } = columns[i];
    const value = record[i];
    const verdict = check(value);
    if (verdict.kind === 'missing') {
      if (!column.nullable) return `${column.name} is empty`;
    } else if (verdict.kind === 'bad') {
      return verdict.reason;
    } else if (column.type.kind === 'string' && swallowed(columns.length, delimiter).test(value)) {
      return `${column.name} ${SWALLOWED_RECORD_REASON}`;
    }
  }
  return undefined;
}

/** Options of {@link validateCsv}. */
export interface ValidateOptions {
  /**
   * Reads the last bytes of the file (at least the gzip trailer's `GZIP_TRAILER_BYTES`),
   * asked once the bytes are known to be gzip: the size it states decides sampling and routing.
   */
  readonly gzipTrailer?: () => Promise<Uint8Array>;
}

/** The fast-csv options of a dialect (the same reading as DuckDB's `read_csv` and Spark's CSV reader in the transform). */
export function csvParseOptions(dialect: DialectConfig): { delimiter: string; quote: string; escape: string } {
  return { delimiter: dialect.delimiter, quote: dialect.quoteChar, escape: dialect.escapeChar ?? dialect.quoteChar };
}
