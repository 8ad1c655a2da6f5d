/**
 * Sizing the Glue job from measurement (issue 22 item 6), standalone:
 * `npx tsx bench/spark-sizing.ts [--rows N] [--rounds N] [--keep] [--json]` (`--min-bytes B`: a
 * smaller file, to try the script).
 *
 * One generated `orders` file of at least 1 GiB whose notes hold quoted newlines (bench/generate.ts;
 * written to the system's temp folder, never the repository, and removed after unless `--keep`)
 * goes through the Glue script on local Spark (`SparkGlueJob`, the engine of `etl --engine spark`)
 * with `local[1]` and with `local[2]`, a fresh worker each, the two interleaved round by round.
 * Each run's time is the runner's own (`durationMs` of its run report: the JVM's start is not in
 * it); its CPU time (the worker's and the JVM's, from /proc: GC and JIT threads included, so more
 * than the wall time of `local[1]`) and the load average are recorded beside it, to tell a run
 * slowed by other load on this shared machine.
 *
 * From them: the throughput of one core (bytes per second of the runner at `local[1]`: with other
 * load, less than a free core gives, so the sizing errs short), the speedup of a second core, the serial fraction that speedup implies (Amdahl: `p = 2 / speedup - 1`), and for
 * N G.1X workers (4 vCPUs each; one is the driver, so `4 × (N − 1)` task slots: infra/glue-sizing.ts) the projected
 * throughput and the largest input that finishes within a job timeout, after a start-up allowance.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { projectWorkers } from '../infra/glue-sizing';
import { SparkGlueJob } from '../local/runtime/engines/spark-job';
import { type ExpectedCounts, GENERATOR_VERSION, generateOrders } from './generate';
import { BENCH_JOB_NAME, CHILD_PROCESSES, type TransformRun, benchBucket, runBenchJob, timed, waitForChildProcesses } from './job-run';
import { ROOT } from './paths';

/** The smallest file the measurement counts (issue 22: at least 1 GB). */
export const MIN_BYTES = 2 ** 30;
/** Rows of the default file: about 1.1 GB with the generator's rows. */
const DEFAULT_ROWS = 6_000_000;

/** One pair of runs' figures. */
export interface SizingMeasurement {
  readonly bytes: number;
  readonly rows: number;
  readonly quotedNewlines: number;
  readonly oneThread: readonly TransformRun[];
  readonly twoThreads: readonly TransformRun[];
  /** Bytes per second of the runner at `local[1]`: one core's throughput. */
  readonly bytesPerCoreSecond: number;
  /** `local[1]` time / `local[2]` time (the runner's own, medians). */
  readonly speedup: number;
  /** Amdahl's serial fraction implied by the speedup on 2 cores (0: all parallel, 1: none). */
  readonly serialFraction: number;
  /** How the runner read its input: whether etl_runner.py reads in byte ranges. */
  readonly read: string;
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
}

