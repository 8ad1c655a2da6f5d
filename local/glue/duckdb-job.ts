/**
 * The local stand-in for the Glue job: runs the dataset's compiled transform plan (DuckDB dialect)
 * on the input file and writes what the Glue job writes on AWS — Snappy Parquet under
 * `load/<dataset>/dt=YYYY-MM-DD/`, a refreshed `load/<dataset>/latest/`, a rejects file and the
 * run report under `logs/glue-jobs/`. Output files are named after the input, so a rerun of the
 * same input replaces its rows instead of adding them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { type EtlConfig, getDataset } from '../../core/config/dataset-config';
import { EtlError, QualityThresholdError, TransformError, describeError } from '../../core/errors';
import { datasetLoadPrefix, inputId, lastRunReportKey } from '../../core/naming';
import { evaluateQuality } from '../../core/quality';
import { type RunReport, runReportSchema } from '../../core/run-report';
import { RUNNER_INPUTS, type TransformPlan, compileTransformPlan } from '../../core/transform/compile-plan';
import { matchHeader } from '../../core/validation/header';
import type { FolderBucket } from '../folder-bucket';
import { readCsvHeader } from './read-header';

/** The job arguments, as the state machine passes them to `glue:startJobRun`. */
export interface JobArguments {
  readonly '--bucket': string;
  readonly '--input_key': string;
  readonly '--dataset': string;
  readonly '--execution_name': string;
  readonly '--ingestion_date': string;
  readonly '--report_key': string;
}

/** Engine settings of the local job. */
export interface DuckDbJobOptions {
  /** DuckDB `memory_limit`, e.g. `1GB` (spills to disk beyond it). @default '2GB' */
  readonly memoryLimit?: string;
  /** DuckDB worker threads. @default all cores */
  readonly threads?: number;
}

/** A finished job run, shaped like the `JobRun` Glue's `.sync` integration returns. */
export interface JobRun {
  readonly Id: string;
  readonly JobName: string;
  readonly JobRunState: 'SUCCEEDED';
  readonly ExecutionTime: number;
}

/** A failed job run: the `.sync` integration fails the task with `States.TaskFailed`. */
export class JobRunFailedError extends Error {
  constructor(cause: string) {
    super(cause);
    this.name = 'States.TaskFailed';
  }
}

