/**
 * The fast path in the report: its cold start and transform times measured here, scaled to the
 * function's vCPUs, set beside Glue's start-up and minimum bill (fast-path-cost.ts), the crossover
 * sizes; and the CLI's start by loader.
 */
import { DEFAULT_FAST_PATH_MAX_BYTES } from '../core/fast-path';
import { TRANSFORM_IN_LAMBDA_SIZING } from '../infra/constructs/pipeline-functions';
import { CONTEXT_DEFAULTS } from '../infra/settings';
import { LAMBDA_MB_PER_VCPU, PRICES, PRICES_AS_OF, bytesAt, fitLine, glueCostUsd, lambdaCostUsd, lambdaVcpus, scaledToLambdaMs } from './fast-path-cost';
import { fileLabel, mb, msText, s, table, x } from './report-format';
import type { BenchResults } from './run';
import { median } from './stats';

/**
 * Glue's start-up is not measured here (no AWS account in the bench): the figure the comparison
 * assumes, the low end of the "tens of seconds" a Glue job run waits for its workers and Spark.
 */
export const GLUE_STARTUP_ASSUMED_MS = 20_000;

/** The fast path's figures for the goals and the final summary. */
export interface FastPathFigures {
  readonly section: string;
  /** Median cold start (import + DuckDB), ms; NaN when not measured. */
  readonly coldStartMs: number;
  /** Where the fast path stops being cheaper than Glue's minimum bill, and where it hits its timeout (bytes). */
  readonly costCrossoverBytes: number;
  readonly timeCrossoverBytes: number;
  readonly timeoutBytes: number;
  /** The threshold these measurements support ({@link recommendedThreshold}), bytes. */
  readonly recommendedBytes: number;
}

/**
 * The largest power-of-two MiB that is no larger than the largest file measured (no extrapolation)
 * and leaves a margin under each crossover: a quarter of the time and cost crossovers, a tenth of
 * the size that reaches the function's timeout.
 */
export function recommendedThreshold(largestMeasuredBytes: number, timeCrossoverBytes: number, costCrossoverBytes: number, timeoutBytes: number): number {
  const cap = Math.min(largestMeasuredBytes, timeCrossoverBytes / 4, costCrossoverBytes / 4, timeoutBytes / 10);
  if (!(cap >= 2 ** 20)) return Number.NaN;
  return 2 ** (20 + Math.floor(Math.log2(cap / 2 ** 20)));
}

