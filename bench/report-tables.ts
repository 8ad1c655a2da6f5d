/**
 * The benchmark report's tables and charts, one function per measurement; the printed table and
 * docs/performance.md both show them.
 */
import type { LambdaBundle } from './lambda';
import { bars, dur, fileLabel, kb, mb, mib, msText, rowsLabel, s, table, x } from './report-format';
import type { BenchResults } from './run';
import type { SparkMeasured } from './spark';
import { median, range } from './stats';

/** One size's transform comparison. */
export type TransformResult = BenchResults['transform'][number];

/** The transform comparison of one size, if it was run. */
export function findTransform(transform: readonly TransformResult[], size: string): TransformResult | undefined {
  return transform.find((t) => t.size === size);
}

/** The transform comparisons: the table, the chart of medians, every run's time, the job's peak RSS by size. */
export interface TransformTables {
  readonly table: string;
  readonly chart: string;
  readonly ranges: string;
  readonly jobRss: string;
}

/** The job against the baselines, one row per size. */
export function renderTransform(transform: readonly TransformResult[]): TransformTables {
  const chart = bars(
    transform.flatMap((t) => [
      { label: `${rowsLabel(t.size)} job`, value: t.job.medianMs, text: `${s(t.job.medianMs)} s` },
      ...(t.best ? [{ label: `${rowsLabel(t.size)} ${t.best.kind}`, value: t.best.medianMs, text: `${s(t.best.medianMs)} s` }] : []),
    ]),
  );
  const ranges = transform
    .map(
      (t) =>
        `${rowsLabel(t.size)}: job ${t.job.runs
          .filter((run) => !run.error)
          .map((run) => s(run.ms))
          .join(', ')} s; ${t.best ? `${t.best.kind} ${t.best.runs.map((run) => s(run.ms)).join(', ')} s` : ''}`,
    )
    .join('\n');
  const jobRss = transform.map((t) => `${rowsLabel(t.size)} ${mib(range(t.job.runs.map((run) => run.maxRssBytes))[1])}`).join(', ');
  return {
    table: table(
      [
        'rows',
        'memory_limit',
        'job (median)',
        'fastest baseline (median)',
        'job / baseline, wall',
        'job / baseline, CPU',
        'window',
        'argmax',
        'two-stage',
        'row-struct',
        'job peak RSS',
        'runs',
      ],
      transform.map(transformRow),
    ),
    chart,
    ranges,
    jobRss,
  };
}

function transformRow(t: TransformResult): string[] {
  const best = t.best;
  const cell = (kind: string): string => {
    const b = t.baselines.find((c) => c.kind === kind);
    if (!b || b.runs.length === 0) return '–';
    return b.completed ? `${s(b.medianMs)} s` : 'out of memory';
  };
  return [
    rowsLabel(t.size),
    t.memoryLimit,
    `${s(t.job.medianMs)} s (CPU ${s(t.job.medianCpuMs)} s)`,
    best ? `${s(best.medianMs)} s (CPU ${s(best.medianCpuMs)} s), ${best.kind}` : 'none completed',
    best ? x(t.job.medianMs / best.medianMs) : '–',
    best ? x(t.job.medianCpuMs / best.medianCpuMs) : '–',
    ...['window', 'argmax', 'two-stage', 'row-struct'].map(cell),
    mib(t.job.maxRssBytes),
    `${t.job.runs.length}`,
  ];
}

/** The Spark row: its table (or why it was not measured), the note under it, what the text names. */
export interface SparkTables {
  readonly table: string;
  readonly note: string;
  readonly rows: string;
  readonly version: string;
  readonly memoryLimit: string;
}

/** The Spark row, or why it was not measured. */
export function renderSpark(spark: NonNullable<BenchResults['spark']>): SparkTables {
  const rows = rowsLabel(spark.size);
  if (!spark.measured) return { table: `**Not measured in this run** (${rows} rows): ${spark.reason}.`, note: '', rows, version: '', memoryLimit: '' };
  const { first, duckdb, spark: warm } = spark;
  const startupMs = first.ms - warm.medianMs;
  // Before the runner's main began: the worker, the JVM, the Spark session.
  const launchMs = first.ms - (first.reportedMs ?? Number.NaN);
  const rendered = table(
    [
      'rows',
      'DuckDB job (median)',
      'Spark, warm run (median)',
      'Spark / DuckDB, wall',
      'Spark / DuckDB, CPU',
      'Spark first run',
      'Spark start-up (first − warm)',
      'of which worker, JVM, session',
      'Spark peak RSS',
      'runs',
    ],
    [
      [
        rows,
        `${s(duckdb.medianMs)} s (CPU ${s(duckdb.medianCpuMs)} s)`,
        `${s(warm.medianMs)} s (CPU ${s(warm.medianCpuMs)} s)`,
        x(warm.medianMs / duckdb.medianMs),
        x(warm.medianCpuMs / duckdb.medianCpuMs),
        `${s(first.ms)} s (CPU ${s(first.cpuMs)} s)`,
        `${s(startupMs)} s`,
        `${s(launchMs)} s`,
        mib(warm.maxRssBytes),
        `1 first + ${warm.runs.length} warm, ${duckdb.runs.length} DuckDB`,
      ],
    ],
  );
  const failures = [first, ...duckdb.runs, ...warm.runs].filter((run) => run.error).map((run) => `**${run.kind} failed:** ${run.error?.split('\n')[0]}`);
  const note = sparkNote(spark, startupMs, launchMs);
  return { table: [rendered, ...failures].join('\n\n'), note, rows, version: ` ${spark.sparkVersion}`, memoryLimit: `, memory_limit ${spark.memoryLimit}` };
}