/** The file, generated into the temp folder unless a file of that version and size is there. */
function inputFile(rows: number): { file: string; expected: ExpectedCounts } {
  const file = path.join(os.tmpdir(), 'etl-spark-sizing', `orders-${rows}.csv`);
  const meta = `${file}.expected.json`;
  if (existsSync(file) && existsSync(meta)) {
    const expected = JSON.parse(readFileSync(meta, 'utf-8')) as ExpectedCounts;
    if (expected.generatorVersion === GENERATOR_VERSION && expected.rows === rows) return { file, expected };
  }
  const expected = generateOrders(file, rows);
  writeFileSync(meta, `${JSON.stringify(expected)}\n`);
  return { file, expected };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Which read the runner does (the split read of issue 22 item 1 reads byte ranges: glue/csv_records.py). */
function readKind(): string {
  const runner = readFileSync(path.join(ROOT, 'glue', 'etl_runner.py'), 'utf-8');
  const split = /^\s*(from|import) csv_records\b/m.test(runner) || /^\s*(from|import) \w*split\w*\b/m.test(runner);
  let revision = 'unknown';
  try {
    revision = execFileSync('git', ['hash-object', 'glue/etl_runner.py'], { cwd: ROOT, encoding: 'utf-8' }).trim().slice(0, 12);
  } catch {
    // no git: the revision stays unknown
  }
  return `${split ? 'split read (byte ranges)' : 'one multiLine read (not splittable)'}, etl_runner.py blob ${revision}`;
}

/** One run of the file on a fresh worker with `threads` local threads. */
async function runOnce(file: string, threads: number, round: number): Promise<TransformRun> {
  const workDir = path.join(os.tmpdir(), 'etl-spark-sizing', `work-${process.pid}-${threads}-${round}`);
  rmSync(workDir, { recursive: true, force: true });
  const { bucket, config } = benchBucket(file, workDir);
  const job = new SparkGlueJob(bucket, config, BENCH_JOB_NAME, { threads });
  try {
    return await timed(`local[${threads}]`, () => runBenchJob(job, bucket), CHILD_PROCESSES);
  } finally {
    job.close();
    await waitForChildProcesses(60_000);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs the measurement: `rounds` pairs of `local[1]` and `local[2]` runs on one file of `rows` rows. */
export async function measureSizing(rows: number, rounds: number, log: (line: string) => void, minBytes = MIN_BYTES): Promise<SizingMeasurement> {
  const { file, expected } = inputFile(rows);
  if (expected.bytes < minBytes) throw new Error(`the file has ${expected.bytes} bytes, under ${minBytes}: pass a larger --rows`);
  log(`file: ${file}, ${(expected.bytes / 1e9).toFixed(2)} GB, ${expected.rows} rows, ${expected.quotedNewlines} quoted newlines`);
  const before = os.loadavg();
  const runs: Record<1 | 2, TransformRun[]> = { 1: [], 2: [] };
  for (let round = 0; round < rounds; round += 1) {
    // Interleaved, the order alternating: a change in the machine's load falls on both.
    for (const threads of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
      const run = await runOnce(file, threads, round);
      log(
        `${run.kind}: ${((run.reportedMs ?? run.ms) / 1000).toFixed(1)} s (runner), ${(run.ms / 1000).toFixed(1)} s (with the worker's start), ` +
          `CPU ${(run.cpuMs / 1000).toFixed(1)} s, rowsIn ${run.rowsIn}, rowsOut ${run.rowsOut}${run.error ? `, error ${run.error}` : ''}`,
      );
      if (run.error) throw new Error(`${run.kind} failed: ${run.error}`);
      if (run.rowsIn !== expected.rows || run.rowsOut !== expected.distinctKeys)
        throw new Error(`${run.kind} counted ${run.rowsIn}/${run.rowsOut}, expected ${expected.rows}/${expected.distinctKeys}`);
      runs[threads].push(run);
    }
  }
  const time = (list: readonly TransformRun[]): number => median(list.map((r) => r.reportedMs ?? r.ms));
  const speedup = time(runs[1]) / time(runs[2]);
  return {
    bytes: expected.bytes,
    rows: expected.rows,
    quotedNewlines: expected.quotedNewlines,
    oneThread: runs[1],
    twoThreads: runs[2],
    bytesPerCoreSecond: expected.bytes / (time(runs[1]) / 1000),
    speedup,
    serialFraction: Math.min(1, Math.max(0, 2 / speedup - 1)),
    read: readKind(),
    loadAverage: { before, after: os.loadavg() },
  };
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

async function main(): Promise<void> {
  const rows = option('--rows', DEFAULT_ROWS);
  const rounds = option('--rounds', 1);
  const json = process.argv.includes('--json');
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  try {
    const measured = await measureSizing(rows, rounds, log, option('--min-bytes', MIN_BYTES));
    const projections = [2, 3, 5, 10].flatMap((workers) => [60, 115].map((minutes) => projectWorkers(measured, workers, minutes)));
    if (json) {
      process.stdout.write(`${JSON.stringify({ measured, projections }, null, 2)}\n`);
      return;
    }
    const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
    process.stdout.write(
      [
        `read: ${measured.read}`,
        `load average (1, 5, 15 min): before ${measured.loadAverage.before.map((l) => l.toFixed(1)).join(', ')}, after ${measured.loadAverage.after.map((l) => l.toFixed(1)).join(', ')}`,
        `one core: ${mb(measured.bytesPerCoreSecond)} MB/s; local[2] / local[1] speedup ${measured.speedup.toFixed(2)}× (goal ≥ 1.6×); serial fraction ${measured.serialFraction.toFixed(2)}`,
        '',
        '| G.1X workers | task slots | job timeout | projected throughput | largest input |',
        '|---|---|---|---|---|',
        ...projections.map(
          (p) => `| ${p.workers} | ${p.taskSlots} | ${p.timeoutMinutes} min | ${mb(p.bytesPerSecond)} MB/s | ${(p.maxInputBytes / 1e9).toFixed(1)} GB |`,
        ),
        '',
      ].join('\n'),
    );
  } finally {
    if (!process.argv.includes('--keep')) rmSync(path.join(os.tmpdir(), 'etl-spark-sizing'), { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
