/**
 * The local stand-in for the Glue job: runs the dataset's compiled transform plan (DuckDB dialect)
 * on the input file and writes what the Glue job writes on AWS — Snappy Parquet under
 * `load/<dataset>/dt=YYYY-MM-DD/`, the dataset's merged current state under `load/latest/<dataset>/`
 * (latest-state.ts), a rejects file and the run report under `logs/glue-jobs/`. Output files are
 * named after the input, so a rerun of the same input replaces its rows instead of adding them.
 */
import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { writeToPath } from 'fast-csv';

import { type ColumnConfig, type DatasetConfig, type EtlConfig, getDataset } from '../../../core/config/dataset-config';
import { EtlError, MalformedCsvError, QualityThresholdError, TransformError, describeError } from '../../../core/errors';
import { datasetLoadPrefix, lastRunReportKey, latestStatePrefix } from '../../../core/naming';
import { type QualityFinding, evaluateQuality } from '../../../core/quality';
import {
  REJECTS_COLUMNS,
  type RejectToNumber,
  hasUnclosedQuote,
  numberRejects,
  recordSplitFailure,
  recordSplitMessage,
  valueRejectFields,
} from '../../../core/rejects';
import { type RowCounts, type RunReport, runReportSchema } from '../../../core/run-report';
import { type PlanStep, RUNNER_INPUTS, type TransformPlan, compileTransformPlan } from '../../../core/transform/compile-plan';
import { matchHeader } from '../../../core/validation/header';
import type { FolderBucket } from '../folder-bucket';
import { one, rows, run, sqlText } from './duckdb-sql';
import { type GlueJob, type JobArguments, type JobRun, jobRunFailed, newJobRunId } from './glue-job';
import { type PublishedState, publishLatestState } from './latest-state';
import { readCsvHeader } from './read-header';

/** Engine settings of the local job. */
export interface DuckDbJobOptions {
  /** DuckDB `memory_limit`, e.g. `1GB` (spills to disk beyond it). @default '2GB' */
  readonly memoryLimit?: string;
  /** DuckDB worker threads. @default all cores */
  readonly threads?: number;
}

/** Runs transform jobs for one local bucket. */
export class DuckDbGlueJob implements GlueJob {
  readonly engine = 'duckdb' as const;
  private readonly plans = new Map<string, TransformPlan>();
  private publishing: Promise<unknown> = Promise.resolve();
  private readonly tempDir: string;

  constructor(
    private readonly bucket: FolderBucket,
    private readonly config: EtlConfig,
    readonly jobName: string,
    private readonly options: DuckDbJobOptions = {},
  ) {
    this.tempDir = path.join(path.dirname(bucket.dir), 'tmp', 'duckdb');
    mkdirSync(this.tempDir, { recursive: true });
  }

  /** Runs one job to its end; throws {@link JobRunFailedError} (with the job run as JSON) on failure. */
  async run(args: JobArguments): Promise<JobRun> {
    const jobRunId = newJobRunId();
    const startedAt = new Date();
    const base = {
      formatVersion: 1 as const,
      engine: 'duckdb' as const,
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
      const error = e instanceof EtlError ? describeError(e) : describeError(new TransformError(describeError(e).message, { cause: e }));
      const partial = (e instanceof EtlError ? e.report : undefined) ?? {};
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
      await this.writeReport(args['--report_key'], report);
      throw jobRunFailed(jobRunId, this.jobName, `${error.name}: ${error.message}`, { cause: e });
    }
    await this.writeReport(args['--report_key'], report);
    await this.writeReport(lastRunReportKey(args['--dataset']), report);
    return { Id: jobRunId, JobName: this.jobName, JobRunState: 'SUCCEEDED', ExecutionTime: Math.round(report.durationMs / 1000) };
  }