/** The note under the Spark row: what the start-up is made of, and every run's time. */
function sparkNote({ first, duckdb, spark: warm }: SparkMeasured, startupMs: number, launchMs: number): string {
  const runs = `first ${s(first.ms)} s; warm ${warm.runs.map((run) => s(run.ms)).join(', ')} s; DuckDB job ${duckdb.runs.map((run) => s(run.ms)).join(', ')} s`;
  return (
    `\n"Spark start-up" is what the first run takes more than a warm one: ${s(startupMs)} s, of which ${s(launchMs)} s pass\n` +
    `before the runner's \`main\` begins (the worker, the JVM and the Spark session starting: the first run's wall time\n` +
    `less the duration its run report states) and the rest is the first transform on a cold JVM (class loading,\n` +
    `JIT compilation). All runs, wall seconds: ${runs}.\n`
  );
}

/** Validation: the full-scan throughput table, the bounded (as configured) table and its chart. */
export interface ValidationTables {
  readonly fullScan: string;
  readonly bounded: string;
  readonly chart: string;
}

/** The full scans against bare parsers, and the Validate step on each file as configured. */
export function renderValidation(validation: BenchResults['validation']): ValidationTables {
  const fullScanRows = validation.fullScan.map((v) => {
    const vm = median(v.validate.map((p) => p.ms));
    const fm = median(v.fastCsv.map((p) => p.ms));
    const cm = median(v.csvParse.map((p) => p.ms));
    return [
      fileLabel(v.size, v.bytes),
      `${mb(v.bytes / (vm / 1000))} MB/s`,
      `${mb(v.bytes / (fm / 1000))} MB/s`,
      `${mb(v.bytes / (cm / 1000))} MB/s`,
      x(fm / vm),
      x(cm / vm),
      `${s(vm)} s`,
    ];
  });
  const boundedRows = validation.bounded.map((b) => [
    fileLabel(b.size, b.bytes),
    b.sampled ? `sample (${validation.sampleRows} rows)` : 'every row',
    `${b.runs[0]?.records ?? 0}`,
    `${mb(median(b.runs.map((p) => p.bytesRead)))} MB`,
    `${msText(median(b.runs.map((p) => p.ms)))} ms`,
  ]);
  const chart = bars(
    validation.bounded.map((b) => ({
      label: fileLabel(b.size, b.bytes),
      value: median(b.runs.map((p) => p.ms)),
      text: `${msText(median(b.runs.map((p) => p.ms)))} ms (${b.sampled ? 'sample' : 'every row'})`,
    })),
  );
  return {
    fullScan: table(
      ['file', 'validate (full scan)', 'bare fast-csv', 'bare csv-parse', 'validate / fast-csv', 'validate / csv-parse', 'validate time'],
      fullScanRows,
    ),
    bounded: table(['file', 'checked', 'rows checked', 'read', 'Validate step time (median)'], boundedRows),
    chart,
  };
}

/** The state machine's own overhead with no-op tasks, in milliseconds. */
export interface StateMachineFigures {
  readonly medianMs: number;
  readonly perStateMs: number;
}

/** The median execution and its share per state. */
export function stateMachineFigures(sm: BenchResults['stateMachine']): StateMachineFigures {
  const medianMs = median(sm.msPerExecution);
  return { medianMs, perStateMs: medianMs / sm.statesPerExecution };
}

type EndToEndFile = BenchResults['e2e']['files'][number];

/** Where the time of `etl run` goes for one file (medians, in milliseconds). */
export interface EndToEndStats {
  readonly file: EndToEndFile;
  readonly wall: number;
  readonly execution: number;
  readonly validate: number;
  readonly transform: number;
  readonly summarize: number;
  readonly archive: number;
  readonly notify: number;
  readonly overheadPerState: number;
  readonly rest: number;
  readonly status: string;
}

/** `etl run` end to end: the process start, each file's figures, their table and the chart of the largest file. */
export interface EndToEndTables {
  readonly cliStart: number;
  readonly stats: readonly EndToEndStats[];
  readonly table: string;
  readonly largest: EndToEndStats | undefined;
  readonly chart: string;
}

