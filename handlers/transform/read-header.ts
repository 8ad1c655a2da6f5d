/** Reads the header record of a CSV file with fast-csv (quoted names and a BOM handled). */
import { createReadStream } from 'node:fs';

import { parse } from 'fast-csv';

import { normalizeHeader } from '../../core/validation/header';

/** The normalised header names of the file, or `[]` when it has no record. */
export async function readCsvHeader(file: string): Promise<string[]> {
  const source = createReadStream(file, { highWaterMark: 64 * 1024 });
  const parser = parse({ headers: false, ignoreEmpty: true, maxRows: 1 });
  source.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<string[]>) return normalizeHeader(record);
    return [];
  } finally {
    source.destroy();
  }
}
