/**
 * The Spark part of issue 22 in the report: read partitions and Spark jobs per run (event log,
 * bench/spark-files.ts), files per output partition (every run's output, every engine), Spark
 * against DuckDB at the Spark row's size, and the sizing measurement (bench/spark-sizing.ts).
 */
import { FILE_TARGET_BYTES, type TransformRun } from './job-run';
import type { ReportGoal } from './report-rejects';
import { fileLabel, mb, mib, rowsLabel, s, table, x } from './report-format';
import type { BenchResults } from './run';
import type { SparkFilesResults } from './spark-files';
import { projectWorkers } from '../infra/glue-sizing';
import type { SizingMeasurement } from './spark-sizing';

/** Issue 22's goals. */
export const READ_PARTITIONS_GOAL = 2;
export const SPARK_DUCKDB_GOAL_RATIO = 4;
export const SIZING_SPEEDUP_GOAL = 1.6;
/** Spark jobs per run before issue 22 (the metrics' scalar subqueries each a job). */
export const SPARK_JOBS_BEFORE = 23;

/** The engine a run's kind names. */
export function engineOf(kind: string): 'Spark' | 'fast path' | 'DuckDB job' | undefined {
  if (kind.startsWith('spark')) return 'Spark';
  if (kind.startsWith('fast path')) return 'fast path';
  if (kind.startsWith('job')) return 'DuckDB job';
  return undefined;
}

/** Every timed run of a job (not the baselines) in the results. */
export function jobRuns(r: BenchResults): TransformRun[] {
  const runs: TransformRun[] = [];
  for (const t of r.transform) runs.push(...t.job.runs);
  if (r.spark?.measured) runs.push(r.spark.first, ...r.spark.duckdb.runs, ...r.spark.spark.runs);
  if (r.fastPath?.measured) for (const f of r.fastPath.files) runs.push(...f.runs);
  for (const pair of r.rejects ? [r.rejects.duckdb, r.rejects.fastPath, r.rejects.spark] : []) {
    if ('withRejects' in pair) runs.push(...pair.withRejects.runs, ...pair.withoutRejects.runs);
  }
  if (r.sparkFiles?.measured) runs.push(...r.sparkFiles.spark.map((f) => f.run), r.sparkFiles.duckdb);
  return runs;
}

/** Files per output partition, per engine, over every run that wrote its output. Pure. */
export function filesByEngine(runs: readonly TransformRun[]): { engine: string; runs: number; maxFiles: number; maxPartitions: number; over: number }[] {
  const by = new Map<string, { engine: string; runs: number; maxFiles: number; maxPartitions: number; over: number }>();
  for (const run of runs) {
    const engine = engineOf(run.kind);
    if (!engine || !run.output || run.output.files === 0) continue;
    const e = by.get(engine) ?? { engine, runs: 0, maxFiles: 0, maxPartitions: 0, over: 0 };
    by.set(engine, {
      engine,
      runs: e.runs + 1,
      maxFiles: Math.max(e.maxFiles, run.output.maxFilesPerPartition),
      maxPartitions: Math.max(e.maxPartitions, run.output.partitions),
      over: e.over + run.output.partitionsOverTarget,
    });
  }
  return ['DuckDB job', 'fast path', 'Spark'].flatMap((engine) => (by.has(engine) ? [by.get(engine)!] : []));
}

