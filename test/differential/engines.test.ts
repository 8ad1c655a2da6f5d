/**
 * The differential suite: the same files through both engines — DuckDB (the local default) and
 * glue/etl_runner.py on real PySpark 3.5 (what AWS Glue runs) — compared on what a user gets:
 * the outcome, the counts, the rows in load/ (as sets, values exactly: decimals as text,
 * timestamps as microseconds, text byte for byte), the Parquet logical types and the number of
 * rejected rows. Inputs: every file of the bad-input corpus (also those Validate rejects: they
 * reach the transform when beyond Validate's sample), the generated large files, and the cases
 * of `cases.ts`. Where the engines cannot agree, `divergences.ts` says why and pins each engine.
 * The fast path's handler (TransformInLambda) runs every input too and must agree with the local
 * DuckDB engine exactly, divergences included; the merged states of `STATE_SEQUENCES` likewise.
 *
 * Runs under TZ=America/New_York, as every jest suite does (jest.config.js): local results must
 * not depend on the laptop's time zone.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';

import { type EtlConfig, parseConfigText } from '../../core/config/dataset-config';
import { datasetLoadPrefix, inputId, lastRunReportKey, latestManifestKey, latestStatePrefix, parseLatestManifest, runReportKey } from '../../core/naming';
import { type RunReport, runReportSchema } from '../../core/run-report';
import { FolderBucket } from '../../local/runtime/folder-bucket';
import { capturedObservability } from '../../local/runtime/log-capture';
import { DuckDbGlueJob } from '../../local/runtime/engines/duckdb-job';
import { EtlError } from '../../core/errors';
import type { TransformArguments } from '../../core/transform/transform-arguments';
import { createTransformInLambdaHandler } from '../../handlers/transform-in-lambda';
import { type EngineName } from '../../local/runtime/engines/glue-job';
import { JobRunFailedError } from '../../local/runtime/errors';
import { SparkGlueJob } from '../../local/runtime/engines/spark-job';
import { CASES, CORPUS_FILES } from '../corpus/cases';
import { PROJECT_ROOT } from '../helpers/local-root';
import { DIFFERENTIAL_CASES, READER_DATASETS, READINGS_DATASET, STATE_SEQUENCES, VALUE_DATASETS } from './cases';
import { DIVERGENCES, type EngineObservation } from './divergences';

/** One input for both engines. */
interface Input {
  readonly name: string;
  readonly dataset: string;
  readonly key: string;
  readonly write: (file: string) => void;
  readonly rejectLines?: readonly number[];
  /** The byte ranges the Spark runner reads the file in (its `--csv_split_bytes`); its default otherwise. */
  readonly sparkSplitBytes?: number;
}

/** What one engine made of one input. */
export interface Observation extends EngineObservation {
  readonly parquetTypes: readonly string[];
  readonly rows: readonly string[];
  /** The rejects file's line numbers, in its order (line order). */
  readonly rejectLines: readonly number[];
  /** The rejects file's reasons, in its order: every engine words them alike (core/rejects.ts). */
  readonly rejectReasons: readonly string[];
  /** The rejects file itself (its header, rows in line order, final newline): every engine writes the same bytes. */
  readonly rejectsText: string | null;
}

/** The Spark runner's byte ranges for the written cases (a few hundred bytes: several ranges each). */
const WRITTEN_CASES_SPLIT_BYTES = 200;

/**
 * Cases whose rejects files still differ in their record (and here their reason), open work: DuckDB sets
 * aside the raw text of a row that is not UTF-8 where Spark, decoding it to U+FFFD, writes its values
 * as JSON; and DuckDB names a quote nothing closes where Spark reads one 11-field record whose last
 * value swallowed the rest (a value reject). Both end alike (lines, counts, error); only the
 * rejects file's bytes and reasons are left out of the comparison for these.
 */
const REJECTS_SPELT_APART = new Set([
  'corpus: Latin-1 bytes (not UTF-8)',
  'corpus: unterminated quote mid-file (swallows the rest of the file)',
  'corpus: invalid UTF-8 beyond the validation sample of a large file',
  'invalid UTF-8 in one row',
]);

const work = mkdtempSync(path.join(os.tmpdir(), 'etl-differential-'));
const generated = mkdtempSync(path.join(os.tmpdir(), 'etl-differential-generated-'));

function config(): EtlConfig {
  const project = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8')) as { datasets: unknown[] };
  return parseConfigText(JSON.stringify({ datasets: [...project.datasets, READINGS_DATASET, ...VALUE_DATASETS, ...READER_DATASETS] }), 'differential config');
}