/** One row per file; the chart shows the largest. */
export function renderEndToEnd(e2e: BenchResults['e2e']): EndToEndTables {
  const cliStart = median(e2e.cliStartMs);
  const stats = e2e.files.map((f) => endToEndStats(f, cliStart));
  const rendered = table(
    [
      'file',
      'outcome',
      'wall (median)',
      'process start + CLI load',
      'execution',
      'Validate',
      'Transform (Glue stand-in or fast path)',
      'Summarize',
      'Archive',
      'Notify',
      'state machine, per state',
      'put + trigger + history + exit',
    ],
    stats.map((e) => [
      fileLabel(e.file.size, e.file.bytes),
      e.status,
      `${s(e.wall)} s`,
      `${s(cliStart)} s`,
      `${s(e.execution)} s`,
      dur(e.validate),
      dur(e.transform),
      dur(e.summarize),
      dur(e.archive),
      dur(e.notify),
      `${e.overheadPerState.toFixed(2)} ms`,
      dur(e.rest),
    ]),
  );
  const largest = stats[stats.length - 1];
  return { cliStart, stats, table: rendered, largest, chart: largest ? endToEndChart(largest, cliStart) : '' };
}

const notifyStates = (name: string): boolean => name.startsWith('Notify');
/** Whichever transform ChooseEngine chose: the Glue stand-in or the fast path. */
export const isTransformState = (name: string): boolean => name === 'Transform' || name === 'TransformInLambda';
const taskNames = new Set([
  'Validate',
  'Transform',
  'TransformInLambda',
  'Summarize',
  'Archive',
  'NotifySuccess',
  'NotifyWarning',
  'NotifyFailure',
  'NotifyRejected',
  'NotifyTransformFailure',
  'NotifyCritical',
  'Reject',
  'DescribeTransformFailure',
  'RedriveGate',
]);

function endToEndStats(f: EndToEndFile, cliStart: number): EndToEndStats {
  const stateMs = (pick: (name: string) => boolean): number =>
    median(f.runs.map((run) => run.states.filter((st) => pick(st.name)).reduce((a, st) => a + st.ms, 0)));
  const overheadPerState = median(
    f.runs.map((run) => (run.executionMs - run.states.filter((st) => taskNames.has(st.name)).reduce((a, st) => a + st.ms, 0)) / Math.max(1, run.states.length)),
  );
  const wall = median(f.runs.map((run) => run.wallMs));
  const execution = median(f.runs.map((run) => run.executionMs));
  return {
    file: f,
    wall,
    execution,
    validate: stateMs((n) => n === 'Validate'),
    transform: stateMs(isTransformState),
    summarize: stateMs((n) => n === 'Summarize'),
    archive: stateMs((n) => n === 'Archive'),
    notify: stateMs(notifyStates),
    overheadPerState,
    rest: wall - cliStart - execution,
    status: `${f.runs[0]?.status ?? '–'} (${f.runs[0]?.states.some((st) => st.name === 'TransformInLambda') ? 'fast path' : 'Glue stand-in'})`,
  };
}

function endToEndChart(largest: EndToEndStats, cliStart: number): string {
  return bars(
    [
      { label: 'process start + CLI load', value: cliStart },
      { label: 'Validate', value: largest.validate },
      { label: 'Transform', value: largest.transform },
      { label: 'Summarize', value: largest.summarize },
      { label: 'Archive', value: largest.archive },
      { label: 'Notify', value: largest.notify },
      { label: 'state machine (all states)', value: largest.overheadPerState * (largest.file.runs[0]?.states.length ?? 0) },
      { label: 'put + trigger + history + exit', value: largest.rest },
    ].map((item) => ({ ...item, text: dur(item.value) })),
  );
}

/** The Lambda bundles' table and the trigger's bundle (SDK from the runtime), which the goals read. */
export interface BundleTables {
  readonly table: string;
  readonly trigger: LambdaBundle | undefined;
}

/** One row per entry point, both variants side by side. */
export function renderBundles(bundles: readonly LambdaBundle[]): BundleTables {
  const bundle = (entry: string, variant: string) => bundles.find((b) => b.entry === entry && b.variant === variant);
  const rows = [...new Set(bundles.map((b) => b.entry))].map((entry) => {
    const ext = bundle(entry, 'sdk-external');
    const inc = bundle(entry, 'sdk-bundled');
    const esm = bundle(entry, 'sdk-bundled-esm');
    return [
      entry,
      ext ? kb(ext.bytes) : '–',
      ext ? `${msText(median(ext.importMs))} ms` : '–',
      ext?.bytesWithoutZod ? kb(ext.bytesWithoutZod) : '–',
      inc ? kb(inc.bytes) : '–',
      inc ? `${msText(median(inc.importMs))} ms` : '–',
      esm ? `${kb(esm.bytes)}, ${msText(median(esm.importMs))} ms` : '–',
      (ext ?? inc)?.largest.map((l) => `${l.name} ${kb(l.bytes)}`).join(', ') ?? '–',
    ];
  });
  return {
    table: table(
      [
        'function',
        'bundle, SDK from the runtime',
        'cold import',
        'same without zod (size only)',
        'bundle, SDK bundled',
        'cold import',
        'SDK bundled from ES modules: bundle, cold import',
        'largest parts (SDK from the runtime)',
      ],
      rows,
    ),
    trigger: bundle('trigger', 'sdk-external'),
  };
}
