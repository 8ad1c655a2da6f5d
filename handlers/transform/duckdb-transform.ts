/**
 * The DuckDB transform: runs a dataset's compiled transform plan (DuckDB dialect) on one input and
 * writes what the Glue job writes on AWS — Snappy Parquet under `load/<dataset>/dt=YYYY-MM-DD/`,
 * the dataset's merged current state under `load/latest/<dataset>/` (latest-state.ts), a rejects
 * file and the run report under `logs/glue-jobs/`, the last success under `load/_meta/<dataset>/`. Output files are named after the load, so a
 * rerun of the same load replaces its rows instead of adding them.
 *
 * One implementation, two places: the fast path's Lambda (over S3, in /tmp) and the local Glue
 * stand-in (over the bucket folder). The bucket is a {@link TransformStore}: the input is fetched
 * to a local file, the outputs are staged locally and put in place, the state's manifest is
 * written conditionally.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { type ColumnConfig, type DatasetConfig, type EtlConfig, getDataset } from '../../core/config/dataset-config';
import { EtlError, MalformedCsvError, QualityThresholdError, TransformError, describeError } from '../../core/errors';
import { datasetLoadPrefix, lastRunReportKey, latestStatePrefix, legacyLastRunReportKey } from '../../core/naming';
import { type QualityFinding, evaluateQuality } from '../../core/quality';
import { recordSplitMessage } from '../../core/rejects';
import { type RowCounts, type RunReport, type TransformProgress, failedRunCounts, runReportSchema } from '../../core/run-report';
import { ROW_KINDS, RUNNER_INPUTS, SINGLE_PASS_ROWS, type TransformPlan, compileTransformPlan } from '../../core/transform/compile-plan';
import { matchHeader, positionalColumns } from '../../core/validation/header';
import type { TransformArguments } from '../../core/transform/transform-arguments';
import type { TransformStore } from '../adapters/object-store';
import { watchProgress } from './duckdb-progress';
import { MAX_LINE_BYTES, type RejectsInput, collectUnsplit, lineBreaksSql, writeRejects } from './duckdb-rejects';
import { rows, run, sqlText } from './duckdb-sql';
import { type Clock, type PublishedState, publishLatestState } from './latest-state';
import { type CsvInputFile, csvInputBytes, prepareCsvInput, readCsvHeader } from './read-header';

/** Engine settings. */
export interface DuckDbTransformOptions {
  /** DuckDB `memory_limit`, e.g. `1GB` (spills to disk beyond it). @default '2GB' */
  readonly memoryLimit?: string;
  /** DuckDB worker threads. @default all cores */
  readonly threads?: number;
  /** What the state's publication reads as now (its version ids, the retention of old versions); tests move it. */
  readonly clock?: Clock;
}

