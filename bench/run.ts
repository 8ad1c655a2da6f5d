/**
 * `npm run bench`: generates the `orders` files (cached under bench/.data/), measures the transform
 * against hand-written DuckDB baselines and on the local Spark engine, validation against bare CSV
 * parsers, `etl run` end to end, the state machine's own overhead and the Lambda bundles, checks
 * every count, prints the table and writes docs/performance.md.
 *
 *   npm run bench                 full run, about 35 minutes (100k, 1M and 5M rows; the fast path on 1 MB to 187 MB; the 1%-malformed
 *                                 file on every engine; Spark at 5M rows, its event log on 1M, the sizing on ≥ 1 GB)
 *   npm run bench -- --no-sizing  the same without bench/spark-sizing.ts's runs (the longest part)
 *   npm run bench -- --quick      CI-sized: 100k rows, one run each, counts checked, no Spark
 *                                 (a few minutes); writes bench/.data/performance-quick.md, not the docs
 *   npm run bench -- --render bench/.data/results.json   rewrite the report of a saved run
 *
 * Exit code 1 when a correctness check fails. No timing is asserted anywhere.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { check, type Check, expectCounts, expectedTransformCounts } from './checks';
import { cliStartMs, type EndToEndRun, nodeStartMs, runEndToEnd } from './e2e';
import { type FastPathResults, fastPathMissing, measureColdStart, runFastPath } from './fast-path';
import { DATA_DIR, type ExpectedCounts, ensureDataset, ensureMalformed, generateOrders, type SizeName } from './generate';
import { type BundleVariant, type LambdaBundle, lambdaEntries, measureBundle } from './lambda';
import { TRANSFORM_IN_LAMBDA_SIZING } from '../infra/constructs/pipeline-functions';
import { PythonEnvironmentMissingError } from '../local/runtime/errors';
import { ROOT, WORK_DIR } from './paths';
import { type AllMalformed, type RejectsComparison, compareRejects, compareSparkRejects, runAllMalformed } from './rejects';
import { renderReport } from './report';
import type { SizingResult } from './report-scaling';
import { type SparkComparison, compareSpark } from './spark';
import { type SparkFilesResults, measureSparkFiles } from './spark-files';
import { measureSizing } from './spark-sizing';
import { type StartupVariant, measureStartup } from './startup';
import { type StateMachineOverhead, measureStateMachineOverhead } from './state-machine';
import { type TransformComparison, type TransformRun, compareTransform, runTransform } from './transform';
import { type ParseRun, bareCsvParse, bareFastCsv, ordersDataset, validateFile } from './validation';
import type { ValidationReport } from '../core/validation/validate-csv';

/** Everything one benchmark run measured. */
export interface BenchResults {
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  readonly datasets: readonly (ExpectedCounts & { readonly size: SizeName })[];
  readonly transform: readonly (TransformComparison & { readonly size: SizeName })[];
  /** The same file on the local Spark engine and on the DuckDB job (absent from results saved before it). */
  readonly spark?: SparkComparison & { readonly size: SizeName };
  readonly validation: {
    readonly fullScan: readonly {
      readonly size: SizeName;
      readonly bytes: number;
      /** Validate's runs, each with the report it returned (the header, the rows checked, the malformed ones). */
      readonly validate: (ParseRun & { readonly report?: ValidationReport })[];
      readonly fastCsv: ParseRun[];
      readonly csvParse: ParseRun[];
    }[];
    readonly bounded: readonly { readonly size: SizeName; readonly bytes: number; readonly runs: ParseRun[]; readonly sampled: boolean }[];
    readonly fullScanMaxBytes: number;
    readonly sampleRows: number;
  };
  readonly stateMachine: StateMachineOverhead;
  /** The fast path's handler (absent from results saved before it). */
  readonly fastPath?: FastPathResults;
  /** The 1%-malformed file with and without rejects, every engine (absent from results saved before it). */
  readonly rejects?: RejectsComparison;
  /** A file whose every record is malformed, every engine (absent from results saved before it). */
  readonly allMalformed?: AllMalformed;
  /** Spark's event log on the 1M-row file: read partitions, jobs, files per partition (absent from results saved before it). */
  readonly sparkFiles?: SparkFilesResults;
  /** local[1] against local[2] on ≥ 1 GB (bench/spark-sizing.ts; absent when not run). */
  readonly sizing?: SizingResult;
  /** The deployed bundles' starts by variant (bench/startup.ts; absent from results saved before it). */
  readonly startup?: readonly StartupVariant[];
  /** The CLI's start, by how it is loaded (absent from results saved before the bundle). */
  readonly cli?: {
    readonly bundleHelpMs: readonly number[];
    readonly bundleVersionMs: readonly number[];
    readonly tsxHelpMs: readonly number[];
    readonly nodeMs: readonly number[];
  };
  readonly e2e: {
    readonly cliStartMs: readonly number[];
    readonly files: readonly {
      readonly size: SizeName;
      readonly bytes: number;
      readonly runs: EndToEndRun[];
      /** The transform section's fastest baseline on the same file, a run after each `etl run` (the goal's ratio compares the two). */
      readonly baselineRuns?: readonly TransformRun[];
    }[];
  };
  readonly bundles: readonly LambdaBundle[];
  readonly checks: readonly Check[];
}

