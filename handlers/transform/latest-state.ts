/**
 * Publishes a dataset's current state (`load/latest/<dataset>/`) after a load, as the Glue runner
 * does (glue/etl_runner.py, `publish_latest_state`): a new version folder, then the manifest that
 * names it, written only if no other run replaced it meanwhile (else the merge is done again over
 * what that run published). A reader thus never sees the state empty or half-written, and two runs
 * finishing together never lose each other's rows.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import { LatestStateConflictError } from '../../core/errors';
import {
  formatLatestManifest,
  isAbandonedLatestVersion,
  latestManifestKey,
  latestStatePrefix,
  latestVersionId,
  latestVersionOf,
  latestVersionPrefix,
  parseLatestManifest,
} from '../../core/naming';
import { RUNNER_INPUTS, type TransformPlan } from '../../core/transform/compile-plan';
import type { TransformStore } from '../adapters/object-store';
import { one, rows, run, sqlText } from './duckdb-sql';

/** How often a publication that lost the race to another run's merges again before it gives up. */
export const LATEST_STATE_ATTEMPTS = 5;

/** What one load adds to the state. */
export interface LoadedFiles {
  readonly bucket: string;
  readonly dataset: string;
  readonly jobRunId: string;
  /** The keys of the load's files just published under `load/<dataset>/dt=…/` (declared columns only). */
  readonly keys: readonly string[];
  /** The rows they hold. */
  readonly rows: number;
}

/** The published version: its files and rows. */
export interface PublishedState {
  readonly files: string[];
  readonly rows: number;
}

/**
 * Merges the load into the dataset's state and publishes it. `db` has the plan's steps registered,
 * the plan's last step among them as a view of the load's written files (the transform counted its
 * rows there), which the merge reads. `workDir` is a local
 * folder of this run.
 */
export async function publishLatestState(
  db: DuckDBConnection,
  store: TransformStore,
  plan: TransformPlan,
  load: LoadedFiles,
  workDir: string,
): Promise<PublishedState> {
  const manifestKey = latestManifestKey(load.dataset);
  for (let attempt = 1; attempt <= LATEST_STATE_ATTEMPTS; attempt++) {
    const current = await store.readWithToken(load.bucket, manifestKey);
    const previous = current ? parseLatestManifest(current.text) : [];
    const version = latestVersionId(new Date(), attempt === 1 ? load.jobRunId : `${load.jobRunId}-${attempt}`);
    const prefix = latestVersionPrefix(load.dataset, version);
    // Without keys the state is the last load's rows; with keys and no state yet, the load's rows
    // are the state too (already one per key): copies of the files, no second write.
    const state =
      plan.latestSql === null || previous.length === 0
        ? await copyLoad(store, load, prefix)
        : await writeMerged(db, store, plan, load, previous, prefix, path.join(workDir, `state-${attempt}`));
    if (await store.writeIfMatch(load.bucket, manifestKey, formatLatestManifest(load.bucket, state.files), current?.token ?? null)) {
      const kept = [version, ...previous.map(latestVersionOf).filter((v) => v !== undefined)];
      await removeAbandonedVersions(store, load, kept);
      return state;
    }
    for (const key of state.files) await store.delete(load.bucket, key);
  }
  throw new LatestStateConflictError(
    `could not publish ${latestStatePrefix(load.dataset)}: other runs replaced it ${LATEST_STATE_ATTEMPTS} times while this one merged; the load itself is in place, a redrive publishes the state`,
  );
}

async function copyLoad(store: TransformStore, load: LoadedFiles, prefix: string): Promise<PublishedState> {
  const files = load.keys.map((_, n) => `${prefix}part-${n}.parquet`);
  for (const [n, key] of load.keys.entries()) await store.copy(load.bucket, key, files[n]);
  return { files, rows: load.rows };
}

async function writeMerged(
  db: DuckDBConnection,
  store: TransformStore,
  plan: TransformPlan,
  load: LoadedFiles,
  previous: readonly string[],
  prefix: string,
  dir: string,
): Promise<PublishedState> {
  await mkdir(dir, { recursive: true });
  const previousFiles: string[] = [];
  for (const [n, key] of previous.entries()) {
    const file = path.join(dir, `previous-${n}.parquet`);
    if (!(await store.fetchToFile(load.bucket, key, undefined, file))) {
      throw new LatestStateConflictError(`${key}, a file of the state this run merges into, is gone (another run removed it): merging again`);
    }
    previousFiles.push(file);
  }
  await run(db, `CREATE OR REPLACE VIEW ${RUNNER_INPUTS.previousLatest} AS ${await typedParquet(db, plan, previousFiles)}`);
  const file = path.join(dir, 'part-0.parquet');
  const written = await one(db, `COPY (${plan.latestSql}) TO ${sqlText(file)} (FORMAT parquet, COMPRESSION snappy)`);
  const key = `${prefix}part-0.parquet`;
  await store.putFile(load.bucket, key, file);
  return { files: [key], rows: Number(written.Count) };
}

/**
 * The declared columns of Parquet files, typed; a column the files lack (a nullable column added
 * since they were written) as NULL; no row when there is no file.
 */
async function typedParquet(db: DuckDBConnection, plan: TransformPlan, files: readonly string[]): Promise<string> {
  if (files.length === 0) {
    return `SELECT ${plan.columns.map((c) => `CAST(NULL AS ${c.sqlType}) AS "${c.name}"`).join(', ')} WHERE false`;
  }
  const source = `read_parquet([${files.map(sqlText).join(', ')}], union_by_name = true)`;
  const present = new Set((await rows<{ column_name: string }>(db, `DESCRIBE SELECT * FROM ${source}`)).map((c) => c.column_name));
  const projection = plan.columns.map((c) => `CAST(${present.has(c.name) ? `"${c.name}"` : 'NULL'} AS ${c.sqlType}) AS "${c.name}"`);
  return `SELECT ${projection.join(', ')} FROM ${source}`;
}

async function removeAbandonedVersions(store: TransformStore, load: LoadedFiles, keep: readonly string[]): Promise<void> {
  const now = new Date();
  for (const key of await store.listKeys(load.bucket, `${latestStatePrefix(load.dataset)}versions/`)) {
    const version = latestVersionOf(key);
    if (version !== undefined && isAbandonedLatestVersion(version, keep, now)) await store.delete(load.bucket, key);
  }
}