/** Issue 22's goals from one run. */
export function scalingGoals(r: BenchResults): ReportGoal[] {
  const goals: ReportGoal[] = [];
  const files = r.sparkFiles;
  if (files) {
    const first = files.measured ? files.spark.find((f) => f.config === 'strict') : undefined;
    const parts = first?.work?.readPartitions;
    goals.push({
      goal: `read partitions of the ${files.measured ? fileLabel(files.size, files.bytes) : ''} bench file, Spark on ${files.measured ? files.cores : '?'} local cores`,
      target: `≥ ${READ_PARTITIONS_GOAL}`,
      measured: !files.measured
        ? `not measured: ${files.reason}`
        : parts === undefined
          ? `not in the event log${first?.run.error ? ` (the run failed: ${first.run.error.split('\n')[0]})` : ''}`
          : `${parts} (tasks of the run's first stage, ${first?.work?.stages[0]?.name ?? '?'})`,
      met: parts === undefined ? undefined : parts >= READ_PARTITIONS_GOAL,
    });
    if (files.measured) {
      const jobs = files.spark.map((f) => `${f.run.sparkJobs ?? f.work?.jobs ?? '?'} (${f.config === 'strict' ? 'by ingestion date' : 'by order_date'})`);
      goals.push({
        goal: 'Spark jobs per run (the run report’s `sparkJobs`)',
        target: `few (${SPARK_JOBS_BEFORE} before issue 22)`,
        measured: jobs.join(', '),
        met: undefined,
      });
    }
  }
  for (const e of filesByEngine(jobRuns(r))) {
    goals.push({
      goal: `files per output partition, ${e.engine}`,
      target: `≤ 1 per ${mib(FILE_TARGET_BYTES)} of the partition`,
      measured: `at most ${e.maxFiles} in a partition; ${e.over} partition(s) over (${e.runs} runs, up to ${e.maxPartitions} partitions)`,
      met: e.over === 0,
    });
  }
  const spark = r.spark;
  if (spark) {
    const ratio = spark.measured ? spark.spark.medianMs / spark.duckdb.medianMs : Number.NaN;
    goals.push({
      goal: `Spark against the DuckDB job, ${rowsLabel(spark.size)} rows, warm`,
      target: `≤ ${SPARK_DUCKDB_GOAL_RATIO}×`,
      measured: spark.measured
        ? `${x(ratio)}: ${s(spark.spark.medianMs)} s against ${s(spark.duckdb.medianMs)} s (CPU ${x(spark.spark.medianCpuMs / spark.duckdb.medianCpuMs)})`
        : `not measured: ${spark.reason}`,
      met: spark.measured && spark.size === '5m' ? spark.spark.completed && ratio <= SPARK_DUCKDB_GOAL_RATIO : undefined,
    });
  }
  const sizing = r.sizing;
  if (sizing) {
    goals.push({
      goal: 'local[2] / local[1] speedup, ≥ 1 GB file with quoted newlines (bench/spark-sizing.ts)',
      target: `≥ ${SIZING_SPEEDUP_GOAL}×`,
      measured:
        'reason' in sizing
          ? `not measured: ${sizing.reason}`
          : `${x(sizing.speedup)} on ${mb(sizing.bytes)} MB (${sizing.quotedNewlines} quoted newlines); ${sizing.read}`,
      met: 'reason' in sizing ? undefined : sizing.bytes >= 1e9 && sizing.speedup >= SIZING_SPEEDUP_GOAL,
    });
  }
  return goals;
}

