/**
 * What the transform benchmarks share to run a Glue stand-in (`DuckDbGlueJob` in a worker process,
 * `SparkGlueJob` from the bench process) on a generated file: the bucket in a work dir with the file
 * hard-linked under `extract/`, the job arguments, the counts read back from the run report, and
 * the timing of one run.
 */
import { linkSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { type EtlConfig, parseConfigText } from '../core/config/dataset-config';
import { inputId } from '../core/naming';
import { FolderBucket } from '../local/runtime/folder-bucket';
import type { GlueJob, JobArguments } from '../local/runtime/engines/glue-job';
import { DEFAULT_CONFIG_PATH } from './paths';

/** What one transform run reports. */
export interface TransformRun {
  readonly kind: string;
  readonly ms: number;
  /** CPU time of the process (all threads) during the run: less sensitive to other load than `ms`. */
  readonly cpuMs: number;
  /** Peak resident set size of the whole process. */
  readonly maxRssBytes: number;
  /** The run's own duration as its run report states it (`durationMs`; job runs only). */
  readonly reportedMs?: number;
  readonly rowsIn?: number;
  readonly exactDuplicates?: number;
  readonly keyDuplicates?: number;
  readonly malformedRows?: number;
  readonly rowsOut: number;
  /** The error name of a run that ended FAILED as its report says (e.g. QualityThresholdError). */
  readonly failedWith?: string;
  /** The Spark jobs the run ran, as its run report says (`sparkJobs`: Spark runs only). */
  readonly sparkJobs?: number;
  /** The Parquet files the run left under the dataset's table (absent from results saved before it). */
  readonly output?: OutputFiles;
  readonly error?: string;
}

/** The Parquet files of a run's output, by partition (issue 22: at most one per partition per ~128 MB). */
export interface OutputFiles {
  readonly files: number;
  readonly partitions: number;
  readonly bytes: number;
  readonly maxFilesPerPartition: number;
  /** The partitions holding more files than one per {@link FILE_TARGET_BYTES} of their bytes (rounded up). */
  readonly partitionsOverTarget: number;
}

/** The data one output file may hold (issue 22 item 3). */
export const FILE_TARGET_BYTES = 128 * 2 ** 20;

/** What a run's body returns: everything but the timing. */
export type RunResult = Omit<TransformRun, 'kind' | 'ms' | 'cpuMs' | 'maxRssBytes'>;

/** Where CPU time and peak RSS of a run are read. */
export interface ResourceMeter {
  /** CPU time so far, ms (NaN when unknown). */
  cpuMs(): number;
  /** Peak RSS so far, bytes (0 when unknown). */
  maxRssBytes(): number;
}

/** The benchmark's own process. */
export const OWN_PROCESS: ResourceMeter = {
  cpuMs: () => {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1000;
  },
  // ru_maxrss is in kilobytes on Linux.
  maxRssBytes: () => process.resourceUsage().maxRSS * 1024,
};

/**
 * The processes this one started and that are still running (for the Spark engine: its Python
 * worker and the JVM), read from Linux's /proc: their CPU time added up, their peak RSS added up.
 * Processes that ended are not counted. NaN and 0 where there is no /proc.
 */
export const CHILD_PROCESSES: ResourceMeter = {
  cpuMs: () => {
    const tree = descendants();
    // utime and stime are in clock ticks: USER_HZ, 100 on Linux.
    return tree ? tree.reduce((sum, p) => sum + ((p.utime + p.stime) * 1000) / 100, 0) : Number.NaN;
  },
  maxRssBytes: () =>
    (descendants() ?? []).reduce((sum, p) => {
      const status = readProc(`/proc/${p.pid}/status`);
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(status ?? '')?.[1];
      return sum + Number(kb ?? 0) * 1024;
    }, 0),
};

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly utime: number;
  readonly stime: number;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf-8');
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/** Every live descendant of this process; undefined without /proc. */
function descendants(): ProcStat[] | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const all: ProcStat[] = [];
  for (const pid of pids) {
    const stat = readProc(`/proc/${pid}/stat`);
    if (!stat) continue;
    // Fields after the command name (which may hold spaces and parentheses): state, ppid, … utime (14th), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    all.push({ pid: Number(pid), ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) });
  }
  const tree: ProcStat[] = [];
  const parents = new Set([process.pid]);
  for (let grown = true; grown;) {
    grown = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        tree.push(p);
        grown = true;
      }
    }
  }
  return tree;
}

