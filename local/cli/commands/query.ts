/** `etl query "<SQL>"`: SQL with DuckDB over the local bucket's tables, the ones the catalog declares. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';
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

/** Adds `query` to the program. */
export function queryCommand(program: Command, { io }: CliContext): Command {
  const command = program
    .command('query')
    .description('run SQL with DuckDB over the local tables the catalog declares: <dataset> (its loads, dt a string) and <dataset>_latest (its current state)')
    .argument('[sql]', 'one SQL statement, e.g. "SELECT dt, count(*) FROM orders GROUP BY dt"')
    .addOption(rootOption())
    .addOption(configOption())
    .addOption(jsonOption('print one JSON object per row (BIGINT and DECIMAL as exact strings, timestamps ISO 8601 UTC)').conflicts('csv'))
    .addOption(new Option('--csv', 'print CSV with a header (NULL as an empty field)').conflicts('json'));
  return command.action(async (sql: string | undefined, opts: QueryOptions) => {
    if (sql === undefined || sql.trim() === '') throw new UsageError(`query: no SQL given; usage: etl ${command.name()} ${command.usage()}`);
    const root = path.resolve(opts.root);
    if (!existsSync(path.join(root, 'bucket')) || !statSync(root).isDirectory()) {
      throw new UsageError(`--root ${opts.root}: no local bucket there (${path.join(root, 'bucket')}); load files with etl run or etl watch first`);
    }
    const config = loadConfig(resolveConfig(opts.config));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let result: DuckDBResultReader;
    try {
      // Instants print in UTC, as the engines store them.
      await connection.run("SET TimeZone = 'UTC'");
      await registerQueryTables(connection, new FolderBucket(root), config);
      result = await connection.runAndReadAll(sql);
    } catch (e: unknown) {
      // DuckDB's errors come from its addon (another realm under jest): read the message, not the class.
      const message = typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : String(e);
      throw new QueryFailedError(oneLineError(message), { cause: e });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const lines = opts.json ? jsonLines(result) : opts.csv ? csvLines(result) : textTable(result);
    for (const line of lines) io.out(line);
  });
}
