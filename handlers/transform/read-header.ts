/**
 * The transform's input as DuckDB reads it: the file the object version was fetched to, its
 * compression detected from the bytes (gzip, whatever the name), transcoded to UTF-8 first when
 * the dataset declares another encoding (core/input-decoding.ts, the decoder Validate uses), and
 * its header read with fast-csv in the dataset's dialect (quoted names and a BOM handled).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { parse } from 'fast-csv';

import type { DialectConfig } from '../../core/config/dataset-config';
import { COMPRESSION_MAGIC_BYTES, decodeInput, detectCompression, effectiveEncoding } from '../../core/input-decoding';
import { csvParseOptions } from '../../core/validation/validate-csv';
import { normalizeHeader } from '../../core/validation/header';

/** The file DuckDB reads and how. */
export interface CsvInputFile {
  /** UTF-8 text (the fetched file itself, or its transcoded copy), possibly gzip. */
  readonly file: string;
  /** `read_csv`'s `compression`. */
  readonly compression: 'gzip' | 'none';
}

/**
 * The file DuckDB reads for `fetched`: itself when it is UTF-8 (gzip read natively by DuckDB),
 * else a UTF-8 copy at `utf8File`. A compression no engine reads is an EncodingError.
 */
export async function prepareCsvInput(fetched: string, dialect: DialectConfig, utf8File: string): Promise<CsvInputFile> {
  const handle = await open(fetched, 'r');
  let compression: 'gzip' | 'none';
  try {
    const head = Buffer.alloc(COMPRESSION_MAGIC_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    compression = detectCompression(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
  if (effectiveEncoding(dialect.encoding) === 'utf-8') return { file: fetched, compression };
  // Lenient: what does not decode becomes U+FFFD, which makes its row malformed (as DuckDB does with bytes that are not UTF-8).
  const { text } = decodeInput(createReadStream(fetched, { highWaterMark: 1024 * 1024 }), dialect.encoding, { lenient: true });
  await pipeline(text, createWriteStream(utf8File));
  return { file: utf8File, compression: 'none' };
}

/** The decoded text of a prepared input (or of the fetched file), the `skipRows` lines removed; lenient (U+FFFD for bad bytes). */
function csvInputText(input: CsvInputFile, dialect: DialectConfig): Readable {
  // A prepared input is UTF-8 (gzip detected again by the decoder).
  return decodeInput(createReadStream(input.file, { highWaterMark: 64 * 1024 }), 'utf-8', { skipLines: dialect.skipRows, lenient: true }).text;
}

/** The header of an input: its normalised names, and the line breaks inside its quoted names (the lines it spans beyond one). */
export interface CsvHeader {
  readonly names: string[];
  readonly lineBreaks: number;
}

/** The header of the input (after `skipRows`); no name when it has no record. */
export async function readCsvHeader(input: CsvInputFile, dialect: DialectConfig): Promise<CsvHeader> {
  const source = csvInputText(input, dialect);
  const parser = parse({ headers: false, ignoreEmpty: true, maxRows: 1, ...csvParseOptions(dialect) });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      return { names: normalizeHeader(record), lineBreaks: record.reduce((n, name) => n + (name.match(/\r\n|\r|\n/g)?.length ?? 0), 0) };
    }
    return { names: [], lineBreaks: 0 };
  } finally {
    source.destroy();
  }
}

/**
 * The bytes of a prepared input as its lines are counted (gzip inflated, every member): for the
 * scan for empty lines (core/rejects.ts `emptyLines`), the one read of the input besides the engine's.
 */
export function csvInputBytes(input: CsvInputFile): Readable {
  const file = createReadStream(input.file, { highWaterMark: 4 * 1024 * 1024 });
  if (input.compression === 'none') return file;
  const gunzip = createGunzip();
  file.on('error', (e) => gunzip.destroy(e));
  return file.pipe(gunzip);
}