/** Resolves once no process this one started is running any more, or after `timeoutMs`. */
export async function waitForChildProcesses(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((descendants()?.length ?? 0) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Times `body`: wall clock, and CPU time and peak RSS from `meter`. A thrown error is the run's `error`. */
export async function timed(kind: string, body: () => Promise<RunResult>, meter: ResourceMeter = OWN_PROCESS): Promise<TransformRun> {
  const t0 = performance.now();
  const c0 = meter.cpuMs();
  let result: RunResult;
  try {
    result = await body();
  } catch (e: unknown) {
    result = { rowsOut: -1, error: e instanceof Error ? e.message : String(e) };
  }
  const ms = performance.now() - t0;
  return { kind, ms, cpuMs: meter.cpuMs() - c0, maxRssBytes: meter.maxRssBytes(), ...result };
}

/** The job name the benchmarks run the Glue stand-ins under. */
export const BENCH_JOB_NAME = 'etl-transformation-job';

const INPUT_KEY = 'extract/orders/orders-bench.csv';
const REPORT_KEY = 'logs/glue-jobs/orders/bench.json';
/** The ingestion date of every benchmark run. */
export const INGESTION_DATE = '2026-11-25';

/**
 * The dataset config a job run reads: the project's (`strict`), the same with `customer_email`
 * nullable (`nullable-email`), under which the rejects' variant of a file has none
 * (generate.ts `ensureMalformed`), or the project's partitioned by `order_date` instead of the
 * ingestion date (`by-order-date`: about 300 partitions of a generated file, for the file counts).
 */
export type BenchConfig = 'strict' | 'nullable-email' | 'by-order-date';

/** A bench bucket: a FolderBucket in `workDir` holding `file` (a hard link) under `extract/`. */
export function benchBucket(file: string, workDir: string, variant: BenchConfig = 'strict'): { bucket: FolderBucket; config: EtlConfig } {
  const text = readFileSync(DEFAULT_CONFIG_PATH, 'utf-8');
  const raw = JSON.parse(text) as { datasets: { name: string; columns: { name: string; nullable?: boolean }[]; partitioning?: unknown }[] };
  const orders = raw.datasets.find((d) => d.name === 'orders');
  if (variant === 'nullable-email') {
    for (const column of orders?.columns ?? []) if (column.name === 'customer_email') column.nullable = true;
  }
  if (variant === 'by-order-date' && orders) orders.partitioning = { by: 'column', column: 'order_date' };
  const config = parseConfigText(JSON.stringify(raw), DEFAULT_CONFIG_PATH);
  const bucket = new FolderBucket(workDir);
  mkdirSync(path.dirname(bucket.pathOf(INPUT_KEY)), { recursive: true });
  linkSync(file, bucket.pathOf(INPUT_KEY));
  return { bucket, config };
}

/**
 * Runs `job` on the bench bucket's file, as the state machine starts it (a Glue stand-in, or the
 * fast path's handler with the same arguments); the counts of its run report.
 */
export async function runBenchJob(job: Pick<GlueJob, 'run'> | { run(args: JobArguments): Promise<unknown> }, bucket: FolderBucket): Promise<RunResult> {
  const args: JobArguments = {
    '--bucket': bucket.name,
    '--input_key': INPUT_KEY,
    '--input_version_id': 'null',
    // As for a dataset whose re-uploads replace the earlier load: named after the key.
    '--load_id': inputId(INPUT_KEY),
    '--dataset': 'orders',
    '--execution_name': 'bench',
    '--ingestion_date': INGESTION_DATE,
    '--report_key': REPORT_KEY,
  };
  let failure: unknown;
  await job.run(args).catch((e: unknown) => {
    failure = e;
  });
  const report = JSON.parse(readFileSync(bucket.pathOf(REPORT_KEY), 'utf-8')) as Record<string, number> & {
    error?: { name: string } | null;
    sparkJobs?: number;
  };
  // A run that failed as its report says (the gate refusing a file) is measured with its counts;
  // any other failure is the run's error.
  if (failure !== undefined && !report.error) throw failure;
  return {
    ...(report.error ? { failedWith: report.error.name } : {}),
    reportedMs: report.durationMs,
    rowsIn: report.rowsIn,
    exactDuplicates: report.exactDuplicates,
    keyDuplicates: report.keyDuplicates,
    malformedRows: report.malformedRows,
    rowsOut: report.rowsOut,
    ...(typeof report.sparkJobs === 'number' ? { sparkJobs: report.sparkJobs } : {}),
    output: outputFiles(fileSizes(bucket.pathOf('load/orders'))),
  };
}

/** The sizes of the `.parquet` files under `dir` (none when it does not exist), by their folder. */
function fileSizes(dir: string): { folder: string; bytes: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf-8' });
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.parquet')).map((n) => ({ folder: path.dirname(n), bytes: statSync(path.join(dir, n)).size }));
}

/** Files per partition (folder) against one per {@link FILE_TARGET_BYTES}. Pure. */
export function outputFiles(files: readonly { folder: string; bytes: number }[]): OutputFiles {
  const byPartition = new Map<string, { files: number; bytes: number }>();
  for (const f of files) {
    const p = byPartition.get(f.folder) ?? { files: 0, bytes: 0 };
    byPartition.set(f.folder, { files: p.files + 1, bytes: p.bytes + f.bytes });
  }
  const partitions = [...byPartition.values()];
  return {
    files: files.length,
    partitions: partitions.length,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    maxFilesPerPartition: Math.max(0, ...partitions.map((p) => p.files)),
    partitionsOverTarget: partitions.filter((p) => p.files > Math.max(1, Math.ceil(p.bytes / FILE_TARGET_BYTES))).length,
  };
}
