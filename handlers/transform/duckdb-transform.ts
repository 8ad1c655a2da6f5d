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
import { writeToPath } from 'fast-csv';

import { type ColumnConfig, DEFAULT_DIALECT, type DatasetConfig, type EtlConfig, getDataset } from '../../core/config/dataset-config';
import { EtlError, MalformedCsvError, QualityThresholdError, TransformError, describeError } from '../../core/errors';
import { datasetLoadPrefix, lastRunReportKey, latestStatePrefix, legacyLastRunReportKey } from '../../core/naming';
import { type QualityFinding, evaluateQuality } from '../../core/quality';
import {
  REJECTS_COLUMNS,
  type RejectToNumber,
  hasUnclosedQuote,
  numberRejects,
  recordSplitFailure,
  recordSplitMessage,
  valueRejectFields,
} from '../../core/rejects';
import { type RowCounts, type RunReport, runReportSchema } from '../../core/run-report';
import { type PlanStep, RUNNER_INPUTS, type TransformPlan, compileTransformPlan } from '../../core/transform/compile-plan';
import { matchHeader, positionalColumns } from '../../core/validation/header';
import type { TransformArguments } from '../../core/transform/transform-arguments';
import type { TransformStore } from '../adapters/object-store';
import { one, rows, run, sqlText } from './duckdb-sql';
import { type Clock, type PublishedState, publishLatestState } from './latest-state';
import { type CsvInputFile, csvInputText, prepareCsvInput, readCsvHeader } from './read-header';

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
   * (anything else becomes a {@link TransformError}) carrying the FAILED report.
   */
  async run(args: TransformArguments, jobRunId: string): Promise<RunReport> {
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
      report = await this.transform(args, base);
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
  private async transform(args: TransformArguments, base: RunIdentity): Promise<RunReport> {
    const dataset = getDataset(this.config, args['--dataset']);
    const plan = this.plan(dataset.name);
    // The volume check compares with the last run that finished before this one started: read
    // now, so a run finishing meanwhile does not change this one's outcome.
    const previous = await this.previousRun(args['--bucket'], dataset.name, args['--execution_name']);
    const runDir = path.join(this.workDir, base.jobRunId);
    await mkdir(runDir, { recursive: true });
    const output = new StagedOutput(this.store, args['--bucket'], dataset.name, args['--load_id'], plan.partitionColumn, path.join(runDir, 'output'));
    let db: DuckDBConnection | undefined;
    let instance: DuckDBInstance | undefined;
    try {
      const input = await this.openInput(args, dataset, runDir);
      instance = await this.createInstance();
      db = await instance.connect();
      await registerInputs(db, dataset, input, args['--ingestion_date']);
      const counts = await runPlan(db, plan, output);
      const failures = evaluateQuality(counts, previous?.rowsOut, plan.quality).filter((f) => f.level === 'fail');
      const reportSoFar = {
        ...counts,
        duplicatesRemoved: counts.exactDuplicates + counts.keyDuplicates,
        previousRun: previous,
        qualityFailures: failures.map((f) => f.message),
      };

      const rejectsKey = counts.malformedRows > 0 ? `logs/glue-jobs/${dataset.name}/${args['--execution_name']}.rejects.csv` : null;
      const rejects = rejectsKey ? await this.writeRejects(db, plan, input, args['--bucket'], rejectsKey, path.join(runDir, 'rejects.csv')) : [];
      refuseFailedRun(rejects, failures, plan, { ...reportSoFar, rejectsKey });
      const load = { bucket: args['--bucket'], dataset: dataset.name, jobRunId: base.jobRunId, rows: counts.rowsOut };
      const { outputFiles, state } = await this.publish(db, plan, output, load, runDir);
      const published = { outputFiles, latestFiles: state.files, latestRows: state.rows };
      return finish({ ...base, ...reportSoFar, status: 'SUCCEEDED', ...published, rejectsKey, error: null }, new Date(base.startedAt));
    } finally {
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
      return { header: [], columns, width: columns.length, input };
    }
    const header = await readCsvHeader(input, dataset.dialect);
    const columns = matchHeader(header, dataset);
    return { header, columns, width: header.length, input };
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

  /** The rejects file: DuckDB's structural rejects and the plan's, each with its line. */
  private async writeRejects(db: DuckDBConnection, plan: TransformPlan, input: RunInput, bucket: string, key: string, file: string): Promise<RejectToNumber[]> {
    // One row per rejected record (DuckDB may list several errors of one); its `line` is the
    // record's ordinal (a blank line counted, a line break inside quotes not).
    const structural = await rows<{ ordinal: bigint; reject_reason: string; record: string }>(
      db,
      `SELECT line AS ordinal, min(error_message) AS reject_reason, min(csv_line) AS record FROM reject_errors ` +
        `WHERE scan_id = (SELECT min(scan_id) FROM reject_errors) GROUP BY line`,
    );
    const byValue = await rows<{ reject_reason: string; record: string }>(db, `SELECT reject_reason, record FROM (${plan.rejectsSql})`);
    const toNumber: RejectToNumber[] = [
      ...(await Promise.all(
        structural.map(async ({ ordinal, ...row }) => ({
          row: { line: null, ...row },
          find: { ordinal: Number(ordinal) },
          unclosedQuote: await hasUnclosedQuote(row.record, plan.read),
        })),
      )),
      ...byValue.map((row) => ({
        row: { line: null, ...row },
        find: { fields: valueRejectFields(row.record, readNames(input)) },
        unclosedQuote: false,
      })),
    ];
    const dialect = this.config.datasets.find((d) => d.name === plan.dataset)?.dialect ?? DEFAULT_DIALECT;
    const numbered = await numberRejects(csvInputText(input.input, dialect), toNumber, {
      dialect: plan.read,
      skippedLines: plan.read.skipRows,
      header: plan.read.header,
      readPositions: readPositions(input),
    });
    await new Promise<void>((resolve, reject) => {
      writeToPath(file, numbered, { headers: [...REJECTS_COLUMNS] })
        .on('error', reject)
        .on('finish', () => resolve());
    });
    await this.store.putFile(bucket, key, file);
    return toNumber;
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
      `store_rejects = true, max_line_size = 16777216, buffer_size = 33554432)`,
  );
  const position = new Map(input.columns.flatMap((c, i) => (c === undefined ? [] : [[c.name, i] as const])));
  await run(
    db,
    `CREATE TEMP VIEW ${RUNNER_INPUTS.raw} AS SELECT ${dataset.columns
      .map((c) => (position.has(c.name) ? `"c${position.get(c.name)}" AS "${c.name}"` : `CAST(NULL AS VARCHAR) AS "${c.name}"`))
      .join(', ')} FROM etl_raw_file`,
  );
  await run(db, `CREATE TEMP VIEW ${RUNNER_INPUTS.params} AS SELECT DATE '${ingestionDate}' AS ingestion_date`);
}

/** Runs the plan's steps, writes the output to the staging folder and counts the run's rows. */
async function runPlan(db: DuckDBConnection, plan: TransformPlan, output: StagedOutput): Promise<RowCounts> {
  // One pass over the data: the steps the metrics read (the last excepted) are created first;
  // the rest of the plan runs inside the statement that writes the output. No step is
  // computed twice: the metrics count the last step's rows in what was written, and a first
  // state is a copy of the written files.
  const inOutput = await createStepsBeforeOutput(db, plan);
  const structural = await countStructuralRejects(db);
  const written = await writeOutput(db, plan, inOutput, output);
  return countRows(db, plan, output, written, structural);
}

/** Creates the steps the metrics read (see {@link splitPlan}); returns the steps left for the output statement. */
async function createStepsBeforeOutput(db: DuckDBConnection, plan: TransformPlan): Promise<PlanStep[]> {
  // Tables go to a compressed in-memory database: a few times smaller than a temp table, so a
  // large input spills far less under the memory limit.
  await run(db, `ATTACH ':memory:' AS etl_work (COMPRESS)`);
  await run(db, 'USE etl_work');
  const { before, inOutput } = splitPlan(plan);
  for (const step of before) {
    await run(db, `CREATE ${step.materialize ? 'TABLE' : 'VIEW'} ${step.name} AS ${step.sql}`);
  }
  return inOutput;
}

/** The number of lines DuckDB set aside while reading the file. */
async function countStructuralRejects(db: DuckDBConnection): Promise<number> {
  // The first scan (materialising etl_typed) filled reject_errors with the lines DuckDB could
  // not split into the header's fields.
  return Number((await one(db, `SELECT count(DISTINCT line) AS n FROM reject_errors`)).n);
}

/** Writes the output (the steps left as CTEs of the one COPY statement) into the staging folder. */
async function writeOutput(db: DuckDBConnection, plan: TransformPlan, inOutput: readonly PlanStep[], output: StagedOutput): Promise<WrittenOutput> {
  const ctes = inOutput.map((step) => `${step.name} AS ${cteMaterialization(step, inOutput)}(${step.sql})`);
  const query = `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}${plan.outputSql}`;
  const rowCount = await output.stage(async (staging, pattern) => {
    const result = await one(
      db,
      `COPY (${query}) TO ${sqlText(staging)} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (${plan.partitionColumn}), ` +
        `FILENAME_PATTERN ${sqlText(pattern)}, OVERWRITE_OR_IGNORE)`,
    );
    return Number(result.Count);
  });
  return { query, rowCount };
}

/**
 * The run's counts from the plan's metrics, the last step read back from the written files (an
 * empty view when nothing was written); fails when they hold other than the rows written.
 */
async function countRows(db: DuckDBConnection, plan: TransformPlan, output: StagedOutput, written: WrittenOutput, structural: number): Promise<RowCounts> {
  const last = plan.steps[plan.steps.length - 1].name;
  const files = output.stagedFiles();
  await run(
    db,
    files.length > 0
      ? `CREATE VIEW ${last} AS SELECT * FROM read_parquet([${files.map(sqlText).join(', ')}])`
      : `CREATE VIEW ${last} AS SELECT * FROM (${written.query}) LIMIT 0`,
  );
  const m = await one(db, plan.metricsSql);
  if (Number(m.output_rows) !== written.rowCount)
    throw new TransformError(`wrote ${written.rowCount} rows, but the written files hold ${String(m.output_rows)}`);
  return {
    rowsIn: Number(m.rows_typed) + structural,
    malformedRows: Number(m.malformed_rows) + structural,
    exactDuplicates: Number(m.clean_rows) - Number(m.distinct_rows),
    keyDuplicates: Number(m.distinct_rows) - Number(m.output_rows),
    rowsOut: Number(m.output_rows),
  };
}

/**
 * Fails the run, before anything is published, when a record swallowed others or a `fail`
 * threshold was crossed; the error carries the report so far.
 */
function refuseFailedRun(rejects: readonly RejectToNumber[], failures: readonly QualityFinding[], plan: TransformPlan, reportSoFar: Partial<RunReport>): void {
  const broken = recordSplitFailure(rejects, plan.swallowedRecordPattern);
  if (broken) {
    throw new MalformedCsvError(recordSplitMessage(`line ${broken.line ?? '?'}`, broken.reason), { report: reportSoFar });
  }
  if (failures.length > 0) {
    // Nothing is loaded: the staged output is discarded by the caller (transform's finally).
    throw new QualityThresholdError(failures.map((f) => f.message).join('; '), { report: reportSoFar });
  }
}

/**
 * Splits the plan for one pass: `before` are the steps up to the last one the metrics read (the
 * last step excepted: its rows are counted in the written output), created as temp tables or
 * views; `inOutput` are the steps computed inside the statement that writes the output.
 */
export function splitPlan(plan: TransformPlan): { before: PlanStep[]; inOutput: PlanStep[] } {
  const lastIndex = plan.steps.length - 1;
  let cut = 0;
  plan.steps.forEach((step, index) => {
    if (index < lastIndex && new RegExp(`\\b${step.name}\\b`).test(plan.metricsSql)) cut = index + 1;
  });
  return { before: plan.steps.slice(0, cut), inOutput: plan.steps.slice(cut) };
}

/**
 * How a step computed inside the output statement is materialised: a step that only reads what
 * was created before (tables, views over them) is read again where used, not copied (scanning a
 * compressed table costs less than copying it); another step the plan materialises is computed
 * once (MATERIALIZED); the others are left to DuckDB.
 */
function cteMaterialization(step: PlanStep, inOutput: readonly PlanStep[]): string {
  const readsStepsOfStatement = inOutput.some((other) => other !== step && new RegExp(`\\b${other.name}\\b`).test(step.sql));
  if (!readsStepsOfStatement) return 'NOT MATERIALIZED ';
  return step.materialize ? 'MATERIALIZED ' : '';
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

  /** Runs `write(stagingDir, filenamePattern)` on an empty staging folder; returns its result. */
  async stage<T>(write: (staging: string, pattern: string) => Promise<T>): Promise<T> {
    await rm(this.staging, { recursive: true, force: true });
    await mkdir(this.staging, { recursive: true });
    return write(this.staging, `part-${this.id}-{i}`);
  }

  /** Paths of the staged files (`<staging>/<partition>=<value>/<file>`), sorted. */
  stagedFiles(): string[] {
    if (!existsSync(this.staging)) return [];
    return readdirSync(this.staging)
      .filter((partition) => partition.startsWith(`${this.partitionColumn}=`))
      .flatMap((partition) => readdirSync(path.join(this.staging, partition)).map((file) => path.join(this.staging, partition, file)))
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
    const keys = files.map((file) => `${table}${path.relative(this.staging, file).split(path.sep).join('/')}`);
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
  /** The dataset's column of each position of the file (`undefined`: an extra column, ignored). */
  readonly columns: readonly (ColumnConfig | undefined)[];
  /** The fields of a record. */
  readonly width: number;
  /** The local file, plain-named, that DuckDB reads (and the rejects' lines are numbered by): UTF-8, possibly gzip. */
  readonly input: CsvInputFile;
}

/** The output names of the positions read, in file order (a value reject's fields). */
function readNames(input: RunInput): string[] {
  return input.columns.flatMap((c) => (c === undefined ? [] : [c.name]));
}

/** The positions read, when some are not (extra columns ignored). */
function readPositions(input: RunInput): number[] | undefined {
  return input.columns.some((c) => c === undefined) ? input.columns.flatMap((c, i) => (c === undefined ? [] : [i])) : undefined;
}

/** What the output statement wrote to the staging folder. */
interface WrittenOutput {
  /** The output statement's query (the plan's last steps as CTEs). */
  readonly query: string;
  /** The rows the COPY reported. */
  readonly rowCount: number;
}

function emptyCounts() {
  return { rowsIn: 0, malformedRows: 0, exactDuplicates: 0, keyDuplicates: 0, duplicatesRemoved: 0, rowsOut: 0 };
}

function finish(report: Omit<RunReport, 'finishedAt' | 'durationMs'>, startedAt: Date): RunReport {
  const finishedAt = new Date();
  return { ...report, finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime() };
}