/** The machine the numbers come from. */
export interface Machine {
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly cpu: string;
  readonly node: string;
  readonly duckdb: string;
  readonly os: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/** What a run measures and how often. */
interface Plan {
  readonly sizes: readonly SizeName[];
  readonly transform: readonly { readonly size: SizeName; readonly memoryLimit: string; readonly repeats: number }[];
  /** The Spark row: a first run, then `repeats` rounds of a DuckDB job run and a warm Spark run. */
  readonly spark: { readonly size: SizeName; readonly memoryLimit: string; readonly repeats: number } | { readonly size: SizeName; readonly skip: string };
  readonly fullScan: readonly { readonly size: SizeName; readonly repeats: number }[];
  readonly bounded: readonly SizeName[];
  readonly boundedRepeats: number;
  readonly e2e: readonly { readonly size: SizeName; readonly repeats: number }[];
  readonly cliStartRepeats: number;
  /** The fast path's handler: files transformed, runs each, cold starts. */
  readonly fastPath: { readonly sizes: readonly SizeName[]; readonly repeats: number; readonly memoryLimit: string; readonly coldStarts: number };
  /** The rejects' file (every `every`-th new record malformed), DuckDB and fast path rounds, Spark rounds (0: not run). */
  readonly rejects: { readonly size: SizeName; readonly every: number; readonly memoryLimit: string; readonly repeats: number; readonly sparkRepeats: number };
  /** Every record malformed: the DuckDB job's limit, whether Spark runs it. */
  readonly allMalformed: { readonly size: SizeName; readonly memoryLimit: string; readonly spark: boolean };
  /** Spark's event-log runs and the DuckDB job by order_date, on this file (undefined: not run). */
  readonly sparkFiles?: { readonly size: SizeName; readonly memoryLimit: string };
  /** bench/spark-sizing.ts: rows of its file (≥ 1 GiB) and rounds (undefined: not run). */
  readonly sizing?: { readonly rows: number; readonly rounds: number };
  /** Starts of each bench/startup.ts variant. */
  readonly startupRuns: number;
  readonly stateMachineExecutions: number;
  readonly bundleVariants: readonly BundleVariant[];
  readonly bundleImports: number;
}

/** DuckDB's memory limit in the fast path's function, as the stack sets it. */
const FAST_PATH_MEMORY_LIMIT = `${TRANSFORM_IN_LAMBDA_SIZING.duckdbMemoryLimitMb}MB`;

const FULL: Plan = {
  sizes: ['1mb', '10mb', '100k', '100mb', '1m', '5m'],
  transform: [
    { size: '100k', memoryLimit: '2GB', repeats: 5 },
    { size: '1m', memoryLimit: '2GB', repeats: 5 },
    { size: '5m', memoryLimit: '1GB', repeats: 3 },
  ],
  // Issue 22's goal is at 5M rows (warm): a first run, then 2 rounds.
  spark: { size: '5m', memoryLimit: '2GB', repeats: 2 },
  fullScan: [
    { size: '1mb', repeats: 5 },
    { size: '100k', repeats: 5 },
    { size: '1m', repeats: 3 },
  ],
  bounded: ['1mb', '100k', '1m', '5m'],
  boundedRepeats: 3,
  e2e: [
    { size: '1mb', repeats: 3 },
    { size: '1m', repeats: 3 },
  ],
  cliStartRepeats: 5,
  // 1 MB, 10 MB, 100 MB, and the 1M-row file (187 MB) so that a threshold above 100 MB is measured, not extrapolated.
  fastPath: { sizes: ['1mb', '10mb', '100mb', '1m'], repeats: 3, memoryLimit: FAST_PATH_MEMORY_LIMIT, coldStarts: 5 },
  rejects: { size: '1m', every: 100, memoryLimit: '2GB', repeats: 3, sparkRepeats: 2 },
  allMalformed: { size: '5m', memoryLimit: '1GB', spark: true },
  sparkFiles: { size: '1m', memoryLimit: '2GB' },
  sizing: { rows: 6_000_000, rounds: 1 },
  startupRuns: 9,
  stateMachineExecutions: 200,
  bundleVariants: ['sdk-external', 'sdk-bundled', 'sdk-bundled-esm'],
  bundleImports: 7,
};

const QUICK: Plan = {
  sizes: ['1mb', '100k'],
  transform: [{ size: '100k', memoryLimit: '2GB', repeats: 1 }],
  spark: { size: '1m', skip: 'not run in quick mode: the JVM start-up and a cold Spark run alone take about a minute; `npm run bench` measures it' },
  fullScan: [{ size: '100k', repeats: 1 }],
  bounded: ['100k'],
  boundedRepeats: 1,
  e2e: [{ size: '100k', repeats: 1 }],
  cliStartRepeats: 1,
  fastPath: { sizes: ['1mb'], repeats: 1, memoryLimit: FAST_PATH_MEMORY_LIMIT, coldStarts: 1 },
  rejects: { size: '100k', every: 100, memoryLimit: '2GB', repeats: 1, sparkRepeats: 0 },
  allMalformed: { size: '100k', memoryLimit: '1GB', spark: false },
  startupRuns: 1,
  stateMachineExecutions: 20,
  bundleVariants: ['sdk-external'],
  bundleImports: 1,
};

/** Runs the benchmark; `log` sees progress lines. */
export async function runBench(options: { quick: boolean; sizing?: boolean; log?: (line: string) => void }): Promise<BenchResults> {
  const log = options.log ?? (() => undefined);
  const plan: Plan = options.quick ? QUICK : options.sizing === false ? { ...FULL, sizing: undefined } : FULL;
  const started = Date.now();
  const loadBefore = os.loadavg();
  const checks: Check[] = [];
  mkdirSync(WORK_DIR, { recursive: true });

  // Data.
  const datasets = plan.sizes.map((size) => {
    log(`data: orders-${size}.csv`);
    return { ...ensureDataset(size), size };
  });
  const data = (size: SizeName): ExpectedCounts => datasets.find((d) => d.size === size) as ExpectedCounts;
  checks.push(generatorIsDeterministic());

  // Transform.
  const logRun = (run: TransformRun): void =>
    log(
      `  ${run.kind.padEnd(20)} ${(run.ms / 1000).toFixed(2)} s  cpu ${(run.cpuMs / 1000).toFixed(2)} s  rss ${(run.maxRssBytes / 2 ** 20).toFixed(0)} MiB${run.error ? `  FAILED: ${run.error.split('\n')[0]}` : ''}`,
    );
  const jobRunCheck = (name: string, run: TransformRun, counts: ExpectedCounts): Check =>
    run.error ? check(name, false, run.error) : expectCounts(`${name}: counts`, { ...run }, expectedTransformCounts(counts));
  const transform = plan.transform.map(({ size, memoryLimit, repeats }) => {
    log(`transform: ${size} rows, memory_limit ${memoryLimit}, ${repeats} round(s)`);
    const comparison = compareTransform(data(size).file, memoryLimit, repeats, logRun);
    for (const run of comparison.job.runs) checks.push(jobRunCheck(`transform job ${size}`, run, data(size)));
    for (const baseline of comparison.baselines) {
      for (const run of baseline.runs.filter((r) => !r.error)) {
        checks.push(expectCounts(`baseline ${baseline.kind} ${size}: rows written`, { ...run }, { rowsOut: data(size).distinctKeys }));
      }
    }
    checks.push(check(`transform ${size}: a baseline completed`, comparison.best !== undefined, comparison.best?.kind ?? 'none'));
    return { ...comparison, size };
  });

  // Spark.
  let spark: SparkComparison;
  if ('skip' in plan.spark) {
    spark = { measured: false, reason: plan.spark.skip };
  } else {
    const { size, memoryLimit, repeats } = plan.spark;
    log(`spark: ${size} rows, a first run, then ${repeats} round(s) of the DuckDB job and a warm Spark run`);
    spark = await compareSpark(data(size).file, memoryLimit, repeats, logRun);
    if (spark.measured) {
      for (const run of [spark.first, ...spark.duckdb.runs, ...spark.spark.runs]) checks.push(jobRunCheck(`spark row ${size}: ${run.kind}`, run, data(size)));
    }
  }
  if (!spark.measured) log(`spark: not measured (${spark.reason})`);

  // Rejects: the 1%-malformed file on every engine, then a file of malformed records only.
  const { rejects, allMalformed } = await measureRejectsPlan(plan, checks, logRun, log);

  // Spark's event log on the 1M-row file (read partitions, jobs, files per partition), and the sizing.
  let sparkFiles: SparkFilesResults | undefined;
  if (plan.sparkFiles) {
    const { size, memoryLimit } = plan.sparkFiles;
    log(`spark files: ${size} rows, Spark with its event log (by ingestion date, by order_date), then the DuckDB job by order_date`);
    sparkFiles = await measureSparkFiles(size, data(size).file, data(size).bytes, memoryLimit, logRun);
    if (sparkFiles.measured) {
      for (const { config, run } of sparkFiles.spark) checks.push(jobRunCheck(`spark files ${size} (${config})`, run, data(size)));
      checks.push(jobRunCheck(`spark files ${size}: DuckDB job by order_date`, sparkFiles.duckdb, data(size)));
    } else log(`spark files: not measured (${sparkFiles.reason})`);
  }
  let sizing: SizingResult | undefined;
  if (plan.sizing) {
    log(`sizing: bench/spark-sizing.ts, ${plan.sizing.rows} rows, ${plan.sizing.rounds} round(s) of local[1] and local[2]`);
    let noPython = false;
    sizing = await measureSizing(plan.sizing.rows, plan.sizing.rounds, log)
      .catch((e: unknown) => {
        noPython = e instanceof PythonEnvironmentMissingError;
        return { reason: e instanceof Error ? e.message : String(e) };
      })
      .finally(() => rmSync(path.join(os.tmpdir(), 'etl-spark-sizing'), { recursive: true, force: true }));
    // Without the Python environment it is not measured, as the Spark row; any other failure fails a check.
    if (!noPython)
      checks.push(
        check('sizing: local[1] and local[2] ran with the right counts', !('reason' in sizing), 'reason' in sizing ? sizing.reason : `${sizing.bytes} bytes`),
      );
  }

  // Validation.
  const fullDataset = ordersDataset(true);
  const fullScan = [];
  for (const { size, repeats } of plan.fullScan) {
    log(`validation (full scan) vs bare parsers: ${size}`);
    const file = data(size).file;
    const runs = { validate: [] as ParseRun[], fastCsv: [] as ParseRun[], csvParse: [] as ParseRun[] };
    for (let i = 0; i < repeats; i += 1) {
      const v = await validateFile(file, fullDataset);
      checks.push(
        expectCounts(
          `validation ${size}: full scan`,
          { valid: v.report.valid, rowsChecked: v.report.rowsChecked, malformedRows: v.report.malformedRows },
          { valid: true, rowsChecked: data(size).rows, malformedRows: 0 },
        ),
      );
      runs.validate.push(v);
      runs.fastCsv.push(await bareFastCsv(file));
      runs.csvParse.push(await bareCsvParse(file));
    }
    checks.push(expectCounts(`fast-csv ${size}: records`, { records: runs.fastCsv[0].records }, { records: data(size).rows + 1 }));
    checks.push(expectCounts(`csv-parse ${size}: records`, { records: runs.csvParse[0].records }, { records: data(size).rows + 1 }));
    fullScan.push({ size, bytes: data(size).bytes, ...runs });
  }
  const defaultDataset = ordersDataset(false);
  const bounded = [];
  for (const size of plan.bounded) {
    log(`validation (as configured): ${size}`);
    const runs: ParseRun[] = [];
    let sampled = false;
    for (let i = 0; i < plan.boundedRepeats; i += 1) {
      const v = await validateFile(data(size).file, defaultDataset);
      sampled = v.report.sampled;
      const expectSampled = data(size).bytes > defaultDataset.validation.fullScanMaxBytes;
      checks.push(
        expectCounts(
          `validation ${size}: as configured`,
          { valid: v.report.valid, sampled: v.report.sampled, rowsChecked: v.report.rowsChecked },
          {
            valid: true,
            sampled: expectSampled,
            rowsChecked: expectSampled ? defaultDataset.validation.sampleRows : data(size).rows,
          },
        ),
      );
      runs.push(v);
    }
    bounded.push({ size, bytes: data(size).bytes, runs, sampled });
  }

  // State machine.
  log(`state machine: ${plan.stateMachineExecutions} no-op executions`);
  const stateMachine = await measureStateMachineOverhead(plan.stateMachineExecutions);
  checks.push(
    expectCounts(
      'state machine: no-op executions',
      { status: stateMachine.status, path: stateMachine.path.join('>') },
      {
        status: 'SUCCEEDED',
        path: 'Validate>IsValid>ChooseEngine>Transform>Summarize>Archive>RouteOutcome>NotifySuccess>Succeeded',
      },
    ),
  );

  // The CLI's start: its bundle as users run it, against the sources through tsx, in turn. One
  // start first builds the bundle if a source changed (and writes its code cache); none is timed.
  log(`cli start: etl --help / --version, ${plan.cliStartRepeats} round(s)`);
  cliStartMs(['--version']);
  const cli = { bundleHelpMs: [] as number[], bundleVersionMs: [] as number[], tsxHelpMs: [] as number[], nodeMs: [] as number[] };
  for (let i = 0; i < plan.cliStartRepeats; i += 1) {
    cli.nodeMs.push(nodeStartMs());
    cli.bundleHelpMs.push(cliStartMs(['--help']));
    cli.bundleVersionMs.push(cliStartMs(['--version']));
    cli.tsxHelpMs.push(cliStartMs(['--help'], 'tsx'));
  }
  const cliStarts = cli.bundleHelpMs;

  // The fast path.
  const fastPath = await measureFastPathPlan(plan, data, checks, logRun, log);

  // End to end.
  const e2eFiles = [];
  for (const { size, repeats } of plan.e2e) {
    const counts = data(size);
    const runs: EndToEndRun[] = [];
    // Interleaved with each etl run, so that the ratio does not compare two parts of the run the
    // machine's load treated differently.
    const baseline = transform.find((t) => t.size === size);
    const baselineRuns: TransformRun[] = [];
    for (let i = 0; i < repeats; i += 1) {
      log(`etl run: ${size} (${i + 1}/${repeats})`);
      const run = runEndToEnd(counts.file, path.join(WORK_DIR, `e2e-${size}-${process.pid}`));
      if (baseline?.best) {
        const baselineRun = runTransform(`baseline:${baseline.best.kind}`, counts.file, baseline.memoryLimit);
        logRun(baselineRun);
        baselineRuns.push(baselineRun);
      }
      checks.push(
        expectCounts(
          `etl run ${size}: result`,
          { ...run },
          {
            rowsIn: counts.rows,
            rowsOut: counts.distinctKeys,
            duplicatesRemoved: counts.exactDuplicates + counts.keyDuplicates,
            malformedRows: 0,
          },
        ),
      );
      runs.push(run);
    }
    e2eFiles.push({ size, bytes: counts.bytes, runs, ...(baselineRuns.length > 0 ? { baselineRuns } : {}) });
  }

  // Lambda bundles.
  const bundles: LambdaBundle[] = [];
  const bundleDir = path.join(os.tmpdir(), `etl-bench-bundles-${process.pid}`);
  for (const variant of plan.bundleVariants) {
    for (const entry of lambdaEntries()) {
      log(`bundle: ${entry} (${variant})`);
      const bundle = await measureBundle(entry, variant, bundleDir, plan.bundleImports);
      checks.push(check(`bundle ${entry} (${variant}): exports handler`, bundle.exportsHandler, `${bundle.bytes} bytes`));
      bundles.push(bundle);
    }
  }
  rmSync(bundleDir, { recursive: true, force: true });
  log(`start-up: bench/startup.ts variants, ${plan.startupRuns} start(s) each`);
  const startup = await measureStartup(plan.startupRuns);

  return {
    quick: options.quick,
    startedAt: new Date(started).toISOString(),
    durationS: (Date.now() - started) / 1000,
    machine: machine(loadBefore),
    datasets,
    transform,
    spark: { ...spark, size: plan.spark.size },
    rejects,
    allMalformed,
    ...(sparkFiles ? { sparkFiles } : {}),
    ...(sizing ? { sizing } : {}),
    startup,
    validation: { fullScan, bounded, fullScanMaxBytes: defaultDataset.validation.fullScanMaxBytes, sampleRows: defaultDataset.validation.sampleRows },
    stateMachine,
    fastPath,
    cli,
    e2e: { cliStartMs: cliStarts, files: e2eFiles },
    bundles,
    checks,
  };
}

/** The 1%-malformed file with and without rejects on every engine, then the file of malformed records only; each run's counts checked. */
async function measureRejectsPlan(
  plan: Plan,
  checks: Check[],
  logRun: (run: TransformRun) => void,
  log: (line: string) => void,
): Promise<{ rejects: RejectsComparison; allMalformed: AllMalformed }> {
  const r = plan.rejects;
  const malformed = ensureMalformed(r.size, r.every);
  log(`rejects: ${r.size} rows, ${malformed.strict.malformedRows} malformed; ${r.repeats} round(s) with and without rejects (Spark: ${r.sparkRepeats})`);
  const fastPath = fastPathMissing() === undefined;
  const measured = compareRejects(malformed.file, r.memoryLimit, r.repeats, { fastPath, fastPathMemoryLimit: FAST_PATH_MEMORY_LIMIT, onRun: logRun });
  let spark: RejectsComparison['spark'] = { measured: false, reason: 'not run in quick mode (Spark)' };
  if (r.sparkRepeats > 0) {
    log('rejects: the local Spark engine, with and without');
    spark = await compareSparkRejects(malformed.file, r.sparkRepeats, logRun);
  }
  for (const [name, pair] of [
    ['DuckDB job', measured.duckdb],
    ['fast path', measured.fastPath],
    ['Spark', spark],
  ] as const) {
    if (!('withRejects' in pair)) continue;
    for (const run of pair.withRejects.runs)
      checks.push(
        run.error
          ? check(`rejects ${r.size}, ${name}`, false, run.error)
          : expectCounts(`rejects ${r.size}, ${name}: counts with rejects`, { ...run }, expectedTransformCounts(malformed, 'strict')),
      );
    for (const run of pair.withoutRejects.runs)
      checks.push(
        run.error
          ? check(`rejects ${r.size}, ${name} (nullable)`, false, run.error)
          : expectCounts(`rejects ${r.size}, ${name}: counts without rejects`, { ...run }, expectedTransformCounts(malformed, 'nullable-email')),
      );
  }
  const rejects: RejectsComparison = {
    size: r.size,
    file: malformed.file,
    bytes: malformed.bytes,
    malformedRows: malformed.strict.malformedRows,
    memoryLimit: r.memoryLimit,
    ...measured,
    spark,
  };

  const a = plan.allMalformed;
  const all = ensureMalformed(a.size, 1);
  log(`every row malformed: ${a.size} rows, the DuckDB job (memory_limit ${a.memoryLimit}), the fast path${a.spark ? ', Spark' : ''}`);
  const runs = await runAllMalformed(
    all.file,
    {
      memoryLimit: a.memoryLimit,
      ...(fastPath ? { fastPath: { memoryLimit: FAST_PATH_MEMORY_LIMIT, functionMemoryMb: TRANSFORM_IN_LAMBDA_SIZING.memoryMb } } : {}),
      spark: a.spark,
      sparkDriverMemory: process.env.ETL_SPARK_DRIVER_MEMORY ?? '2g',
    },
    logRun,
  );
  for (const m of runs) {
    if (!m.run) continue;
    checks.push(
      expectCounts(
        `every row malformed ${a.size}, ${m.engine}: refused by the gate`,
        { ...m.run },
        { error: undefined, failedWith: 'QualityThresholdError', rowsIn: all.rows, malformedRows: all.rows, rowsOut: 0 },
      ),
    );
  }
  return { rejects, allMalformed: { size: a.size, bytes: all.bytes, rows: all.rows, runs } };
}

/** The fast path's cold starts and runs, each run's counts checked; not measured when its handler is missing. */
async function measureFastPathPlan(
  plan: Plan,
  data: (size: SizeName) => ExpectedCounts,
  checks: Check[],
  logRun: (run: TransformRun) => void,
  log: (line: string) => void,
): Promise<FastPathResults> {
  const missing = fastPathMissing();
  if (missing) {
    log(`fast path: not measured (${missing})`);
    return { measured: false, reason: missing };
  }
  const { sizes, repeats, memoryLimit, coldStarts } = plan.fastPath;
  log(`fast path: ${coldStarts} cold start(s), then ${sizes.join(', ')} × ${repeats}`);
  const bundleDir = path.join(os.tmpdir(), `etl-bench-fast-path-${process.pid}`);
  const cold = await measureColdStart(bundleDir, coldStarts).finally(() => rmSync(bundleDir, { recursive: true, force: true }));
  const files = [];
  for (const size of sizes) {
    const runs: TransformRun[] = [];
    for (let i = 0; i < repeats; i += 1) {
      const run = runFastPath(data(size).file, memoryLimit);
      logRun(run);
      checks.push(
        run.error ? check(`fast path ${size}`, false, run.error) : expectCounts(`fast path ${size}: counts`, { ...run }, expectedTransformCounts(data(size))),
      );
      runs.push(run);
    }
    files.push({ size, bytes: data(size).bytes, runs });
  }
  return { measured: true, bundleBytes: cold.bundleBytes, coldStarts: cold.coldStarts, memoryLimit, files };
}

/** The same seed and size give the same bytes and counts. */
function generatorIsDeterministic(): Check {
  const dir = path.join(WORK_DIR, `determinism-${process.pid}`);
  try {
    const a = generateOrders(path.join(dir, 'a.csv'), 20_000);
    const b = generateOrders(path.join(dir, 'b.csv'), 20_000);
    const hash = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
    const same = hash(a.file) === hash(b.file) && JSON.stringify({ ...a, file: '' }) === JSON.stringify({ ...b, file: '' });
    return check('generator: deterministic', same, `20000 rows, ${a.bytes} bytes, ${a.quotedNewlines} quoted newlines`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function machine(loadBefore: number[]): Machine {
  const duckdbPackage = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf-8')) as { version: string };
  return {
    nproc: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    duckdb: duckdbPackage.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadBefore,
    loadAfter: os.loadavg(),
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // --render <results.json>: rewrite the report of a saved run (no measurement).
  const renderFrom = process.argv.indexOf('--render');
  const results =
    renderFrom >= 0
      ? (JSON.parse(readFileSync(process.argv[renderFrom + 1], 'utf-8')) as BenchResults)
      : await runBench({ quick, sizing: !process.argv.includes('--no-sizing'), log: (line) => process.stderr.write(`${line}\n`) });
  const report = renderReport(results);
  process.stdout.write(`${report.table}\n`);
  mkdirSync(DATA_DIR, { recursive: true });
  if (renderFrom < 0) writeFileSync(path.join(DATA_DIR, quick ? 'results-quick.json' : 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const target = results.quick ? path.join(DATA_DIR, 'performance-quick.md') : path.join(ROOT, 'docs', 'performance.md');
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `${report.document.trimEnd()}\n${keptSection(target)}`);
  const failed = results.checks.filter((c) => !c.ok);
  if (results.spark && !results.spark.measured) process.stderr.write(`\nSpark row not measured: ${results.spark.reason}\n`);
  process.stderr.write(
    `\n${results.checks.length - failed.length}/${results.checks.length} checks passed; wrote ${path.relative(ROOT, target)} (${results.durationS.toFixed(0)} s)\n`,
  );
  for (const f of failed) process.stderr.write(`FAILED ${f.name}: ${f.detail}\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}

/** The section bench/gzip-input.ts writes into the document (between its markers), kept across a rerun of the bench. */
function keptSection(target: string): string {
  const text = existsSync(target) ? readFileSync(target, 'utf-8') : '';
  const start = text.indexOf('<!-- gzip-input:begin -->');
  const end = text.indexOf('<!-- gzip-input:end -->');
  return start < 0 || end < start ? '' : `\n${text.slice(start, end + '<!-- gzip-input:end -->'.length)}\n`;
}