/** Why an issue-22 goal is not met, a paragraph each. */
export function scalingWhy(r: BenchResults): string[] {
  const out: string[] = [];
  const files = r.sparkFiles?.measured ? r.sparkFiles : undefined;
  const work = files?.spark.find((f) => f.config === 'strict')?.work;
  if (work?.readPartitions !== undefined && work.readPartitions < READ_PARTITIONS_GOAL) {
    out.push(
      `**Read partitions (${work.readPartitions}).** The run's first stage (${work.stages[0]?.name ?? '?'}) ran ${work.readPartitions} task(s) on ` +
        `${files?.cores} cores; its first stages: ${stagesText(work.stages.slice(0, 3))}.`,
    );
  }
  const spark = r.spark;
  if (spark?.measured && spark.spark.medianMs / spark.duckdb.medianMs > SPARK_DUCKDB_GOAL_RATIO) {
    const w = spark.spark;
    out.push(
      `**Spark against DuckDB (${x(w.medianMs / spark.duckdb.medianMs)} at ${rowsLabel(spark.size)} rows).** Warm Spark runs take ${s(w.medianMs)} s ` +
        `for ${s(w.medianCpuMs)} s of CPU (${(w.medianCpuMs / w.medianMs).toFixed(2)} cores busy on average), the DuckDB job ${s(spark.duckdb.medianMs)} s ` +
        `for ${s(spark.duckdb.medianCpuMs)} s (${(spark.duckdb.medianCpuMs / spark.duckdb.medianMs).toFixed(2)} cores)` +
        (work && files ? `; on the ${rowsLabel(files.size)}-row file the longest stages were: ${stagesText(longest(work.stages, 5))}.` : '.'),
    );
  }
  const sizing = r.sizing;
  if (sizing && !('reason' in sizing) && sizing.speedup < SIZING_SPEEDUP_GOAL) {
    out.push(
      `**local[2] / local[1] (${x(sizing.speedup)}).** The runner's own time: local[1] ${s(median(sizing.oneThread.map((t) => t.reportedMs ?? t.ms)))} s, ` +
        `local[2] ${s(median(sizing.twoThreads.map((t) => t.reportedMs ?? t.ms)))} s; Amdahl's serial fraction from it ${sizing.serialFraction.toFixed(2)} (${sizing.read}).`,
    );
  }
  return out;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `n` stages whose tasks ran longest, in stage order. */
const longest = <T extends { id: number; taskMs: number }>(stages: readonly T[], n: number): T[] =>
  [...stages]
    .sort((a, b) => b.taskMs - a.taskMs)
    .slice(0, n)
    .sort((a, b) => a.id - b.id);

const stagesText = (stages: readonly { id: number; name: string; tasks: number; taskMs: number }[]): string =>
  stages.map((st) => `${st.id} ${st.name}: ${st.tasks} task${st.tasks === 1 ? '' : 's'}, ${s(st.taskMs)} s`).join('; ');

/** The section: the Spark runs with the event log, the files per partition, the sizing. */
export function renderScaling(r: BenchResults): string {
  const parts = ['## Spark: read partitions, jobs, files per partition, sizing'];
  parts.push(sparkFilesText(r.sparkFiles));
  parts.push(sizingText(r.sizing));
  return `${parts.join('\n\n')}\n`;
}

function sparkFilesText(files: SparkFilesResults | undefined): string {
  if (!files) return '**Not measured in this run** (results saved before the bench measured it).';
  if (!files.measured) return `**Not measured in this run**: ${files.reason}.`;
  const row = (
    config: string,
    run: TransformRun,
    work?: { jobs: number; readPartitions?: number; stages: readonly { id: number; name: string; tasks: number; taskMs: number }[] },
  ) => [
    config,
    run.error ? `failed: ${run.error.split('\n')[0].slice(0, 100)}` : `${s(run.ms)} s`,
    `${run.sparkJobs ?? work?.jobs ?? '–'}`,
    `${work?.readPartitions ?? '–'}`,
    run.output ? `${run.output.partitions}` : '–',
    run.output ? `${run.output.files}` : '–',
    run.output ? `${run.output.maxFilesPerPartition}` : '–',
    run.output ? `${run.output.partitionsOverTarget}` : '–',
    work ? stagesText(work.stages) : '–',
  ];
  const rows = [
    ...files.spark.map((f) => row(`Spark, ${f.config === 'strict' ? 'by ingestion date (the project’s)' : 'by order_date'}`, f.run, f.work)),
    row('DuckDB job, by order_date', files.duckdb),
  ];
  return (
    `${fileLabel(files.size, files.bytes)} (\`orders-${files.size}.csv\`) through the local Spark engine (\`local[*]\`, ${files.cores} cores) on one worker whose ` +
    `Spark writes its event log (\`spark.eventLog.enabled\` from a \`spark-defaults.conf\`, the runner unchanged): under the project's config ` +
    `(the worker's first run: its JVM's start is in its time) and partitioned by \`order_date\`; then the DuckDB job by \`order_date\`. ` +
    `Spark jobs are the run report's \`sparkJobs\`; the read partitions are the tasks of the run's first stage; stages are those executed ` +
    `(cached ones skipped), with their tasks' executor time. "over" counts partitions holding more than one file per ${mib(FILE_TARGET_BYTES)}.\n\n` +
    table(['run', 'time', 'Spark jobs', 'read partitions', 'partitions', 'files', 'max files in a partition', 'over', 'stages (tasks, executor time)'], rows)
  );
}

function sizingText(sizing: BenchResults['sizing']): string {
  const title = '**Sizing** (`bench/spark-sizing.ts`: local[1] against local[2] on a file of at least 1 GB with quoted newlines).';
  if (!sizing) return `${title} Not measured in this run (\`npm run bench\` without \`--no-sizing\` measures it).`;
  if ('reason' in sizing) return `${title} Not measured: ${sizing.reason}.`;
  const runs = (list: readonly TransformRun[]) => list.map((t) => `${s(t.reportedMs ?? t.ms)} s (CPU ${s(t.cpuMs)} s)`).join(', ');
  const projections = [2, 3, 5, 10].flatMap((workers) => [60, 115].map((minutes) => projectWorkers(sizing, workers, minutes)));
  return (
    `${title} ${mb(sizing.bytes)} MB, ${sizing.rows} rows, ${sizing.quotedNewlines} quoted newlines; ${sizing.read}. ` +
    `local[1]: ${runs(sizing.oneThread)}; local[2]: ${runs(sizing.twoThreads)} (the runner's own time, its run report's \`durationMs\`). ` +
    `Speedup **${x(sizing.speedup)}**, serial fraction ${sizing.serialFraction.toFixed(2)}, one core ${mb(sizing.bytesPerCoreSecond)} MB/s.\n\n` +
    table(
      ['G.1X workers', 'task slots', 'job timeout', 'projected throughput', 'largest input'],
      projections.map((p) => [
        `${p.workers}`,
        `${p.taskSlots}`,
        `${p.timeoutMinutes} min`,
        `${mb(p.bytesPerSecond)} MB/s`,
        `${(p.maxInputBytes / 1e9).toFixed(1)} GB`,
      ]),
    )
  );
}

/** A sizing run that did not happen, and why (BenchResults.sizing). */
export type SizingResult = SizingMeasurement | { readonly reason: string };
