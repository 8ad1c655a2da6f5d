/** `etl query "<SQL>"`: SQL with DuckDB over the local bucket's tables, the ones the catalog declares. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { type DuckDBConnection, DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';
import { type Command, Option } from 'commander';

import { FolderBucket } from '../../runtime/folder-bucket';
import { registerQueryTables } from '../../runtime/query-tables';
import { UsageError } from '../../shared/errors';
import type { CliContext } from '../cli-context';
import { loadConfig, resolveConfig } from '../config-file';
import { QueryFailedError } from '../errors';
import { configOption, jsonOption, rootOption } from '../options';
import { csvLines, jsonLines, textTable } from '../query-output';

/** The options of `etl query`. */
export interface QueryOptions {
  readonly root: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly csv?: boolean;
}

/**
 * DuckDB's message on one line: the error's kind and text, without the caret under the statement
 * (`Parser Error: syntax error at or near "selec"`).
 */
export function oneLineError(message: string): string {
  const text = message.split(/\n\s*\nLINE \d+:/)[0];
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

/** SQL that holds no statement: only semicolons, white space and comments. */
const NO_STATEMENT = /^(?:\s|;|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*$/;

/** A failure of DuckDB as a {@link QueryFailedError} on one line; `where` names the statement of several. */
function queryFailed(e: unknown, where = ''): QueryFailedError {
  // DuckDB's errors come from its addon (another realm under jest): read the message, not the class.
  const message = typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : String(e);
  return new QueryFailedError(`${where}${oneLineError(message.replace(/^Failed to extract statements: /, ''))}`, { cause: e });
}

/**
 * Runs each statement of the SQL in turn (a later one sees what an earlier one made: a temporary
 * table, a setting) and returns every result; the first that fails stops the rest.
 */
async function runStatements(connection: DuckDBConnection, sql: string): Promise<DuckDBResultReader[]> {
  let extracted: Awaited<ReturnType<DuckDBConnection['extractStatements']>>;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (e: unknown) {
    throw queryFailed(e);
  }
  const results: DuckDBResultReader[] = [];
  for (let i = 0; i < extracted.count; i++) {
    try {
      const prepared = await extracted.prepare(i);
      results.push(await prepared.runAndReadAll());
    } catch (e: unknown) {
      throw queryFailed(e, extracted.count > 1 ? `statement ${i + 1} of ${extracted.count}: ` : '');
    }
  }
  return results;
}

/**
 * The lines of the results. One statement: its rows alone (a table, CSV, or a JSON object per
 * row). Several: each result in turn — tables and CSV blocks one after the other with a blank
 * line between them, with --json one line per statement, `{"statement": n, "rows": [...]}`.
 */
function resultLines(results: readonly DuckDBResultReader[], opts: QueryOptions): string[] {
  if (opts.json) {
    if (results.length === 1) return jsonLines(results[0]);
    return results.map((result, i) => `{"statement":${i + 1},"rows":[${jsonLines(result).join(',')}]}`);
  }
  const format = opts.csv ? csvLines : textTable;
  return results.flatMap((result, i) => [...(i > 0 ? [''] : []), ...format(result)]);
}

/** Adds `query` to the program. */
export function queryCommand(program: Command, { io }: CliContext): Command {
  const command = program
    .command('query')
    .description(
      'run SQL with DuckDB over the local tables the catalog declares: <dataset> (its loads, dt a string) and <dataset>_latest (its current state); several statements (;) run in turn, each result printed',
    )
    .argument('[sql]', 'SQL statements, e.g. "SELECT dt, count(*) FROM orders GROUP BY dt"')
    .addOption(rootOption())
    .addOption(configOption())
    .addOption(
      jsonOption(
        'print one JSON object per row (BIGINT and DECIMAL as exact strings, timestamps ISO 8601 UTC); of several statements, one {"statement","rows"} per statement',
      ).conflicts('csv'),
    )
    .addOption(
      new Option('--csv', 'print CSV with a header (NULL as an empty field); of several statements, a blank line between their CSVs').conflicts('json'),
    );
  return command.action(async (sql: string | undefined, opts: QueryOptions) => {
    if (sql === undefined || NO_STATEMENT.test(sql)) throw new UsageError(`query: no SQL given; usage: etl ${command.name()} ${command.usage()}`);
    const root = path.resolve(opts.root);
    if (!existsSync(path.join(root, 'bucket')) || !statSync(root).isDirectory()) {
      throw new UsageError(`--root ${opts.root}: no local bucket there (${path.join(root, 'bucket')}); load files with etl run or etl watch first`);
    }
    const config = loadConfig(resolveConfig(opts.config));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let results: DuckDBResultReader[];
    try {
      // Instants print in UTC, as the engines store them.
      await connection.run("SET TimeZone = 'UTC'");
      try {
        await registerQueryTables(connection, new FolderBucket(root), config);
      } catch (e: unknown) {
        throw queryFailed(e);
      }
      results = await runStatements(connection, sql);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    for (const line of resultLines(results, opts)) io.out(line);
  });
}
