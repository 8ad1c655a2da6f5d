/**
 * Time to notification and cost per file, fast path (a Lambda running DuckDB) against Glue, from
 * the bench's local measurements and the published prices. Pure: the report renders what this
 * computes. Prices are us-east-1 as of {@link PRICES_AS_OF}; check your region.
 */

/** When the prices below were read. */
export const PRICES_AS_OF = '2026-12';

/** Published prices (us-east-1). */
export const PRICES = {
  /** Glue 5.0 Spark job, per DPU-hour; billed per second with a 1-minute minimum. */
  glueDpuHourUsd: 0.44,
  glueMinimumBilledS: 60,
  /** The fewest DPUs a Glue Spark job may run with. */
  glueMinimumDpu: 2,
  /** Lambda arm64, per GB-second of configured memory. */
  lambdaArmGbSecondUsd: 0.0000133334,
  /** Lambda, per request. */
  lambdaRequestUsd: 0.2 / 1e6,
  /** Lambda ephemeral storage above the free 512 MB, per GB-second. */
  lambdaTmpGbSecondUsd: 0.0000000309,
} as const;

/** Lambda gives about one vCPU per 1769 MB of memory. */
export const LAMBDA_MB_PER_VCPU = 1769;

/** The function the fast path runs in. */
export interface LambdaSizing {
  readonly memoryMb: number;
  readonly ephemeralStorageMb: number;
  readonly timeoutSeconds: number;
}

/** vCPUs of a function of `memoryMb`. */
export function lambdaVcpus(memoryMb: number): number {
  return memoryMb / LAMBDA_MB_PER_VCPU;
}

/**
 * A local run's time on a Lambda with `vcpus`: no faster than here (the same per-core speed is
 * assumed), and no faster than its CPU time spread over the function's vCPUs.
 */
export function scaledToLambdaMs(run: { readonly ms: number; readonly cpuMs: number }, vcpus: number): number {
  return Math.max(run.ms, run.cpuMs / vcpus);
}

/** What one invocation of `billedMs` costs (memory, request, /tmp above 512 MB). */
export function lambdaCostUsd(sizing: LambdaSizing, billedMs: number): number {
  const seconds = billedMs / 1000;
  const tmpGb = Math.max(0, sizing.ephemeralStorageMb - 512) / 1024;
  return (sizing.memoryMb / 1024) * seconds * PRICES.lambdaArmGbSecondUsd + PRICES.lambdaRequestUsd + tmpGb * seconds * PRICES.lambdaTmpGbSecondUsd;
}

/** What one Glue job run of `runMs` on `dpu` DPUs costs (1-minute minimum). */
export function glueCostUsd(dpu: number, runMs: number): number {
  return ((dpu * Math.max(PRICES.glueMinimumBilledS, runMs / 1000)) / 3600) * PRICES.glueDpuHourUsd;
}

/** A straight line through the measured points, `ms = fixedMs + msPerByte × bytes` (least squares). */
export function fitLine(points: readonly { readonly bytes: number; readonly ms: number }[]): { fixedMs: number; msPerByte: number } {
  const n = points.length;
  if (n === 0) return { fixedMs: Number.NaN, msPerByte: Number.NaN };
  if (n === 1) return { fixedMs: 0, msPerByte: points[0].ms / points[0].bytes };
  const mx = points.reduce((a, p) => a + p.bytes, 0) / n;
  const my = points.reduce((a, p) => a + p.ms, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.bytes - mx) ** 2, 0);
  const sxy = points.reduce((a, p) => a + (p.bytes - mx) * (p.ms - my), 0);
  const msPerByte = sxy / sxx;
  return { fixedMs: Math.max(0, my - msPerByte * mx), msPerByte };
}

/** The size where `fixedMs + msPerByte × bytes` reaches `ms` (Infinity when it never does). */
export function bytesAt(line: { fixedMs: number; msPerByte: number }, ms: number): number {
  if (!(line.msPerByte > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(0, (ms - line.fixedMs) / line.msPerByte);
}
