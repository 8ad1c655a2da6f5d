/**
 * Publishes a dataset's current state (`load/latest/<dataset>/`) after a load, as the Glue runner
 * does (glue/etl_runner.py, `publish_latest_state`). Each attempt:
 * 1. reads the manifest (`_symlink_format_manifest/manifest`) and its token;
 * 2. computes the new state into a new version folder `versions/<version>/`: the load's rows
 *    merged over the files the manifest names (latestSql); or, when the table held files of this
 *    load before this run wrote (a correction under `reuploads: "replace"`, or a rerun), recomputed
 *    from every file of the table, so rows the load replaced leave the state; or, without keys or
 *    without a state yet, a copy of the load's files;
 * 3. writes the version's `_replaces` (the versions the manifest named), then the manifest naming
 *    the version's files, only if the manifest still has the token read in 1 (a retried write
 *    that was applied the first time counts as written: see `TransformStore.writeIfMatch`);
 * 4. on a lost race (or a file of the state it merged gone), goes back to 1 and merges again over
 *    what the other run published. The losing attempt's files are left as they are: nothing a
 *    manifest names, or named at any time, is deleted by a publication's retry;
 * 5. once published, deletes old versions by the retention rule (`latestVersionsToDelete`): the
 *    current one, those it replaced (recursively, while the replacing one is younger than
 *    `LATEST_VERSION_RETENTION_MS`) and every young version stay.
 * A reader thus never sees the state empty or half-written, a run or query reading a version
 * replaced meanwhile still finds its files, and two runs finishing together never lose each
 * other's rows.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import { LatestStateConflictError } from '../../core/errors';
import {
  LATEST_VERSION_RETENTION_MS,
  datasetLoadPrefix,
  formatLatestManifest,
  formatLatestReplaces,
  latestManifestKey,
  latestReplacesKey,
  latestStatePrefix,
  latestVersionCreatedAt,
  latestVersionId,
  latestVersionOf,
  latestVersionPrefix,
  latestVersionsToDelete,
  parseLatestManifest,
  parseLatestReplaces,
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
  /**
   * Whether the table held files of this load (`part-<load id>-…`) before this run wrote its own: a
   * correction (`reuploads: "replace"`: the load id is the key's) or a rerun. The state is then
   * recomputed from the whole table, so the rows the load replaced leave it.
   */
  readonly rewroteLoad: boolean;
}

/** The published version: its files and rows. */
export interface PublishedState {
  readonly files: string[];
  readonly rows: number;
}

/** What a publication reads as now (version ids, retention); tests move it. */
export type Clock = () => Date;

/**
 * Merges the load into the dataset's state and publishes it. `db` has the plan's steps registered,
 * the plan's last step among them as a view of the load's written files (the transform counted its
 * rows there), which the merge reads. `workDir` is a local folder of this run.
 */
export async function publishLatestState(
  db: DuckDBConnection,
  store: TransformStore,
  plan: TransformPlan,
  load: LoadedFiles,
  workDir: string,
  clock: Clock = () => new Date(),
): Promise<PublishedState> {
  const manifestKey = latestManifestKey(load.dataset);
  for (let attempt = 1; attempt <= LATEST_STATE_ATTEMPTS; attempt++) {
    const current = await store.readWithToken(load.bucket, manifestKey);
    const previous = current ? parseLatestManifest(current.text) : [];
    const version = latestVersionId(clock(), attempt === 1 ? load.jobRunId : `${load.jobRunId}-${attempt}`);
    const prefix = latestVersionPrefix(load.dataset, version);
    const dir = path.join(workDir, `state-${attempt}`);
    let state: PublishedState;
    try {
      state = await computeState(db, store, plan, load, previous, prefix, dir);
    } catch (e: unknown) {
      // A file of the state (or the table) it read is gone: merge again over what is there now.
      if (e instanceof LatestStateConflictError) continue;
      throw e;
    }
    const replaced = [...new Set(previous.map(latestVersionOf).filter((v) => v !== undefined))].sort();
    await store.write(load.bucket, latestReplacesKey(load.dataset, version), formatLatestReplaces(replaced), 'text/plain');
    if (await store.writeIfMatch(load.bucket, manifestKey, formatLatestManifest(load.bucket, state.files), current?.token ?? null)) {
      await removeOldVersions(store, load, version, clock());
      return state;
    }
    // Lost the race: this attempt's version stays as it is (the retention rule removes it once
    // old); the next attempt merges over what the other run published.
  }
  throw new LatestStateConflictError(
    `could not publish ${latestStatePrefix(load.dataset)}: other runs replaced it ${LATEST_STATE_ATTEMPTS} times while this one merged; the load itself is in place, a redrive publishes the state`,
  );
}