  /** Nothing to release: each run opens and closes its own DuckDB instance. */
  close(): void {}

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
  private async transform(args: JobArguments, base: RunIdentity): Promise<RunReport> {
    const dataset = getDataset(this.config, args['--dataset']);
    const plan = this.plan(dataset.name);
    // The volume check compares with the last run that finished before this one started: read
    // now, so a run finishing meanwhile does not change this one's outcome.
    const previous = await this.previousRun(dataset.name, args['--execution_name']);
    const input = await this.openInput(args, dataset, base.jobRunId);
    const instance = await this.createInstance();
    const db = await instance.connect();
    const output = new StagedOutput(this.bucket, dataset.name, args['--load_id'], plan.partitionColumn, path.join(this.tempDir, `output-${base.jobRunId}`));
    try {
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
      const rejects = rejectsKey ? await this.writeRejects(db, plan, input.source, input.header, this.bucket.pathOf(rejectsKey)) : [];
      refuseFailedRun(rejects, failures, plan, { ...reportSoFar, rejectsKey });
      const { outputFiles, state } = await this.publish(db, plan, output, { dataset: dataset.name, jobRunId: base.jobRunId, rows: counts.rowsOut });
      const published = { outputFiles, latestFiles: state.files, latestRows: state.rows };
      return finish({ ...base, ...reportSoFar, status: 'SUCCEEDED', ...published, rejectsKey, error: null }, new Date(base.startedAt));
    } finally {
      db.closeSync();
      instance.closeSync();
      await output.discard();
      await rm(input.file, { force: true });
    }
  }

  /** Finds the input's version, matches its header with the dataset and links it for DuckDB. */
  private async openInput(args: JobArguments, dataset: DatasetConfig, jobRunId: string): Promise<RunInput> {
    // The version the execution was started for, whatever the key holds now.
    const source = await this.bucket.objectFile(args['--input_key'], args['--input_version_id']);
    if (!source) throw new TransformError(`s3://${args['--bucket']}/${args['--input_key']} (version ${args['--input_version_id']}) does not exist`);
    const header = await readCsvHeader(source);
    const columns = matchHeader(header, dataset);
    // DuckDB expands *, ? and [..] in read_csv paths: read the key through a plain-named symbolic
    // link so `orders[1].csv` is read as itself, never as a pattern matching other uploads.
    const file = path.join(this.tempDir, `input-${jobRunId}.csv`);
    await symlink(source, file);
    return { source, header, columns, file };
  }

  /** A DuckDB instance of one run, under the job's memory limit, spilling to the job's temp folder. */
  private createInstance(): Promise<DuckDBInstance> {
    return DuckDBInstance.create(':memory:', {
      memory_limit: this.options.memoryLimit ?? '2GB',
      temp_directory: this.tempDir,
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
    load: { dataset: string; jobRunId: string; rows: number },
  ): Promise<{ outputFiles: string[]; state: PublishedState }> {
    // One publication at a time in this process (another process sharing the folder loses a race
    // on the state's manifest and merges again).
    const published = this.publishing.then(async () => {
      const outputFiles = await output.publish();
      return { outputFiles, state: await publishLatestState(db, this.bucket, plan, { ...load, keys: outputFiles }) };
    });
    this.publishing = published.catch(() => undefined);
    return published;
  }

  /** The rejects file: DuckDB's structural rejects and the plan's, each with its line. */
  private async writeRejects(db: DuckDBConnection, plan: TransformPlan, source: string, header: readonly string[], file: string): Promise<RejectToNumber[]> {
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
          unclosedQuote: await hasUnclosedQuote(row.record),
        })),
      )),
      ...byValue.map((row) => ({ row: { line: null, ...row }, find: { fields: valueRejectFields(row.record, header) }, unclosedQuote: false })),
    ];
    const numbered = await numberRejects(createReadStream(source), toNumber);
    await mkdir(path.dirname(file), { recursive: true });
    await new Promise<void>((resolve, reject) => {
      writeToPath(file, numbered, { headers: [...REJECTS_COLUMNS] })
        .on('error', reject)
        .on('finish', () => resolve());
    });
    return toNumber;
  }

  private async previousRun(dataset: string, executionName: string): Promise<RunReport['previousRun']> {
    const text = await this.bucket.readText(this.bucket.name, lastRunReportKey(dataset));
    if (text === undefined) return null;
    const parsed = runReportSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    // A rerun of the same execution compares against the run before it, not against itself.
    if (parsed.data.executionName === executionName) return parsed.data.previousRun;
    return { executionName: parsed.data.executionName, rowsOut: parsed.data.rowsOut };
  }

  private async writeReport(key: string, report: RunReport): Promise<void> {
    await this.bucket.write(this.bucket.name, key, `${JSON.stringify(report, null, 2)}\n`);
  }
}

