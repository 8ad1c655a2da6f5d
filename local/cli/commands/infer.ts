/**
 * `etl infer <file>`: prints a config document declaring one dataset that loads the file with no
 * malformed row: its dialect (DuckDB's CSV sniffer), encoding and compression, each column's
 * source header, snake_case name, type and value format (core/config/infer-dataset.ts).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { Command } from 'commander';

import { type SniffedDialect, inferDataset, InferError } from '../../../core/config/infer-dataset';
import { readInput } from '../../../core/config/infer-input';
import { EncodingError } from '../../../core/errors';
import { UsageError } from '../../shared/errors';
import { type CliContext, EXIT, reportError } from '../cli-context';
import { jsonOption } from '../options';

/** The options of `etl infer`. */
export interface InferOptions {
  readonly dataset?: string;
  readonly json?: boolean;
}

/** A dataset name the config accepts (lower snake_case, not reserved). */
const DATASET_NAME = /^[a-z][a-z0-9_]*$/;

/** A file that cannot be read or made a dataset of (exit 1, one line). */
export class InferFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InferFailedError';
  }
}

/** Adds `infer` to the program. */
export function inferCommand(program: Command, { io, result }: CliContext): Command {
  const command = program
    .command('infer')
    .description(
      'print a config document (JSON) declaring one dataset that loads the file: dialect, encoding, compression, column names, types and formats inferred from its values',
    )
    .argument('<file>', 'a CSV file (plain or gzip, any delimiter of , ; tab |)')
    .option('--dataset <name>', "the dataset's name (default: the file's name in snake_case)")
    .addOption(jsonOption('print the document on one line'));
  return command.action(async (file: string, opts: InferOptions) => {
    if (opts.dataset !== undefined && (!DATASET_NAME.test(opts.dataset) || opts.dataset === 'latest' || opts.dataset.endsWith('_latest'))) {
      throw new UsageError(`--dataset ${opts.dataset}: must be lower snake_case (a-z, 0-9, _), starting with a letter, not "latest" nor ending in "_latest"`);
    }
    let bytes: Buffer;
    try {
      if (!statSync(file).isFile()) throw new UsageError(`${file}: not a file`);
      bytes = readFileSync(file);
    } catch (e: unknown) {
      if (e instanceof UsageError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
      return fail(new InferFailedError(`${file}: cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`, { cause: e }));
    }
    try {
      const decoded = await readInput(bytes);
      const sniffed = await sniff(decoded.text);
      const inferred = inferDataset({ fileName: path.basename(file), decoded, datasetName: opts.dataset, sniffed });
      if (opts.json) {
        io.out(JSON.stringify(inferred.document));
      } else {
        io.out(JSON.stringify(inferred.document, null, 2));
        const { dialect } = inferred.dataset;
        io.err(
          `etl infer: ${path.basename(file)}: ${decoded.compression === 'gzip' ? 'gzip, ' : ''}${dialect.encoding}, delimiter ${JSON.stringify(dialect.delimiter)}, ` +
            `${dialect.header ? 'a header' : 'no header'}${dialect.skipRows > 0 ? ` below ${count(dialect.skipRows, 'skipped line')}` : ''}; ` +
            `${count(inferred.dataset.columns.length, 'column')}, ${count(inferred.rows, 'row')}`,
        );
      }
      for (const note of inferred.notes) io.err(`etl infer: ${note}`);
    } catch (e: unknown) {
      if (e instanceof EncodingError) return fail(new InferFailedError(`${file}: ${e.message}`, { cause: e }));
      if (e instanceof InferError) return fail(new InferFailedError(e.message, { cause: e }));
      throw e;
    }
  });

  function fail(e: Error): void {
    reportError(io, e, Boolean(command.opts<InferOptions>().json));
    result.exitCode = EXIT.failed;
  }
}

/** `1 row`, `2 rows`. */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The sniffer's text for "none". */
const NONE = '(empty)';

/**
 * What DuckDB's CSV sniffer sees of the decoded text (written to a temporary UTF-8 file): the
 * delimiter, quote, escape, header and lines to skip. Nothing when it fails: infer detects them.
 */
export async function sniff(text: string): Promise<SniffedDialect> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etl-infer-'));
  const file = path.join(dir, 'input.csv');
  writeFileSync(file, text);
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT Delimiter, Quote, Escape, SkipRows, HasHeader FROM sniff_csv('${file.replace(/'/g, "''")}')`);
      const [row] = reader.getRowObjectsJS() as { Delimiter: string; Quote: string; Escape: string; SkipRows: number | bigint; HasHeader: boolean }[];
      if (!row) return {};
      return {
        delimiter: row.Delimiter,
        ...(row.Quote === NONE ? {} : { quoteChar: row.Quote }),
        ...(row.Escape === NONE ? {} : { escapeChar: row.Escape }),
        skipRows: Number(row.SkipRows),
        header: row.HasHeader,
      };
    } finally {
      connection.closeSync();
    }
  } catch {
    return {};
  } finally {
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