const usd = (v: number): string => (v >= 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(6)}`);

/** The fast path's section of the document. */
export function renderFastPath(r: BenchResults): FastPathFigures {
  const fp = r.fastPath;
  if (!fp || !fp.measured) {
    const reason = fp && !fp.measured ? fp.reason : 'not in these results (saved before the bench measured it)';
    return {
      section: `## Fast path: the transform in a Lambda\n\n**Not measured in this run**: ${reason}.\n`,
      coldStartMs: Number.NaN,
      costCrossoverBytes: Number.NaN,
      timeCrossoverBytes: Number.NaN,
      timeoutBytes: Number.NaN,
      recommendedBytes: Number.NaN,
    };
  }
  const sizing = TRANSFORM_IN_LAMBDA_SIZING;
  const vcpus = lambdaVcpus(sizing.memoryMb);
  const importMs = median(fp.coldStarts.map((c) => c.importMs));
  const instanceMs = median(fp.coldStarts.map((c) => c.instanceMs));
  const coldStartMs = median(fp.coldStarts.map((c) => c.importMs + c.instanceMs));
  const dpu = Math.max(PRICES.glueMinimumDpu, CONTEXT_DEFAULTS['etl:glueWorkers']);
  const glueMinUsd = glueCostUsd(dpu, 0);
  const rows = fp.files.map((f) => {
    const ok = f.runs.filter((run) => !run.error);
    const wall = median(ok.map((run) => run.ms));
    const cpu = median(ok.map((run) => run.cpuMs));
    const lambdaMs = median(ok.map((run) => scaledToLambdaMs(run, vcpus)));
    const rss = Math.max(0, ...ok.map((run) => run.maxRssBytes));
    return { f, wall, cpu, lambdaMs, rss };
  });
  const line = fitLine(rows.map((row) => ({ bytes: row.f.bytes, ms: row.lambdaMs })));
  // Cheaper than Glue's minimum while cold start + transform costs less than the minimum bill.
  const lambdaUsdPerMs = lambdaCostUsd(sizing, 1) - PRICES.lambdaRequestUsd;
  const costCrossoverBytes = bytesAt(line, (glueMinUsd - PRICES.lambdaRequestUsd) / lambdaUsdPerMs - coldStartMs);
  const timeCrossoverBytes = bytesAt(line, GLUE_STARTUP_ASSUMED_MS - coldStartMs);
  const timeoutBytes = bytesAt(line, sizing.timeoutSeconds * 1000 - coldStartMs);
  const largestBytes = Math.max(...fp.files.map((f) => f.bytes));
  const recommendedBytes = recommendedThreshold(largestBytes, timeCrossoverBytes, costCrossoverBytes, timeoutBytes);
  const largestRss = Math.max(...rows.map((row) => row.rss));
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const costTable = table(
    [
      'file',
      'transform here (wall, CPU)',
      `on ${sizing.memoryMb} MB Lambda (${vcpus.toFixed(2)} vCPU), est.`,
      'fast path: time to notification',
      'fast path: cost per file',
      'Glue: time to notification',
      'Glue: cost per file',
      'peak RSS here',
    ],
    rows.map(({ f, wall, cpu, lambdaMs, rss }) => [
      fileLabel(f.size, f.bytes),
      `${s(wall)} s (CPU ${s(cpu)} s)`,
      `${s(lambdaMs)} s`,
      `${s(coldStartMs + lambdaMs)} s (cold) / ${s(lambdaMs)} s (warm)`,
      `${usd(lambdaCostUsd(sizing, coldStartMs + lambdaMs))}`,
      `≥ ${GLUE_STARTUP_ASSUMED_MS / 1000} s + the Spark run`,
      `${usd(glueMinUsd)} (minimum)`,
      `${(rss / 2 ** 20).toFixed(0)} MiB`,
    ]),
  );
  const section = `## Fast path: the transform in a Lambda

\`handlers/transform-in-lambda.ts\`, the \`TransformInLambda\` Task's handler: the same compiled plan run by DuckDB,
writing what the Glue job writes. Measured here, each in a fresh process:

- **cold start**: \`require\` of its function's esbuild bundle (\`handlers/lambda/transform-in-lambda.ts\`) as deployed (minified CJS, the AWS SDK bundled,
  \`@duckdb/node-api\` external as the function ships it), then \`DuckDBInstance.create\` and a first
  connection: median ${msText(coldStartMs)} ms (import ${msText(importMs)} ms, DuckDB ${msText(instanceMs)} ms; ${fp.coldStarts.length} cold starts; bundle ${(fp.bundleBytes / 1024).toFixed(0)} KiB).
- **transform**: one invocation (\`{ Arguments }\` as the state machine passes them, \`memory_limit\` ${fp.memoryLimit})
  over the **local FolderBucket**, not S3: fetching the input and putting the outputs are local file
  copies here, so S3 transfer time (a GET of the input, the PUTs of the outputs) is not in these
  figures. Every run's counts are checked.

**Scaling to Lambda.** This machine has ${r.machine.nproc} cores; a Lambda function gets about one vCPU per ${LAMBDA_MB_PER_VCPU} MB,
so the fast path's ${sizing.memoryMb} MB (\`TRANSFORM_IN_LAMBDA_SIZING\`, infra/constructs/pipeline-functions.ts) has ${vcpus.toFixed(2)}.
A run's Lambda time is estimated as max(its wall time here, its CPU time here ÷ ${vcpus.toFixed(2)}): no faster than here
(the same speed per core is assumed — a Graviton core is not this machine's core, so take the estimate
to ±30%), and no faster than its CPU work spread over the function's vCPUs. The cold start is taken as
measured here.

**Prices** (us-east-1, as of ${PRICES_AS_OF}; check your region): Glue 5.0 $${PRICES.glueDpuHourUsd} per DPU-hour, billed per second with a
${PRICES.glueMinimumBilledS}-second minimum, ${PRICES.glueMinimumDpu} DPU minimum for a Spark job (the stack runs ${CONTEXT_DEFAULTS['etl:glueWorkers']} G.1X workers, ${dpu} DPU:
at least ${usd(glueMinUsd)} per file); Lambda arm64 $${PRICES.lambdaArmGbSecondUsd} per GB-second plus $0.20 per million requests,
and \`/tmp\` beyond 512 MB at $${PRICES.lambdaTmpGbSecondUsd.toFixed(10)} per GB-second (the function has ${sizing.ephemeralStorageMb} MB). The fast path's bill
counts its cold start (Lambda bills the init phase).

**Glue's time** is not measured here: a job run waits for its workers and Spark to start — tens of
seconds; the table assumes ${GLUE_STARTUP_ASSUMED_MS / 1000} s, the low end — and then runs the Spark job (the Spark section's local
figures are no guide to Glue's workers). Both routes share every other state (Validate, Summarize,
Archive, the notification), so "time to notification" compares the transform step only.

${costTable}

**Crossover.** A straight line through the estimated Lambda times (${msText(line.fixedMs)} ms + ${((line.msPerByte * 1e6) / 1000).toFixed(3)} s per MB) puts the
sizes where the fast path stops winning at:

- **time**: it takes longer than Glue's assumed start-up alone (${GLUE_STARTUP_ASSUMED_MS / 1000} s, before any Spark work) from
  **${mb(timeCrossoverBytes)} MB**;
- **cost**: cold start + transform cost more than Glue's minimum bill (${usd(glueMinUsd)}) from **${mb(costCrossoverBytes)} MB**;
- **limit**: the function's ${sizing.timeoutSeconds} s timeout is reached at about **${mb(timeoutBytes)} MB**.

The largest file measured is ${mb(largestBytes)} MB (peak RSS of its process ${mib(largestRss)}, against the function's ${sizing.memoryMb} MB): the
crossovers beyond it are extrapolated from a straight line, and a later load also merges into the
dataset's state (a window over state and load: not measured here, it grows with the state, not the
file). The threshold (\`fastPathMaxBytes\`) should therefore sit inside the measured range and well
below every crossover, so that the fast path wins on time and on cost at every size it takes, with room
for S3 transfer, a large state and slower cores. The largest power-of-two MiB within the largest
measured file, a quarter of each crossover and a tenth of the timeout size is
**${Number.isFinite(recommendedBytes) ? mib(recommendedBytes) : '–'}**${Number.isFinite(recommendedBytes) ? `; the default in \`core/fast-path.ts\` is ${mib(DEFAULT_FAST_PATH_MAX_BYTES)}${recommendedBytes === DEFAULT_FAST_PATH_MAX_BYTES ? ' (the same)' : ''}` : ''}.
`;
  return { section, coldStartMs, costCrossoverBytes, timeCrossoverBytes, timeoutBytes, recommendedBytes };
}

/** The CLI's start by loader, for the goals and the end-to-end section. */
export interface CliFigures {
  readonly helpMs: number;
  readonly versionMs: number;
  readonly tsxHelpMs: number;
  readonly nodeMs: number;
  readonly text: string;
}

/** The CLI's start: bundle (`--help`, `--version`), the sources through tsx, a bare Node.js. */
export function cliFigures(r: BenchResults): CliFigures | undefined {
  if (!r.cli) return undefined;
  const helpMs = median(r.cli.bundleHelpMs);
  const versionMs = median(r.cli.bundleVersionMs);
  const tsxHelpMs = median(r.cli.tsxHelpMs);
  const nodeMs = median(r.cli.nodeMs);
  const text = `**CLI start** (a fresh process each, ${r.cli.bundleHelpMs.length} round(s), interleaved): \`etl --help\` ${msText(helpMs)} ms and \`etl --version\` ${msText(versionMs)} ms
from the prebuilt bundle (bin/etl.js as users run it), against ${msText(tsxHelpMs)} ms for \`etl --help\` with the sources compiled by tsx at
start-up (\`ETL_CLI_TSX=1\`, how bin/etl.js ran before): ${x(helpMs / tsxHelpMs)} of it. A bare \`node -e 0\` takes ${msText(nodeMs)} ms of each.
The bundle (\`scripts/build-cli.mjs\`, node_modules/.cache/etl-cli/) is built by \`npm ci\` and again by bin/etl.js whenever a
source changed; it is compiled from a V8 code cache, and DuckDB, SQLite, the AWS SDK, the state machine interpreter and
esbuild load only when a command uses them.`;
  return { helpMs, versionMs, tsxHelpMs, nodeMs, text };
}