/** The new state's files in the version folder `prefix`. */
async function computeState(
  db: DuckDBConnection,
  store: TransformStore,
  plan: TransformPlan,
  load: LoadedFiles,
  previous: readonly string[],
  prefix: string,
  dir: string,
): Promise<PublishedState> {
  // Without keys the state is the last load's rows.
  if (plan.latestSql === null) return copyLoad(store, load, prefix);
  // A correction or a rerun: the state from the whole table (this load's files among them).
  // Costly by design: a correction reads every file of the table (over S3 the fast path downloads
  // them all to its work folder); an ordinary load reads only the state's files.
  if (load.rewroteLoad) {
    const table = (await store.listKeys(load.bucket, `${datasetLoadPrefix(load.dataset)}${plan.partitionColumn}=`)).filter((key) =>
      /\/[^/]+=[^/]+\/[^/]+\.parquet$/.test(key),
    );
    return writeMerged(db, store, plan, load, table, prefix, dir, 'table');
  }
  // With keys and no state yet, the load's rows are the state (already one per key): copies of
  // the files, no second write.
  if (previous.length === 0) return copyLoad(store, load, prefix);
  return writeMerged(db, store, plan, load, previous, prefix, dir, 'state');
}

async function copyLoad(store: TransformStore, load: LoadedFiles, prefix: string): Promise<PublishedState> {
  const files = load.keys.map((_, n) => `${prefix}part-${n}.parquet`);
  for (const [n, key] of load.keys.entries()) await store.copy(load.bucket, key, files[n]);
  return { files, rows: load.rows };
}

/**
 * Runs latestSql with the plan's previous-state input bound to `inputs` (the files the manifest
 * names, or every file of the table) and writes the result into the version folder.
 */
async function writeMerged(
  db: DuckDBConnection,
  store: TransformStore,
  plan: TransformPlan,
  load: LoadedFiles,
  inputs: readonly string[],
  prefix: string,
  dir: string,
  what: 'state' | 'table',
): Promise<PublishedState> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [n, key] of inputs.entries()) {
    const file = path.join(dir, `${what}-${n}.parquet`);
    if (!(await store.fetchToFile(load.bucket, key, undefined, file))) {
      throw new LatestStateConflictError(`${key}, a file of the ${what} this run merges, is gone (another run replaced it): merging again`);
    }
    files.push(file);
  }
  await run(db, `CREATE OR REPLACE VIEW ${RUNNER_INPUTS.previousLatest} AS ${await typedParquet(db, plan, files)}`);
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
  const source = `read_parquet([${files.map(sqlText).join(', ')}], union_by_name = true, hive_partitioning = false)`;
  const present = new Set((await rows<{ column_name: string }>(db, `DESCRIBE SELECT * FROM ${source}`)).map((c) => c.column_name));
  const projection = plan.columns.map((c) => `CAST(${present.has(c.name) ? `"${c.name}"` : 'NULL'} AS ${c.sqlType}) AS "${c.name}"`);
  return `SELECT ${projection.join(', ')} FROM ${source}`;
}

/**
 * Deletes the versions the retention rule lets go ({@link latestVersionsToDelete}), `current` being
 * the version just published. The rule reads the `_replaces` of young versions only: those are read
 * first (the listing tells which), so the rule itself stays pure.
 */
async function removeOldVersions(store: TransformStore, load: LoadedFiles, current: string, now: Date): Promise<void> {
  const keys = await store.listKeys(load.bucket, `${latestStatePrefix(load.dataset)}versions/`);
  const replaces = new Map<string, string[]>();
  for (const key of keys) {
    const version = latestVersionOf(key);
    const createdAt = version === undefined ? undefined : latestVersionCreatedAt(version);
    if (version === undefined || createdAt === undefined || key !== latestReplacesKey(load.dataset, version)) continue;
    if (createdAt.getTime() + LATEST_VERSION_RETENTION_MS <= now.getTime()) continue;
    const text = await store.readText(load.bucket, key);
    if (text !== undefined) replaces.set(version, parseLatestReplaces(text));
  }
  for (const key of latestVersionsToDelete(keys, current, (version) => replaces.get(version), now)) await store.delete(load.bucket, key);
}
