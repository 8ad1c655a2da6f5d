/**
 * The progress of a DuckDB transform while it runs, for a progress display: DuckDB's own query
 * progress (`duckdb_query_progress`, readable while a statement runs on DuckDB's threads), polled,
 * and named after the statement running. A statement that reads the runner's raw input
 * (`RUNNER_INPUTS.raw`, the CSV file's view) is reading the input: DuckDB measures a CSV scan's
 * progress in bytes of the file, so its share of the file is the bytes read.
 */
import { statSync } from 'node:fs';

import type { DuckDBConnection } from '@duckdb/node-api';

import type { TransformProgress } from '../../core/run-report';
import { RUNNER_INPUTS } from '../../core/transform/compile-plan';

/** How often DuckDB's progress is read. */
const POLL_MS = 500;

/** The connection's methods that run a statement given as text (the first argument). */
const STATEMENT_METHODS = new Set<PropertyKey>(['run', 'runAndRead', 'runAndReadAll', 'runAndReadUntil', 'stream', 'streamAndRead', 'streamAndReadAll']);

const READS_INPUT = new RegExp(`\\b${RUNNER_INPUTS.raw}\\b`);

/** A connection observed for progress, and how to stop observing it. */
export interface WatchedConnection {
  /** The connection to run the transform's statements on (the same connection, its statements seen). */
  readonly db: DuckDBConnection;
  /** Stops polling. */
  readonly stop: () => void;
}

/**
 * Turns DuckDB's progress tracking on for `db` and reports, every {@link POLL_MS} while a statement
 * runs, what it is doing and how far it is; `inputFile` is the file the raw input view reads.
 */
export async function watchProgress(db: DuckDBConnection, inputFile: string, onProgress: (progress: TransformProgress) => void): Promise<WatchedConnection> {
  // Tracked from the first millisecond (DuckDB's default waits 2 s), never printed by DuckDB.
  await db.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0');
  const bytesTotal = statSync(inputFile).size;
  let statement = '';
  const watched = new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!STATEMENT_METHODS.has(property)) return value.bind(target);
      return (sql: unknown, ...rest: unknown[]) => {
        if (typeof sql === 'string') statement = sql;
        return (value as (...args: unknown[]) => unknown).call(target, sql, ...rest);
      };
    },
  });
  const timer = setInterval(() => {
    const progress = progressOf(statement, db.progress.percentage, bytesTotal);
    if (progress) onProgress(progress);
  }, POLL_MS);
  timer.unref();
  return { db: watched, stop: () => clearInterval(timer) };
}

/**
 * What the statement running is doing, from its text and DuckDB's percentage (negative: none
 * runs, `undefined`); `inputBytes` is the size of the file the raw input view reads.
 */
export function progressOf(statement: string, percentage: number, inputBytes: number): TransformProgress | undefined {
  if (percentage < 0) return undefined;
  if (READS_INPUT.test(statement)) {
    return { phase: 'reading the input', percent: percentage, bytesRead: Math.round((percentage / 100) * inputBytes), bytesTotal: inputBytes };
  }
  return { phase: /^\s*COPY\b/i.test(statement) ? 'writing Parquet' : 'transforming', percent: percentage };
}
