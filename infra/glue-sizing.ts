/**
 * How large an input the Glue job finishes in time, projected from a measurement of the runner
 * (issue 22 item 6): `bench/spark-sizing.ts` runs `glue/etl_runner.py` on local Spark with one
 * core and with two on a file of at least 1 GB whose values hold quoted line breaks; one core's
 * throughput and the serial fraction the speedup implies (Amdahl) project the throughput of N
 * G.1X workers. The README's sizing paragraph states these figures for the defaults
 * (test/infra/glue-sizing.test.ts holds the two together).
 */

/** A G.1X worker's vCPUs; Glue 5.0 runs one executor per worker, the driver on one of them. */
export const G1X_VCPUS = 4;
/** What a job run spends before the runner starts (Glue 5.0 starts in seconds; margin for a cold pool). */
export const STARTUP_ALLOWANCE_SECONDS = 120;
/**
 * What the measurement does not see, kept free of the timeout: the S3 reads and writes (local
 * files in the measurement) and a slower vCPU than the measuring machine's.
 */
export const SAFETY_FACTOR = 0.7;

/** One core's throughput and the serial fraction, as measured. */
export interface RunnerThroughput {
  /** Bytes per second of the runner on one core (`local[1]`). */
  readonly bytesPerCoreSecond: number;
  /** Amdahl's serial fraction from the `local[2]` / `local[1]` speedup (0: all parallel, 1: none). */
  readonly serialFraction: number;
}

/**
 * The measurement the defaults are judged by: `npx tsx bench/spark-sizing.ts` (also part of
 * `npm run bench`; docs/performance.md), on the machine and date below.
 */
export const MEASURED_THROUGHPUT: RunnerThroughput & { readonly measured: string } = {
  bytesPerCoreSecond: 3857984,
  serialFraction: 0.218,
  measured: 'npm run bench of 2026-12-08: 1.12 GB, 6000000 rows, 299738 quoted newlines; local[1] 290.9 s, local[2] 177.2 s on 2 AMD EPYC cores',
};

/** What N workers and a timeout give. */
export interface WorkerProjection {
  readonly workers: number;
  readonly timeoutMinutes: number;
  readonly taskSlots: number;
  readonly bytesPerSecond: number;
  /** The largest input that finishes within the timeout, after the start-up allowance and with the safety factor. */
  readonly maxInputBytes: number;
}

/** The projection for `workers` G.1X workers and a job timeout of `timeoutMinutes`. */
export function projectWorkers(measured: RunnerThroughput, workers: number, timeoutMinutes: number): WorkerProjection {
  const taskSlots = G1X_VCPUS * (workers - 1);
  const p = measured.serialFraction;
  const bytesPerSecond = measured.bytesPerCoreSecond / (p + (1 - p) / taskSlots);
  const usableSeconds = Math.max(0, timeoutMinutes * 60 - STARTUP_ALLOWANCE_SECONDS);
  return { workers, timeoutMinutes, taskSlots, bytesPerSecond, maxInputBytes: bytesPerSecond * usableSeconds * SAFETY_FACTOR };
}
