/**
 * Validation measurements: the Validate step's `validateCsv` over a file, against a bare
 * fast-csv parse and a bare csv-parse of the same bytes (each counts records, nothing else).
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';

import { parse as csvParse } from 'csv-parse';
import { parse as fastCsvParse } from 'fast-csv';

import { type DatasetConfig, getDataset, parseConfigText } from '../core/config/dataset-config';
import { type ValidationReport, validateCsv } from '../core/validation/validate-csv';
import { DEFAULT_CONFIG_PATH } from './paths';

/** One timed pass over a file. */
export interface ParseRun {
  readonly ms: number;
  readonly cpuMs: number;
  /** CSV records seen (header included for the bare parsers; data rows for validation). */
  readonly records: number;
  /** Bytes read from the file. */
  readonly bytesRead: number;
}

const HIGH_WATER_MARK = 64 * 1024;

async function timed(body: () => Promise<{ records: number; bytesRead: number }>): Promise<ParseRun> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = await body();
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, ...result };
}

/** Streams the file through a CSV parser, counting records and checking nothing. */
function countRecords(file: string, parser: () => NodeJS.ReadWriteStream): Promise<ParseRun> {
  return timed(
    () =>
      new Promise((resolve, reject) => {
        let records = 0;
        const source = createReadStream(file, { highWaterMark: HIGH_WATER_MARK });
        source
          .pipe(parser())
          .on('data', () => {
            records += 1;
          })
          .on('error', reject)
          .on('end', () => resolve({ records, bytesRead: source.bytesRead }));
      }),
  );
}

/** A bare fast-csv parse of the file: records counted, nothing checked. */
export function bareFastCsv(file: string): Promise<ParseRun> {
  return countRecords(file, () => fastCsvParse({ headers: false, ignoreEmpty: true }));
}

/** A bare csv-parse parse of the file: records counted, nothing checked. */
export function bareCsvParse(file: string): Promise<ParseRun> {
  return countRecords(file, () => csvParse({ skip_empty_lines: true }));
}

/** The `orders` dataset, optionally with every file scanned in full. */
export function ordersDataset(fullScan: boolean): DatasetConfig {
  const dataset = getDataset(parseConfigText(readFileSync(DEFAULT_CONFIG_PATH, 'utf-8'), DEFAULT_CONFIG_PATH), 'orders');
  return fullScan ? { ...dataset, validation: { ...dataset.validation, fullScanMaxBytes: Number.MAX_SAFE_INTEGER } } : dataset;
}

/** The Validate step's checks over the file, as the Lambda streams it. */
export async function validateFile(file: string, dataset: DatasetConfig): Promise<ParseRun & { report: ValidationReport }> {
  let report: ValidationReport | undefined;
  const run = await timed(async () => {
    const source = createReadStream(file, { highWaterMark: HIGH_WATER_MARK });
    report = await validateCsv(source, dataset, statSync(file).size);
    return { records: report.rowsChecked, bytesRead: source.bytesRead };
  });
  return { ...run, report: report as ValidationReport };
}