function inputs(): Input[] {
  const corpus = CASES.filter(
    (c) => c.rawEventKey === undefined && c.key.startsWith('extract/') && !c.key.startsWith('extract/archived/') && !c.key.startsWith('extract/rejected/'),
  )
    .filter((c) => c.key.toLowerCase().endsWith('.csv'))
    .map<Input>((c) => ({
      name: `corpus: ${c.name}`,
      dataset: 'orders',
      key: c.key.replace(/^extract\//, 'extract/differential/'),
      write: (file) =>
        writeFileSync(
          file,
          c.file !== undefined ? readFileSync(path.join(CORPUS_FILES, c.file)) : readFileSync((c.generate as (dir: string) => string)(generated)),
        ),
    }));
  const written = DIFFERENTIAL_CASES.map<Input>((c, n) => ({
    name: c.name,
    rejectLines: c.rejectLines,
    // Spark reads the written cases in ranges of a few hundred bytes: their quoted line breaks,
    // doubled quotes and CR LF fall across the cuts (glue/split_read.py).
    sparkSplitBytes: c.sparkSplitBytes ?? WRITTEN_CASES_SPLIT_BYTES,
    dataset: c.dataset ?? 'orders',
    key: `extract/differential/case-${n}-${c.dataset ?? 'orders'}.csv`,
    write: (file) => writeFileSync(file, c.content),
  }));
  return [...corpus, ...written];
}

/**
 * What runs a transform here: the two engines of the Glue job (the local stand-in and
 * glue/etl_runner.py on Spark) and the fast path's handler (TransformInLambda) over a bucket folder
 * (its S3 store is proven on moto's S3 in test/adapters/transform-in-lambda.test.ts).
 */
type Runner = EngineName | 'lambda';
const RUNNERS: readonly Runner[] = ['duckdb', 'spark', 'lambda'];

/** The fast path's handler, called as the state machine's Task calls it. */
function fastPath(bucket: FolderBucket, config: EtlConfig): { run(args: TransformArguments): Promise<unknown>; close(): void } {
  const handler = createTransformInLambdaHandler({
    config,
    store: bucket,
    obs: capturedObservability('transform-in-lambda', path.join(work, 'lambda-logs')),
    workDir: path.join(work, 'lambda-work'),
  });
  return { run: (args) => handler({ Arguments: args }), close: () => undefined };
}

/** Runs every runner, each on a bucket of its own. */
class Engines {
  readonly config = config();
  readonly buckets: Record<Runner, FolderBucket> = {
    duckdb: new FolderBucket(path.join(work, 'duckdb')),
    spark: new FolderBucket(path.join(work, 'spark')),
    lambda: new FolderBucket(path.join(work, 'lambda')),
  };
  readonly jobs: Record<Runner, { run(args: TransformArguments): Promise<unknown>; close(): void }> = {
    duckdb: new DuckDbGlueJob(this.buckets.duckdb, this.config, 'etl-transformation-job'),
    spark: new SparkGlueJob(this.buckets.spark, this.config, 'etl-transformation-job', { threads: 2 }),
    lambda: fastPath(this.buckets.lambda, this.config),
  };
  private readonly db = DuckDBInstance.create(':memory:').then((instance) => instance.connect());

  async observe(engine: Runner, input: Input, content: string): Promise<Observation> {
    const bucket = this.buckets[engine];
    const executionName = `differential-${inputId(input.key)}`;
    // Each input is judged on its own: no volume comparison with the previous one, no state to
    // merge into (the merge has its own cases: STATE_SEQUENCES).
    this.forget(engine, input.dataset);
    const target = bucket.pathOf(input.key);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(content, target);
    let errorName: string | null = null;
    // An argument of the Glue job only (the runner's optional --csv_split_bytes).
    const split: Record<string, string> =
      engine === 'spark' && input.sparkSplitBytes !== undefined ? { '--csv_split_bytes': String(input.sparkSplitBytes) } : {};
    try {
      await this.jobs[engine].run({
        '--bucket': bucket.name,
        '--input_key': input.key,
        '--input_version_id': 'null',
        '--load_id': inputId(input.key),
        '--dataset': input.dataset,
        '--execution_name': executionName,
        '--ingestion_date': '2026-11-24',
        '--report_key': runReportKey(input.dataset, executionName),
        ...split,
      });
    } catch (e: unknown) {
      // The fast path throws the run's error itself, a Glue job run fails with it in its message.
      if (e instanceof EtlError) errorName = e.name;
      else if (!(e instanceof JobRunFailedError)) throw e;
      else errorName = /^(\w+):/.exec((JSON.parse(e.message) as { ErrorMessage: string }).ErrorMessage)?.[1] ?? 'unnamed';
    }
    const report = this.report(engine, input.dataset, executionName);
    const rejectsText = report.rejectsKey ? readFileSync(bucket.pathOf(report.rejectsKey), 'utf8') : null;
    const rejectRows = rejectsText !== null ? (parse(rejectsText, { columns: true }) as { line: string; reject_reason: string }[]) : [];
    const rejects = rejectRows.length;
    // Every row accounted for, in either engine: read = loaded + duplicates + malformed + not
    // loaded (a refused run loads nothing), and the rejects file has one row per malformed row,
    // each with the line it starts on.
    expect({ engine, rowsIn: report.rowsIn, rejects, unnumbered: rejectRows.filter((r) => !/^[1-9][0-9]*$/.test(r.line)) }).toEqual({
      engine,
      rowsIn: report.rowsOut + report.duplicatesRemoved + report.malformedRows + (report.rowsNotLoaded ?? 0),
      rejects: report.malformedRows,
      unnumbered: [],
    });
    const files = report.outputFiles.map((key) => bucket.pathOf(key));
    return {
      status: report.status,
      errorName,
      counts: [report.rowsIn, report.rowsOut, report.exactDuplicates, report.keyDuplicates, report.malformedRows],
      rejects,
      rejectLines: rejectRows.map((r) => Number(r.line)),
      rejectReasons: rejectRows.map((r) => r.reject_reason),
      rejectsText,
      ...(await this.readOutput(files, input.dataset)),
    };
  }

  /** Loads one file into the dataset as it stands (its state merged into); returns the state's rows and the report's count of them. */
  async load(engine: Runner, dataset: string, key: string, content: string): Promise<{ rows: string[]; latestRows: number | null }> {
    const bucket = this.buckets[engine];
    const executionName = `differential-${inputId(key)}`;
    mkdirSync(path.dirname(bucket.pathOf(key)), { recursive: true });
    writeFileSync(bucket.pathOf(key), content);
    await this.jobs[engine].run({
      '--bucket': bucket.name,
      '--input_key': key,
      '--input_version_id': 'null',
      '--load_id': inputId(key),
      '--dataset': dataset,
      '--execution_name': executionName,
      '--ingestion_date': '2026-11-25',
      '--report_key': runReportKey(dataset, executionName),
    });
    const state = parseLatestManifest(readFileSync(bucket.pathOf(latestManifestKey(dataset)), 'utf-8')).map((k) => bucket.pathOf(k));
    return { rows: (await this.readOutput(state, dataset, { partitioned: false })).rows, latestRows: this.report(engine, dataset, executionName).latestRows };
  }

  /** Removes the dataset's last run report and its state (and, with `table`, its table: `load/<dataset>/`). */
  forget(engine: Runner, dataset: string, { table = false } = {}): void {
    const bucket = this.buckets[engine];
    rmSync(bucket.pathOf(lastRunReportKey(dataset)), { force: true });
    rmSync(bucket.pathOf(latestStatePrefix(dataset).slice(0, -1)), { recursive: true, force: true });
    if (table) rmSync(bucket.pathOf(datasetLoadPrefix(dataset).slice(0, -1)), { recursive: true, force: true });
  }

  private report(engine: Runner, dataset: string, executionName: string): RunReport {
    return runReportSchema.parse(JSON.parse(readFileSync(this.buckets[engine].pathOf(runReportKey(dataset, executionName)), 'utf-8')));
  }

  /** The written rows as canonical text, and the Parquet schema of the files. */
  private async readOutput(files: readonly string[], dataset: string, { partitioned = true } = {}): Promise<{ rows: string[]; parquetTypes: string[] }> {
    if (files.length === 0) return { rows: [], parquetTypes: [] };
    const db = await this.db;
    const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
    const columns = this.config.datasets.find((d) => d.name === dataset)?.columns ?? [];
    const canonical = columns.map((c) => {
      const name = `"${c.name}"`;
      // Instants as microseconds since the epoch; everything else as its exact text.
      return c.type.kind === 'timestamp' ? `CAST(epoch_us(${name}) AS VARCHAR)` : `CAST(${name} AS VARCHAR)`;
    });
    const rows = (
      await db.runAndReadAll(
        `SELECT to_json(list_value(${[...canonical, ...(partitioned ? ['CAST(dt AS VARCHAR)'] : [])].join(', ')})) AS row ` +
          `FROM read_parquet(${list}, hive_partitioning = ${partitioned}) ORDER BY 1`,
      )
    )
      .getRowObjectsJS()
      .map((r) => String(r.row));
    // Physical type and the type a reader resolves from the annotations (the engines annotate
    // alike types differently: Spark adds logical types, DuckDB converted types).
    const physical = new Map(
      (await db.runAndReadAll(`SELECT DISTINCT name, type FROM parquet_schema(${list}) WHERE num_children IS NULL OR num_children = 0`))
        .getRowObjectsJS()
        .map((r) => [String(r.name), String(r.type)]),
    );
    const schema = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${list}, hive_partitioning = false)`))
      .getRowObjectsJS()
      .map((r) => `${String(r.column_name)}: ${physical.get(String(r.column_name)) ?? '?'} read as ${String(r.column_type)}`)
      .sort();
    return { rows, parquetTypes: schema };
  }

  close(): void {
    for (const job of Object.values(this.jobs)) job.close();
  }
}

describe('DuckDB and Spark give the same results for the same files', () => {
  let engines: Engines;
  beforeAll(() => {
    engines = new Engines();
  });
  afterAll(() => {
    engines.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(generated, { recursive: true, force: true });
  });

  it.each(inputs().map((input) => [input.name, input] as const))(
    '%s',
    async (name, input) => {
      // Prepare
      const file = path.join(generated, `input-${inputId(input.key)}.csv`);
      input.write(file);

      // Act
      const duckdb = await engines.observe('duckdb', input, file);
      const spark = await engines.observe('spark', input, file);
      const lambda = await engines.observe('lambda', input, file);

      // Assess: the fast path is the local stand-in's transform, over a store: never a divergence
      expect(lambda).toEqual(duckdb);
      const divergence = DIVERGENCES[name];
      if (divergence) {
        expect({ duckdb: pinned(duckdb), spark: pinned(spark) }).toEqual({ duckdb: divergence.duckdb, spark: divergence.spark });
        if (divergence.rowText) {
          expect(duckdb.rows.some((row) => row.includes(divergence.rowText?.duckdb ?? ''))).toBe(true);
          expect(spark.rows.some((row) => row.includes(divergence.rowText?.spark ?? ''))).toBe(true);
        }
        return;
      }
      if (REJECTS_SPELT_APART.has(name)) {
        const lines = ({ rejectsText: _text, rejectReasons: _reasons, ...rest }: Observation): Omit<Observation, 'rejectsText' | 'rejectReasons'> => rest;
        expect(lines(spark)).toEqual(lines(duckdb));
      } else expect(spark).toEqual(duckdb);
      if (input.rejectLines) expect(duckdb.rejectLines).toEqual(input.rejectLines);
    },
    180_000,
  );

  it.each(STATE_SEQUENCES.map((sequence, n) => [sequence.name, sequence, n] as const))(
    'the merged state: %s',
    async (_name, sequence, n) => {
      // Prepare: no state; the table emptied too (a correction recomputes the state from the whole
      // table, which holds what the single-file cases wrote, engine by engine, divergences included)
      for (const engine of RUNNERS) engines.forget(engine, sequence.dataset, { table: true });

      for (const [i, content] of sequence.loads.entries()) {
        // Act: a load under a key of its own, or (replace) a correction under the sequence's one key
        const key = `extract/differential/state-${n}-${sequence.replace ? 'replace' : i}-${sequence.dataset}.csv`;
        const duckdb = await engines.load('duckdb', sequence.dataset, key, content);
        const spark = await engines.load('spark', sequence.dataset, key, content);
        const lambda = await engines.load('lambda', sequence.dataset, key, content);

        // Assess
        expect({ load: i, ...spark }).toEqual({ load: i, ...duckdb });
        expect({ load: i, ...lambda }).toEqual({ load: i, ...duckdb });
        expect(duckdb.latestRows).toBe(duckdb.rows.length);
        if (sequence.replace) {
          // … and the state is the last correction's rows (one per key): what it replaced is gone
          expect({ load: i, rows: duckdb.rows.length, corrected: duckdb.rows.some((row) => row.includes('ZZ-CORRECTED')) }).toEqual({
            load: i,
            rows: content.trim().split('\n').length - 1,
            corrected: content.includes('ZZ-CORRECTED'),
          });
        }
      }
    },
    180_000,
  );

  it('every divergence listed names a case of the suite', () => {
    const names = new Set(inputs().map((input) => input.name));
    expect(Object.keys(DIVERGENCES).filter((name) => !names.has(name))).toEqual([]);
  });

  it('ran under a time zone other than UTC', () => {
    expect(new Date('2026-11-24T10:15:00').toISOString()).toBe('2026-11-24T15:15:00.000Z');
  });
});

/** What a divergence pins of an engine's observation. */
function pinned(observation: Observation): EngineObservation {
  const { status, errorName, counts, rejects } = observation;
  return { status, errorName, counts, rejects };
}