/**
 * Registers the runner's inputs: the file as text columns (the dataset's columns it lacks as NULL)
 * and the run's parameters.
 */
async function registerInputs(db: DuckDBConnection, dataset: DatasetConfig, input: RunInput, ingestionDate: string): Promise<void> {
  const csvColumns = input.columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
  await run(
    db,
    `CREATE TEMP VIEW etl_raw_file AS SELECT * FROM read_csv(${sqlText(input.file)}, header = true, auto_detect = false, ` +
      `columns = {${csvColumns}}, delim = ',', quote = '"', escape = '"', store_rejects = true, max_line_size = 16777216, buffer_size = 33554432)`,
  );
  const present = new Set(input.columns.map((c) => c.name));
  await run(
    db,
    `CREATE TEMP VIEW ${RUNNER_INPUTS.raw} AS SELECT ${dataset.columns
      .map((c) => (present.has(c.name) ? `"${c.name}"` : `CAST(NULL AS VARCHAR) AS "${c.name}"`))
      .join(', ')} FROM etl_raw_file`,
  );
  await run(db, `CREATE TEMP VIEW ${RUNNER_INPUTS.params} AS SELECT DATE '${ingestionDate}' AS ingestion_date`);
}

/** Runs the plan's steps, writes the output to the staging folder and counts the run's rows. */
async function runPlan(db: DuckDBConnection, plan: TransformPlan, output: StagedOutput): Promise<RowCounts> {
  // One pass over the data: the steps the metrics read (the last excepted) are created first;
  // the rest of the plan runs inside the statement that writes the output. No step is
  // computed twice: the metrics count the last step's rows in what was written, and latest/
  // is a copy of the written files.
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
 * The output of one input, written to a staging folder of the job run first and published (moved
 * into `load/<dataset>/`'s partitions, replacing this input's earlier files)
 * only once the quality checks passed. Whatever is left unpublished is removed.
 */
class StagedOutput {
  private readonly loadDir: string;

  constructor(
    private readonly bucket: FolderBucket,
    dataset: string,
    /** The load the files belong to: they are named `part-<load id>-<n>.parquet`. */
    private readonly id: string,
    private readonly partitionColumn: string,
    /** A folder of this job run on the bucket's file system (files are moved, not copied). */
    private readonly staging: string,
  ) {
    this.loadDir = bucket.pathOf(datasetLoadPrefix(dataset).slice(0, -1));
  }

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

  /** Moves the staged files into place; returns their keys. */
  async publish(): Promise<string[]> {
    const staged = this.stagedFiles();
    await mkdir(this.loadDir, { recursive: true });
    // Replace, never append: drop every file this load wrote before, in any partition.
    for (const entry of await readdir(this.loadDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith(`${this.partitionColumn}=`)) continue;
      for (const file of await readdir(path.join(this.loadDir, entry.name))) {
        if (file.startsWith(`part-${this.id}-`)) await rm(path.join(this.loadDir, entry.name, file));
      }
    }
    const written: string[] = [];
    for (const file of staged) {
      const target = path.join(this.loadDir, path.relative(this.staging, file));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(file, target);
      written.push(target);
    }
    await this.discard();
    return written.map((file) => this.bucket.keyOf(file)).sort();
  }

  /** Removes the staging folder. */
  async discard(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}

/** The fields of a run report known before the transform starts. */
type RunIdentity = Pick<
  RunReport,
  'formatVersion' | 'engine' | 'dataset' | 'inputKey' | 'executionName' | 'jobRunId' | 'ingestionDate' | 'startedAt' | 'outputPrefix' | 'latestPrefix'
>;

/** The input of one run, as opened by `openInput`. */
interface RunInput {
  /** The file of the object version (the rejects' lines are numbered by reading it). */
  readonly source: string;
  readonly header: readonly string[];
  /** The dataset's column of each header position. */
  readonly columns: readonly ColumnConfig[];
  /** The plain-named link to `source` that DuckDB reads. */
  readonly file: string;
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