/** Runs transforms over one bucket. */
export class DuckDbTransform {
  private readonly plans = new Map<string, TransformPlan>();
  private publishing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: TransformStore,
    private readonly config: EtlConfig,
    /** What the run reports name as their engine. */
    private readonly engine: 'duckdb' | 'lambda',
    /** A local folder for the run's files (input, staging, DuckDB's spill files), e.g. under /tmp on Lambda. */
    private readonly workDir: string,
    private readonly options: DuckDbTransformOptions = {},
  ) {}

  /**
   * Runs one transform to its end and returns its report (SUCCEEDED). Whatever happens the report
   * is written to `--report_key` first; on failure the run's error is thrown, an {@link EtlError}
   * (anything else becomes a {@link TransformError}) carrying the FAILED report. `onProgress`, if
   * given, is told what the run is doing while it runs (duckdb-progress.ts).
   */
  async run(args: TransformArguments, jobRunId: string, onProgress?: (progress: TransformProgress) => void): Promise<RunReport> {
    const startedAt = new Date();
    const base = {
      formatVersion: 1 as const,
      engine: this.engine,
      dataset: args['--dataset'],
      inputKey: args['--input_key'],
      executionName: args['--execution_name'],
      jobRunId,
      ingestionDate: args['--ingestion_date'],
      startedAt: startedAt.toISOString(),
      outputPrefix: datasetLoadPrefix(args['--dataset']),
      latestPrefix: latestStatePrefix(args['--dataset']),
    };
    let report: RunReport;
    try {
      report = await this.transform(args, base, onProgress);
    } catch (e: unknown) {
      const failure = e instanceof EtlError ? e : new TransformError(describeError(e).message, { cause: e });
      const error = describeError(failure);
      const partial = failure.report ?? {};
      report = finish(
        {
          ...emptyCounts(),
          ...base,
          outputFiles: [],
          latestFiles: [],
          latestRows: null,
          rejectsKey: null,
          previousRun: null,
          qualityFailures: [],
          ...partial,
          // Nothing loaded (core/run-report.ts): rowsOut 0, what was counted not loaded.
          ...failedRunCounts(partial, error.name),
          status: 'FAILED',
          error,
        },
        startedAt,
      );
      await this.writeReport(args['--bucket'], args['--report_key'], report);
      throw failure;
    }
    await this.writeReport(args['--bucket'], args['--report_key'], report);
    await this.writeReport(args['--bucket'], lastRunReportKey(args['--dataset']), report);
    return report;
  }

  private plan(name: string): TransformPlan {
    let plan = this.plans.get(name);
    if (!plan) {
      plan = compileTransformPlan(getDataset(this.config, name), 'duckdb');
      this.plans.set(name, plan);
    }
    return plan;
  }

  /**
   * One run, phase by phase: open the input (header matched, file linked), register it, run the
   * plan into the staging folder and count, check quality, write the rejects, publish. Once the
   * engine is open, whatever fails, it is closed and the staging folder and the link removed.
   */
  private async transform(args: TransformArguments, base: RunIdentity, onProgress?: (progress: TransformProgress) => void): Promise<RunReport> {
    const dataset = getDataset(this.config, args['--dataset']);
    const plan = this.plan(dataset.name);
    // The volume check compares with the last run that finished before this one started: read
    // now, so a run finishing meanwhile does not change this one's outcome.
    const previousRun = this.previousRun(args['--bucket'], dataset.name, args['--execution_name']);
    previousRun.catch(() => undefined);
    const runDir = path.join(this.workDir, base.jobRunId);
    await mkdir(runDir, { recursive: true });
    const output = new StagedOutput(this.store, args['--bucket'], dataset.name, args['--load_id'], plan.partitionColumn, path.join(runDir, 'output'));
    let db: DuckDBConnection | undefined;
    let instance: DuckDBInstance | undefined;
    let stopProgress: (() => void) | undefined;
    // The engine starts while the input is fetched and its header read (a fixed cost of every
    // run, a large part of a small file's); closed below whatever happens.
    const creating = this.createInstance();
    creating.catch(() => undefined);
    try {
      const input = await this.openInput(args, dataset, runDir).catch(async (e: unknown) => {
        instance = await creating.catch(() => undefined);
        throw e;
      });
      instance = await creating;
      const previous = await previousRun;
      db = await instance.connect();
      if (onProgress) ({ db, stop: stopProgress } = await watchProgress(db, input.input.file, onProgress));
      await registerInputs(db, dataset, input, args['--ingestion_date']);
      // One pass over the input (the rows in the file's order, typed, with their reasons), then one
      // over its clean rows that writes the output and counts what it wrote and left out.
      const read = await readRows(db, plan, input);
      const counts = await writeOutput(db, plan, output, read, dataset.partitioning.by === 'column');
      const failures = evaluateQuality(counts, previous?.rowsOut, plan.quality).filter((f) => f.level === 'fail');
      const reportSoFar = {
        ...counts,
        duplicatesRemoved: counts.exactDuplicates + counts.keyDuplicates,
        previousRun: previous,
        qualityFailures: failures.map((f) => f.message),
      };

      // The counts are known and the gate decided: the rejects file is written either way (DuckDB
      // streams it; a refused file's rejects say why), before anything is published.
      const rejectsKey = counts.malformedRows > 0 ? `logs/glue-jobs/${dataset.name}/${args['--execution_name']}.rejects.csv` : null;
      let broken: { readonly line: number; readonly reason: string } | undefined;
      if (rejectsKey) {
        const file = path.join(runDir, 'rejects.csv');
        broken = await writeRejects(db, instance, rejectsInput(plan, input), read.unsplit, file);
        await this.store.putFile(args['--bucket'], rejectsKey, file);
      }
      refuseFailedRun(broken, failures, { ...reportSoFar, rejectsKey });
      const load = { bucket: args['--bucket'], dataset: dataset.name, jobRunId: base.jobRunId, rows: counts.rowsOut };
      const { outputFiles, state } = await this.publish(db, plan, output, load, runDir);
      const published = { outputFiles, latestFiles: state.files, latestRows: state.rows };
      return finish({ ...base, ...reportSoFar, status: 'SUCCEEDED', ...published, rejectsKey, error: null }, new Date(base.startedAt));
    } finally {
      stopProgress?.();
      db?.closeSync();
      instance?.closeSync();
      await rm(runDir, { recursive: true, force: true });
    }
  }

  /** Fetches the input's version to a local file and matches its header with the dataset. */
  private async openInput(args: TransformArguments, dataset: DatasetConfig, runDir: string): Promise<RunInput> {
    // The version the execution was started for, whatever the key holds now. A plain name:
    // DuckDB expands *, ? and [..] in read_csv paths, so `orders[1].csv` is never read as a pattern.
    const fetched = path.join(runDir, 'input.csv');
    if (!(await this.store.fetchToFile(args['--bucket'], args['--input_key'], args['--input_version_id'], fetched))) {
      throw new TransformError(`s3://${args['--bucket']}/${args['--input_key']} (version ${args['--input_version_id']}) does not exist`);
    }
    // gzip (detected) is read by DuckDB itself; another encoding than UTF-8 is transcoded first.
    const input = await prepareCsvInput(fetched, dataset.dialect, path.join(runDir, 'input-utf8.csv'));
    if (!dataset.dialect.header) {
      const columns = positionalColumns(dataset);
      return { header: [], headerLineBreaks: undefined, columns, width: columns.length, input };
    }
    const header = await readCsvHeader(input, dataset.dialect);
    const columns = matchHeader(header.names, dataset);
    return { header: header.names, headerLineBreaks: header.lineBreaks, columns, width: header.names.length, input };
  }

  /** A DuckDB instance of one run, under the memory limit, spilling to the work folder. */
  private createInstance(): Promise<DuckDBInstance> {
    return DuckDBInstance.create(':memory:', {
      memory_limit: this.options.memoryLimit ?? '2GB',
      temp_directory: path.join(this.workDir, 'duckdb-spill'),
      // Row order carries no meaning here; without it DuckDB streams and spills with less memory.
      preserve_insertion_order: 'false',
      ...(this.options.threads ? { threads: String(this.options.threads) } : {}),
    });
  }

  /** Moves the staged output into place, then publishes the dataset's new state. */
  private async publish(
    db: DuckDBConnection,
    plan: TransformPlan,
    output: StagedOutput,
    load: { bucket: string; dataset: string; jobRunId: string; rows: number },
    runDir: string,
  ): Promise<{ outputFiles: string[]; state: PublishedState }> {
    // One publication at a time in this process (another process sharing the bucket loses a race
    // on the state's manifest and merges again).
    const published = this.publishing.then(async () => {
      const { keys, rewroteLoad } = await output.publish();
      return { outputFiles: keys, state: await publishLatestState(db, this.store, plan, { ...load, keys, rewroteLoad }, runDir, this.options.clock) };
    });
    this.publishing = published.catch(() => undefined);
    return published;
  }

  /**
   * The last successful run ({@link lastRunReportKey}); when there is none yet, where releases
   * before the move to `load/_meta/` kept it ({@link legacyLastRunReportKey}, under `logs/glue-jobs/`),
   * so the first run after an upgrade still compares its volume. Only the new key is written.
   */
  private async previousRun(bucket: string, dataset: string, executionName: string): Promise<RunReport['previousRun']> {
    const text = (await this.store.readText(bucket, lastRunReportKey(dataset))) ?? (await this.store.readText(bucket, legacyLastRunReportKey(dataset)));
    if (text === undefined) return null;
    const parsed = runReportSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    // A rerun of the same execution compares against the run before it, not against itself.
    if (parsed.data.executionName === executionName) return parsed.data.previousRun;
    return { executionName: parsed.data.executionName, rowsOut: parsed.data.rowsOut };
  }

  private async writeReport(bucket: string, key: string, report: RunReport): Promise<void> {
    await this.store.write(bucket, key, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  }
}