/** Runs transform jobs for one local bucket. */
export class DuckDbGlueJob {
  private readonly plans = new Map<string, TransformPlan>();
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
    const jobRunId = `jr_local_${randomUUID().replace(/-/g, '')}`;
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
      latestPrefix: `${datasetLoadPrefix(args['--dataset'])}latest/`,
    };
    let report: RunReport;
    try {
      report = await this.transform(args, base);
    } catch (e: unknown) {
      const error = e instanceof EtlError ? describeError(e) : describeError(new TransformError(describeError(e).message));
      const partial = (e as { report?: Partial<RunReport> }).report ?? {};
      report = finish({ ...emptyCounts(), ...base, outputFiles: [], rejectsKey: null, previousRun: null, qualityFailures: [], ...partial, status: 'FAILED', error }, startedAt);
      await this.writeReport(args['--report_key'], report);
      throw new JobRunFailedError(
        JSON.stringify({ Id: jobRunId, JobName: this.jobName, JobRunState: 'FAILED', ErrorMessage: `${error.name}: ${error.message}` }),
      );
    }
    await this.writeReport(args['--report_key'], report);
    await this.writeReport(lastRunReportKey(args['--dataset']), report);
    return { Id: jobRunId, JobName: this.jobName, JobRunState: 'SUCCEEDED', ExecutionTime: Math.round(report.durationMs / 1000) };
  }

  private plan(name: string): TransformPlan {
    let plan = this.plans.get(name);
    if (!plan) {
      plan = compileTransformPlan(getDataset(this.config, name), 'duckdb');
      this.plans.set(name, plan);
    }
    return plan;
  }

  private async transform(args: JobArguments, base: Omit<RunReport, 'status' | 'finishedAt' | 'durationMs' | keyof ReturnType<typeof emptyCounts> | 'outputFiles' | 'rejectsKey' | 'previousRun' | 'qualityFailures' | 'error'>): Promise<RunReport> {
    const dataset = getDataset(this.config, args['--dataset']);
    const plan = this.plan(dataset.name);
    const header = await readCsvHeader(this.bucket.pathOf(args['--input_key']));
    const columns = matchHeader(header, dataset);
    // DuckDB expands *, ? and [..] in read_csv paths: read the key through a plain-named hard link
    // so `orders[1].csv` is read as itself, never as a pattern matching other uploads.
    const inputFile = path.join(this.tempDir, `input-${base.jobRunId}.csv`);
    await link(this.bucket.pathOf(args['--input_key']), inputFile);

    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: this.options.memoryLimit ?? '2GB',
      temp_directory: this.tempDir,
      ...(this.options.threads ? { threads: String(this.options.threads) } : {}),
    });
    const db = await instance.connect();
    try {
      const run = async (sql: string): Promise<void> => {
        await db.run(sql);
      };
      const one = async (sql: string): Promise<Record<string, unknown>> => (await db.runAndReadAll(sql)).getRowObjectsJS()[0];
      const csvColumns = columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
      await run(
        `CREATE TEMP VIEW etl_raw_file AS SELECT * FROM read_csv(${sqlText(inputFile)}, header = true, auto_detect = false, ` +
          `columns = {${csvColumns}}, delim = ',', quote = '"', escape = '"', store_rejects = true, max_line_size = 16777216)`,
      );
      const present = new Set(columns.map((c) => c.name));
      await run(
        `CREATE TEMP VIEW ${RUNNER_INPUTS.raw} AS SELECT ${dataset.columns
          .map((c) => (present.has(c.name) ? `"${c.name}"` : `CAST(NULL AS VARCHAR) AS "${c.name}"`))
          .join(', ')} FROM etl_raw_file`,
      );
      await run(`CREATE TEMP VIEW ${RUNNER_INPUTS.params} AS SELECT DATE '${args['--ingestion_date']}' AS ingestion_date`);
      for (const step of plan.steps) {
        await run(`CREATE TEMP ${step.materialize ? 'TABLE' : 'VIEW'} ${step.name} AS ${step.sql}`);
      }
      // The first scan (materialising etl_typed) filled reject_errors with the lines DuckDB could
      // not split into the header's fields.
      const structural = Number((await one(`SELECT count(DISTINCT line) AS n FROM reject_errors`)).n);
      const m = await one(plan.metricsSql);
      const counts = {
        rowsIn: Number(m.rows_typed) + structural,
        malformedRows: Number(m.malformed_rows) + structural,
        exactDuplicates: Number(m.clean_rows) - Number(m.distinct_rows),
        keyDuplicates: Number(m.distinct_rows) - Number(m.output_rows),
        rowsOut: Number(m.output_rows),
      };
      const previous = await this.previousRun(dataset.name, args['--execution_name']);
      const failures = evaluateQuality(counts, previous?.rowsOut, plan.quality).filter((f) => f.level === 'fail');
      const reportSoFar = { ...counts, duplicatesRemoved: counts.exactDuplicates + counts.keyDuplicates, previousRun: previous, qualityFailures: failures.map((f) => f.message) };

      const rejectsKey = counts.malformedRows > 0 ? `logs/glue-jobs/${dataset.name}/${args['--execution_name']}.rejects.csv` : null;
      if (rejectsKey) {
        const file = this.bucket.pathOf(rejectsKey);
        await mkdir(path.dirname(file), { recursive: true });
        await run(
          `COPY (SELECT CAST(line AS BIGINT) AS line, error_message AS reject_reason, csv_line AS record FROM reject_errors WHERE scan_id = (SELECT min(scan_id) FROM reject_errors) ` +
            `UNION ALL SELECT NULL, reject_reason, record FROM (${plan.rejectsSql})) TO ${sqlText(file)} (HEADER, DELIMITER ',')`,
        );
      }
      if (failures.length > 0) {
        const error = new QualityThresholdError(failures.map((f) => f.message).join('; '));
        throw Object.assign(error, { report: { ...reportSoFar, rejectsKey } });
      }
      const outputFiles = await this.writeOutput(run, plan, dataset.name, args['--input_key']);
      return finish({ ...base, ...reportSoFar, status: 'SUCCEEDED', outputFiles, rejectsKey, error: null }, new Date(base.startedAt));
    } finally {
      db.closeSync();
      instance.closeSync();
      await rm(inputFile, { force: true });
    }
  }

  /** Writes the partitioned output (replacing this input's earlier files) and refreshes latest/. */
  private async writeOutput(run: (sql: string) => Promise<void>, plan: TransformPlan, dataset: string, inputKey: string): Promise<string[]> {
    const id = inputId(inputKey);
    const loadDir = this.bucket.pathOf(datasetLoadPrefix(dataset).slice(0, -1));
    const staging = path.join(loadDir, '_staging', id);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    await run(
      `COPY (${plan.outputSql}) TO ${sqlText(staging)} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (${plan.partitionColumn}), FILENAME_PATTERN 'part-${id}-{i}', OVERWRITE_OR_IGNORE)`,
    );
    // Replace, never append: drop every file this input wrote before, in any partition.
    for (const entry of await readdir(loadDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith(`${plan.partitionColumn}=`)) continue;
      for (const file of await readdir(path.join(loadDir, entry.name))) {
        if (file.startsWith(`part-${id}-`)) await rm(path.join(loadDir, entry.name, file));
      }
    }
    const written: string[] = [];
    for (const partition of await readdir(staging)) {
      await mkdir(path.join(loadDir, partition), { recursive: true });
      for (const file of await readdir(path.join(staging, partition))) {
        await rename(path.join(staging, partition, file), path.join(loadDir, partition, file));
        written.push(this.bucket.keyOf(path.join(loadDir, partition, file)));
      }
    }
    await rm(staging, { recursive: true, force: true });
    const latest = path.join(loadDir, 'latest');
    await rm(latest, { recursive: true, force: true });
    await mkdir(latest, { recursive: true });
    await run(`COPY (SELECT * EXCLUDE (${plan.partitionColumn}) FROM (${plan.outputSql})) TO ${sqlText(path.join(latest, `part-${id}-0.parquet`))} (FORMAT parquet, COMPRESSION snappy)`);
    return written.sort();
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

function emptyCounts() {
  return { rowsIn: 0, malformedRows: 0, exactDuplicates: 0, keyDuplicates: 0, duplicatesRemoved: 0, rowsOut: 0 };
}

function finish(report: Omit<RunReport, 'finishedAt' | 'durationMs'>, startedAt: Date): RunReport {
  const finishedAt = new Date();
  return { ...report, finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime() };
}

function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