/**
 * Registers the runner's inputs: the file as text columns (the dataset's columns it lacks as NULL)
 * and the run's parameters.
 */
async function registerInputs(db: DuckDBConnection, dataset: DatasetConfig, input: RunInput, ingestionDate: string): Promise<void> {
  // Every field of the file by position (`c0`, `c1`, …: a header text may hold any characters),
  // the extra columns ignored included (a record's field count is checked against the header).
  const csvColumns = Array.from({ length: input.width }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const d = dataset.dialect;
  await run(
    db,
    `CREATE TEMP VIEW etl_raw_file AS SELECT * FROM read_csv(${sqlText(input.input.file)}, header = ${d.header}, skip = ${d.skipRows}, ` +
      `auto_detect = false, columns = {${csvColumns}}, delim = ${sqlText(d.delimiter)}, quote = ${sqlText(d.quoteChar)}, ` +
      `escape = ${sqlText(d.escapeChar ?? d.quoteChar)}, compression = ${sqlText(input.input.compression)}, ` +
      `store_rejects = true, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${2 * MAX_LINE_BYTES})`,
  );
  const position = new Map(input.columns.flatMap((c, i) => (c === undefined ? [] : [[c.name, i] as const])));
  // The line breaks inside the quoted values of the fields not read (extra columns ignored): the
  // rejects count the others from the rows read (duckdb-rejects.ts), only when a run has rejects.
  const ignored = input.columns.flatMap((c, i) => (c === undefined ? [`"c${i}"`] : []));
  const lineBreaks = ignored.length === 0 ? 'CAST(NULL AS BIGINT)' : ignored.map((f) => lineBreaksSql(f)).join(' + ');
  await run(
    db,
    `CREATE TEMP VIEW ${RUNNER_INPUTS.raw} AS SELECT ${dataset.columns
      .map((c) => (position.has(c.name) ? `"c${position.get(c.name)}" AS "${c.name}"` : `CAST(NULL AS VARCHAR) AS "${c.name}"`))
      .join(', ')}, ${lineBreaks} AS _etl_line_breaks FROM etl_raw_file`,
  );
  await run(db, `CREATE TEMP VIEW ${RUNNER_INPUTS.params} AS SELECT DATE '${ingestionDate}' AS ingestion_date`);
}

/** What the read of the input found: the records read (rows of etl_rows) and the records set aside. */
interface ReadRows {
  readonly read: number;
  readonly unsplit: number;
}

/**
 * Reads the input once, in order, into the working database's `etl_rows` (the plan's single-pass
 * rows: typed values, reasons, raw records of the rejects, line breaks) and collects the records
 * DuckDB could not split.
 */
async function readRows(db: DuckDBConnection, plan: TransformPlan, input: RunInput): Promise<ReadRows> {
  // Tables go to a compressed in-memory database: a few times smaller than a temp table, so a
  // large input spills far less under the memory limit.
  await run(db, `ATTACH ':memory:' AS etl_work (COMPRESS)`);
  await run(db, 'USE etl_work');
  // In the file's order (rowid is the record's index among those read: the rejects' lines follow
  // from it); DuckDB reads in parallel and keeps the order at the insert.
  await run(db, 'SET preserve_insertion_order = true');
  const [created] = await rows<{ Count: bigint }>(db, `CREATE TABLE ${SINGLE_PASS_ROWS} AS ${plan.singlePass.rowsSql}`);
  await run(db, 'SET preserve_insertion_order = false');
  const unsplit = await collectUnsplit(db, { read: plan.read, width: input.width });
  return { read: Number(created.Count), unsplit };
}

/**
 * Writes the output (the plan's single-pass output: the rows to write, and the ones left out by
 * kind, the latter as empty rows into folders of their own) into the staging folder and counts
 * the run's rows from what the write reports of each file.
 */
async function writeOutput(db: DuckDBConnection, plan: TransformPlan, output: StagedOutput, read: ReadRows, manyPartitions: boolean): Promise<RowCounts> {
  // One file per partition (issue 22.3): DuckDB starts another file of a partition whose file it
  // closed, and it closes the least recently used beyond `partitioned_write_max_open_files`. Open
  // files stay well under Lambda's 1,024 descriptors; rows partitioned by a date column (any
  // number of dates) reach the write in partition order, so a partition is rarely reopened. An
  // ingestion-date load has one partition: no sort.
  await run(db, `SET partitioned_write_max_open_files = ${MAX_OPEN_PARTITION_FILES}`);
  const ordered = manyPartitions ? `SELECT * FROM (${plan.singlePass.outputSql}) ORDER BY ${KIND_COLUMN}, ${plan.partitionColumn}` : plan.singlePass.outputSql;
  const written = await output.stage(async (staging, pattern) =>
    rows<{ count: bigint; partition_keys: { key: string; value: string }[] }>(
      db,
      `COPY (${ordered}) TO ${sqlText(staging)} (FORMAT parquet, COMPRESSION snappy, ` +
        `PARTITION_BY (${KIND_COLUMN}, ${plan.partitionColumn}), FILENAME_PATTERN ${sqlText(pattern)}, OVERWRITE_OR_IGNORE, RETURN_STATS true)`,
    ),
  );
  const byKind = new Map<string, number>();
  for (const file of written) {
    const kind = file.partition_keys.find((k) => k.key === KIND_COLUMN)?.value ?? '';
    byKind.set(kind, (byKind.get(kind) ?? 0) + Number(file.count));
  }
  const rowsOut = byKind.get(ROW_KINDS.out) ?? 0;
  const exactDuplicates = byKind.get(ROW_KINDS.exactDuplicate) ?? 0;
  const keyDuplicates = byKind.get(ROW_KINDS.keyDuplicate) ?? 0;
  // The merge of the state reads the load's rows from its written files.
  const last = plan.steps[plan.steps.length - 1].name;
  const files = output.stagedFiles();
  const columns = plan.columns.map((c) => `"${c.name}"`).join(', ');
  await run(
    db,
    files.length > 0
      ? `CREATE VIEW ${last} AS SELECT * FROM read_parquet([${files.map(sqlText).join(', ')}])`
      : `CREATE VIEW ${last} AS SELECT ${columns} FROM ${SINGLE_PASS_ROWS} WHERE false`,
  );
  const malformedRows = read.read - (rowsOut + exactDuplicates + keyDuplicates) + read.unsplit;
  return { rowsIn: read.read + read.unsplit, malformedRows, exactDuplicates, keyDuplicates, rowsOut };
}

/** The column of the single-pass output that says what each row is ({@link ROW_KINDS}). */
const KIND_COLUMN = '_etl_kind';

/** Partition files the output's write keeps open at once (DuckDB's default is 100). */
const MAX_OPEN_PARTITION_FILES = 512;

/**
 * Fails the run, before anything is published, when a record swallowed others or a `fail`
 * threshold was crossed; the error carries the report so far.
 */
function refuseFailedRun(
  broken: { readonly line: number; readonly reason: string } | undefined,
  failures: readonly QualityFinding[],
  reportSoFar: Partial<RunReport>,
): void {
  if (broken) {
    throw new MalformedCsvError(recordSplitMessage(`line ${broken.line}`, broken.reason), { report: reportSoFar });
  }
  if (failures.length > 0) {
    // Nothing is loaded: the staged output is discarded by the caller (transform's finally).
    throw new QualityThresholdError(failures.map((f) => f.message).join('; '), { report: reportSoFar });
  }
}

/** What the rejects need of the run's input. */
function rejectsInput(plan: TransformPlan, input: RunInput): RejectsInput {
  return {
    read: plan.read,
    columns: plan.columns,
    start: { skipLines: plan.read.skipRows, headerLineBreaks: input.headerLineBreaks },
    width: input.width,
    swallowedRecordPattern: plan.swallowedRecordPattern,
    bytes: () => csvInputBytes(input.input),
  };
}

/**
 * The output of one load, written to a local staging folder of the run first and put in place
 * (`load/<dataset>/dt=…/part-<load id>-<n>.parquet`, replacing this load's earlier files) only once
 * the quality checks passed.
 */
class StagedOutput {
  constructor(
    private readonly store: TransformStore,
    private readonly bucket: string,
    private readonly dataset: string,
    /** The load the files belong to: they are named `part-<load id>-<n>.parquet`. */
    private readonly id: string,
    private readonly partitionColumn: string,
    /** A local folder of this run. */
    private readonly staging: string,
  ) {}

  /**
   * Runs `write(stagingDir, filenamePattern)` on an empty staging folder; returns its result. The
   * write puts the output's files under `<staging>/_etl_kind=out/`, and may put others beside it.
   */
  async stage<T>(write: (staging: string, pattern: string) => Promise<T>): Promise<T> {
    await rm(this.staging, { recursive: true, force: true });
    await mkdir(this.staging, { recursive: true });
    return write(this.staging, `part-${this.id}-{i}`);
  }

  /** The folder of the files to publish. */
  private get outDir(): string {
    return path.join(this.staging, `${KIND_COLUMN}=${ROW_KINDS.out}`);
  }

  /** Paths of the staged files (`<out folder>/<partition>=<value>/<file>`), sorted. */
  stagedFiles(): string[] {
    const dir = this.outDir;
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((partition) => partition.startsWith(`${this.partitionColumn}=`))
      .flatMap((partition) => readdirSync(path.join(dir, partition)).map((file) => path.join(dir, partition, file)))
      .sort();
  }

  /**
   * Puts the staged files in place (they stay staged: the state's merge reads them); returns their
   * keys, and whether the table held files of this load before (listed before the write: a
   * correction or a rerun, whose state is then recomputed from the whole table).
   */
  async publish(): Promise<{ keys: string[]; rewroteLoad: boolean }> {
    const files = this.stagedFiles();
    const table = datasetLoadPrefix(this.dataset);
    const keys = files.map((file) => `${table}${path.relative(this.outDir, file).split(path.sep).join('/')}`);
    const earlier = (await this.store.listKeys(this.bucket, `${table}${this.partitionColumn}=`)).filter((key) =>
      path.posix.basename(key).startsWith(`part-${this.id}-`),
    );
    // The new files first (an object is replaced whole), then what this load wrote before and did
    // not write again: a reader never sees the load's rows twice, nor none of them.
    for (const [n, file] of files.entries()) await this.store.putFile(this.bucket, keys[n], file);
    const written = new Set(keys);
    for (const key of earlier) if (!written.has(key)) await this.store.delete(this.bucket, key);
    return { keys, rewroteLoad: earlier.length > 0 };
  }
}

/** The fields of a run report known before the transform starts. */
type RunIdentity = Pick<
  RunReport,
  'formatVersion' | 'engine' | 'dataset' | 'inputKey' | 'executionName' | 'jobRunId' | 'ingestionDate' | 'startedAt' | 'outputPrefix' | 'latestPrefix'
>;

/** The input of one run, as opened by `openInput`. */
interface RunInput {
  /** The file's header (normalised); `[]` for a file without one. */
  readonly header: readonly string[];
  /** The line breaks inside the header's quoted names; `undefined` for a file without a header. */
  readonly headerLineBreaks: number | undefined;
  /** The dataset's column of each position of the file (`undefined`: an extra column, ignored). */
  readonly columns: readonly (ColumnConfig | undefined)[];
  /** The fields of a record. */
  readonly width: number;
  /** The local file, plain-named, that DuckDB reads (and the rejects' lines are numbered by): UTF-8, possibly gzip. */
  readonly input: CsvInputFile;
}

function emptyCounts() {
  return { rowsIn: 0, malformedRows: 0, exactDuplicates: 0, keyDuplicates: 0, duplicatesRemoved: 0, rowsOut: 0 };
}

function finish(report: Omit<RunReport, 'finishedAt' | 'durationMs'>, startedAt: Date): RunReport {
  const finishedAt = new Date();
  return { ...report, finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime() };
}
