/**
 * docs/performance.md: the benchmark run in prose, one function per section (the tables and charts
 * come from report-tables.ts, the goals from report-goals.ts).
 */
import { CONTEXT_DEFAULTS } from '../infra/settings';
import type { Check } from './checks';
import type { LambdaBundle } from './lambda';
import type { CliFigures, FastPathFigures } from './report-fast-path';
import { fileLabel, kb, mb, mib, msText, s, table, x } from './report-format';
import {
  type BundleTables,
  type EndToEndTables,
  type SparkTables,
  type StateMachineFigures,
  type TransformTables,
  type ValidationTables,
  findTransform,
} from './report-tables';
import type { BenchResults, Machine } from './run';
import { median } from './stats';

/** The rendered parts of a benchmark run that the printed table and the document show. */
export interface ReportParts {
  readonly transform: TransformTables;
  readonly spark: SparkTables;
  readonly validation: ValidationTables;
  readonly stateMachine: StateMachineFigures;
  readonly e2e: EndToEndTables;
  readonly bundles: BundleTables;
  readonly fastPath: FastPathFigures;
  readonly cli: CliFigures | undefined;
  /** The goals' table. */
  readonly goals: string;
  /** Why a goal is not met, a paragraph each. */
  readonly why: readonly string[];
  readonly failedChecks: readonly Check[];
  /** The rejects' section (report-rejects.ts). */
  readonly rejects: string;
  /** Spark's read partitions, jobs, files per partition and sizing (report-scaling.ts). */
  readonly scaling: string;
  /** The deployed bundles' start-up (report-startup.ts). */
  readonly startup: string;
}

/** The document, its sections in order (each ends with its last line; a blank line parts them). */
export function renderDocument(r: BenchResults, parts: ReportParts): string {
  return [
    introSection(r, parts.failedChecks),
    machineSection(r.machine),
    goalsSection(parts.goals, parts.why),
    dataSection(r.datasets),
    transformSection(parts.transform),
    ENGINE_LAYER_SECTION,
    memorySection(r, parts.transform.jobRss),
    parts.rejects,
    sparkSection(parts.spark),
    parts.scaling,
    glueCostSection(r.machine),
    parts.fastPath.section,
    validationSection(r.validation, parts.validation),
    endToEndSection(parts.e2e, parts.cli),
    stateMachineSection(r.stateMachine, parts.stateMachine),
    bundlesSection(r.bundles, parts.bundles.table),
    parts.startup,
    REPRODUCE_SECTION,
  ].join('\n');
}

/** The title, where the numbers come from and how they are compared, the checks. */
function introSection(r: BenchResults, failed: readonly Check[]): string {
  return `# Performance

The numbers below come from \`npm run bench\` (${r.quick ? '**quick mode: CI-sized, not representative**' : 'full run'}, ${r.startedAt}, ${r.durationS.toFixed(0)} s).
Every figure is the median of repeated runs; every ratio compares runs made in the same benchmark
run, interleaved (job, then each baseline, round after round), so that a change in the machine's
load affects both sides alike. CPU time (all threads of the process) is given next to wall time: it
moves less when other processes compete for the cores. Correctness is checked for every run that is
timed: ${r.checks.length - failed.length} of ${r.checks.length} checks passed${failed.length > 0 ? ` (**failed: ${failed.map((f) => f.name).join('; ')}**)` : ''}.
`;
}

/** The machine the numbers come from. */
function machineSection(m: Machine): string {
  return `## Machine

| | |
|---|---|
| CPU | ${m.cpu}, \`nproc\` ${m.nproc} |
| memory | ${m.memoryGiB.toFixed(1)} GiB |
| OS | ${m.os} |
| Node.js | ${m.node} |
| DuckDB | @duckdb/node-api ${m.duckdb} |
| load average (1, 5, 15 min) | before ${m.loadBefore.map((l) => l.toFixed(2)).join(', ')}; after ${m.loadAfter.map((l) => l.toFixed(2)).join(', ')} |

The machine was shared with other work while this ran (see the load average): wall times are noisy,
ratios and CPU times much less so.
`;
}

/** The goals, and why where one is not met. */
function goalsSection(goalTable: string, why: readonly string[]): string {
  return `## Goals

${goalTable}
${why.length > 0 ? `\n### Not met, and why\n\n${why.join('\n\n')}\n` : ''}`;
}

/** The generated files and what the transform must find in them. */
function dataSection(datasets: BenchResults['datasets']): string {
  return `## Data

\`bench/generate.ts\` writes \`orders\` files (the columns of \`etl.config.json\`) from a seeded PRNG, so
the same size always gives the same bytes, and it knows what the transform must find:

${table(
  ['file', 'size', 'records', 'lines', 'quoted newlines', 'exact duplicates', 'key duplicates', 'rows out'],
  datasets.map((d) => [
    `orders-${d.size}.csv`,
    `${mb(d.bytes)} MB`,
    `${d.rows}`,
    `${d.lines}`,
    `${d.quotedNewlines}`,
    `${d.exactDuplicates}`,
    `${d.keyDuplicates}`,
    `${d.distinctKeys}`,
  ]),
)}

About 5% of the records repeat a recent record exactly, about 5% are a later version of a recent
order (same \`order_id\`, later \`order_ts\`, next status), and about 5% hold a quoted newline in
\`notes\` (plus quoted commas and doubled quotes). Every record is well formed, so rows out = distinct
\`order_id\`s and every run's counts are checked against these figures.
`;
}

/** The transform: the job against single-statement baselines. */
function transformSection(transform: TransformTables): string {
  return `## Transform: our job against the engine

**job** is the local Glue stand-in, \`DuckDbGlueJob.run\`: the compiled plan
(\`core/transform/compile-plan.ts\`) through our engine layer, writing the partitioned Snappy Parquet,
the dataset's first state under \`load/latest/\`, the run report with its counts (and a rejects file when there are malformed rows).
The **baselines** are single hand-written DuckDB statements (\`bench/baseline-sql.ts\`) doing the same
transform on the same file with the same engine settings — read every column as text, type it behind
the same patterns, drop malformed rows, remove exact duplicates, keep the latest \`order_ts\` per
\`order_id\` with the same hash tiebreak, write Snappy Parquet partitioned by date — and nothing a
pipeline needs besides (no counts, no report, no state). They differ in how they keep one row per
key: \`window\` (\`QUALIFY row_number() OVER (…)\`), \`argmax\` (\`arg_max(hash, (order_ts, -hash))\` per key
and a semi-join), \`two-stage\` (max per key and a semi-join, then min hash and a semi-join: the plan's
earlier algorithm) and \`row-struct\` (\`arg_max\` of the whole row). The plan itself uses the window. The job is compared with the fastest
one that completed. Each run is a fresh process; peak RSS is that process's.

${transform.table}

\`\`\`text
Transform, median wall time (job and the fastest baseline)
${transform.chart}
\`\`\`

All runs, wall seconds:

\`\`\`text
${transform.ranges}
\`\`\`
`;
}

/** What the engine layer does to come close to a single statement. */
const ENGINE_LAYER_SECTION = `What the engine layer does (\`local/runtime/engines/duckdb-job.ts\`, \`core/transform/compile-plan.ts\`):

- **one aggregate while reading.** \`etl_typed\` is grouped: one row per distinct typed row (and reject
  reason) with the number of input rows it stands for (\`_etl_rows\`). Exact duplicates are removed
  while the CSV is read, every later step reads distinct rows, and every count stays exact
  (\`rows_typed = sum(_etl_rows)\`, \`distinct_rows = count(*)\` of the clean groups).
- **one statement for the rest.** The steps the metrics read are created first (\`etl_typed\` as a
  table, \`etl_clean\` as a view); the others run inside the single \`COPY … PARTITION_BY\` that writes
  the output, as CTEs. A CTE that only reads that table is read again where used instead of being
  copied (\`NOT MATERIALIZED\`).
- **nothing computed twice.** The output is written to a staging folder first; the metrics count the
  last step's rows in the written Parquet files (metadata only) instead of recomputing the dedupe;
  the quality gate then publishes or discards the staging folder; a dataset's first state (each run
  here is a first load) is a copy (a clone where the file system can) of the written files, which hold
  exactly its rows (the partition column is not stored in them), instead of a second Parquet write;
  later loads merge into the state (one more window over state and load, not measured here).
- **a compressed working database.** The table lives in an attached in-memory database with
  compression (\`ATTACH ':memory:' (COMPRESS)\`): on the 5M file it is several times smaller than a
  temp table, so far less spills under a 1 GB limit (the whole 5M job went from about 30 s to about
  13 s with this and the previous point).
- **32 MiB CSV buffers.** \`max_line_size = 16 MiB\` makes DuckDB's CSV buffer 16 × 16 MiB = 256 MiB by
  default: one buffer for a 190 MB file (no parallel scan), and under a 1 GB limit a few of them
  exhaust the memory. \`buffer_size = 32 MiB\` keeps lines up to 16 MiB readable (checked with three
  15 MB lines) and lets every baseline variant but \`row-struct\` complete 5M rows under 1 GB. With
  the 256 MiB buffers every single-statement variant, the window included, failed there ("could not
  allocate block of size 256 MiB") — the likely cause of the earlier "a \`ROW_NUMBER()\` window fails
  under 1 GB" observation.
- \`preserve_insertion_order = false\` (row order means nothing in this output).
`;

/** 5M rows under a 1 GB engine limit (not run in quick mode). */
function memorySection(r: BenchResults, jobRssRange: string): string {
  const big = findTransform(r.transform, '5m');
  return `## Memory: 5M rows under a 1 GB engine limit

${big ? `The job completes the 5M-row file (${mb(r.datasets.find((d) => d.size === '5m')?.bytes ?? 0)} MB) with \`memory_limit = 1GB\`: median ${s(big.job.medianMs)} s, peak RSS of the process ${mib(big.job.maxRssBytes)} (peak RSS by size: ${jobRssRange}). DuckDB's \`memory_limit\` bounds its buffer pool, not the process: the CSV reader, the Parquet writer's buffers and the Node.js runtime come on top. Baselines: ${big.baselines.map((b) => `${b.kind} ${b.completed ? `${s(b.medianMs)} s, peak RSS ${mib(b.maxRssBytes)}` : 'out of memory'}`).join('; ')}.` : 'Not run in quick mode.'}
`;
}

/** The Glue script on local Spark against the DuckDB job. */
function sparkSection(spark: SparkTables): string {
  return `## Spark: the Glue script on local Spark

**Spark** is the local Spark engine, \`SparkGlueJob\` (\`local/runtime/engines/spark-job.ts\`, \`etl run --engine spark\`):
\`glue/etl_runner.py\` — the script deployed to Glue, running the plan compiled to the Spark dialect — on
local PySpark${spark.version} (\`local[*]\`: the machine's cores), against a local bucket holding the same
${spark.rows}-row file as the **DuckDB job** (\`DuckDbGlueJob\`${spark.memoryLimit}, as above). One worker process holds the JVM
across runs, as the local runtime keeps it per pipeline. The **first run** starts the worker, the JVM and
the Spark session, then transforms on a cold JVM; it is reported apart. Then, round after round, a DuckDB
job run (a fresh process) and a **warm** Spark run on the same worker; before each Spark run its previous
output and run report are removed, so that it writes into an empty \`load/\` as the DuckDB job does. The
ratio compares the warm runs' median with the DuckDB job's. Spark's CPU time and peak RSS are those of
the worker's processes (Python and the JVM, read from \`/proc\`), added up. Every run's counts are checked.

${spark.table}
${spark.note}`;
}

/** What a run costs on Glue, and why the local Spark time is not Glue's. */
function glueCostSection(m: Machine): string {
  const glueWorkers = CONTEXT_DEFAULTS['etl:glueWorkers'];
  return `## Glue cost model

On AWS the Transform state runs the same script as a Glue 5.0 Spark job (\`infra/constructs/transform-job.ts\`):
\`G.1X\` workers, 1 DPU each (4 vCPU, 16 GB), ${glueWorkers} workers by default (\`etl:glueWorkers\`, \`infra/settings.ts\`; README,
Cost notes). Glue 5.0 bills DPU-seconds — the workers' DPUs times the run's duration, per second — with a
1-minute minimum per job run. A run costs ${glueWorkers} DPU × max(duration, 60 s): a small file costs at least
${glueWorkers} DPU × 60 s = ${glueWorkers * 60} DPU-seconds (${((glueWorkers * 60) / 3600).toFixed(3)} DPU-hours), however quickly it is transformed. Multiply by the
region's price per DPU-hour for the bill.

The local Spark time here is not Glue's time: it is \`local[*]\` on this machine's ${m.nproc} cores, reading and
writing a local folder, with the JVM kept warm between runs, while Glue runs the job on its workers
against S3 and starts a new Spark application for every job run. The start-up of a Glue job run
(allocating the workers, starting Spark on them) takes tens of seconds and is not measured here; the
first-run figure above is the local JVM's start-up only. What the Spark row does show is the same
transform through both engines on the same cores and the same file.
`;
}

/** Validation: full-scan throughput and the bounded check as configured. */
function validationSection(config: BenchResults['validation'], validation: ValidationTables): string {
  return `## Validation

Full scan: the Validate step's checks (\`validateCsv\`: UTF-8 check, fast-csv parse, header, value of
every typed column) over the whole file, against a bare fast-csv parse and a bare csv-parse of the
same bytes (each counts records, nothing else). Ratios are throughputs: above 1× is faster than the
parser alone.

${validation.fullScan}

As configured (\`validation.fullScanMaxBytes\` ${mb(config.fullScanMaxBytes)} MB, \`sampleRows\`
${config.sampleRows}): files up to the limit are checked row by row, larger ones on their leading
rows only — the stream is destroyed after the sample, so the bytes read and the time stay flat however
large the file is; the transform checks every row and counts what it sets aside.

${validation.bounded}

\`\`\`text
Validate step time by file size (as configured)
${validation.chart}
\`\`\`

What changed: each column's check is compiled once per type (\`wellFormedCheck\` in
\`core/value-rules.ts\`): no pattern string is built and no map looked up per value (the timestamp
pattern was rebuilt and hashed as a map key for every value), no \`Date\` or array allocated
(calendar and clock checks read the digits directly). Before, the row checks cost about a quarter of
the parse time and validation ran at 0.59–0.72× a bare fast-csv parse on the 100k file; what remains
on top of the parse is mostly the UTF-8 check and reading the parser as an async iterator.
`;
}

/** Where the time of `etl run` goes. */
function endToEndSection(e2e: EndToEndTables, cli: CliFigures | undefined): string {
  return `## \`etl run\` end to end

A fresh \`etl run <file> --json\` process and local root per run; the state times come from the
execution history (\`etl executions show --json\`). "process start + CLI load" is \`etl --help\` (Node.js
and the CLI's bundle loaded, nothing run); "put + trigger + history + exit" is the rest of the wall
time (loading what the run uses — DuckDB, SQLite, the state machine interpreter —, copying the file
into the bucket, the trigger, SQLite, exit).

${e2e.table}
${cli ? `\n${cli.text}\n` : ''}
${e2e.largest ? `\`\`\`text\nWhere the time goes, ${fileLabel(e2e.largest.file.size, e2e.largest.file.bytes)} (medians)\n${e2e.chart}\n\`\`\`` : ''}
`;
}

/** The state machine's own overhead. */
function stateMachineSection(sm: BenchResults['stateMachine'], figures: StateMachineFigures): string {
  return `## State machine overhead

The real ASL (\`statemachine/etl.asl.json\`) run by aws-local-stepfunctions with every Task state
served by a no-op handler (\`taskResourceLocalHandlers\`, as the local runtime serves the real ones) and
its event log consumed: ${sm.executions} executions of the success path (${sm.path.join(' → ')}),
${msText(figures.medianMs)} ms per execution, **${msText(figures.perStateMs)} ms per state**. Building the
\`StateMachine\` (definition validation) costs ${msText(sm.constructMs)} ms once per process. Inside
\`etl run\`, the time of an execution not spent in a Task state (choices, transitions, the SQLite
history writes of every event) divided by the states entered is the "state machine, per state" column
above.
`;
}

/** The Lambda bundles: sizes and cold imports. */
function bundlesSection(bundles: readonly LambdaBundle[], bundleTable: string): string {
  return `## Lambda bundles

Each \`handlers/lambda/*.ts\` entry point bundled with esbuild (\`platform: node\`, \`target: node20\`, CJS,
minified), and \`require\`d in a fresh Node.js process with the environment a function sees (median of
${bundles[0]?.importMs.length ?? 0}). "SDK from the runtime" leaves \`@aws-sdk/*\` external: the
Node.js 24 Lambda runtime ships the AWS SDK for JavaScript v3, so a deploy may rely on it (the import
time then includes loading the SDK client from \`node_modules\`, as the runtime loads its copy).
"SDK bundled" is what \`infra/\` deploys today (\`bundleAwsSDK: true\`, pinning the tested SDK version);
"from ES modules" is the same with esbuild's \`mainFields: ['module', 'main']\`: the SDK's and Powertools' ES
builds, from which esbuild drops what a handler does not use (their CommonJS builds are one module per
package, kept whole).

${bundleTable}
${esmNote(bundles)}`;
}

/** What bundling from ES modules changes for the trigger, the function every upload starts. */
function esmNote(bundles: readonly LambdaBundle[]): string {
  const of = (variant: string) => bundles.find((b) => b.entry === 'trigger' && b.variant === variant);
  const cjs = of('sdk-bundled');
  const esm = of('sdk-bundled-esm');
  if (!cjs || !esm) return '';
  const ms = (b: LambdaBundle) => median(b.importMs);
  return `
As deployed (SDK bundled), the trigger's bundle is ${kb(cjs.bytes)} and imports in ${msText(ms(cjs))} ms; bundled from ES modules it is
${kb(esm.bytes)} and ${msText(ms(esm))} ms (${x(ms(esm) / ms(cjs))}). That is a bundling option of \`infra/constructs/pipeline-functions.ts\`
(\`bundling.mainFields: ['module', 'main']\`), not a change of the handlers.
`;
}

/** How to run the bench again. */
const REPRODUCE_SECTION = `## Reproduce

\`\`\`sh
npm ci
npm run bench                 # full run: generates bench/.data/ (about 2.2 GB, git-ignored) and a 1.1 GB file in the
                              # temp folder for the sizing; about 35 minutes on a quiet 2-core machine; prints the
                              # table, writes this file and bench/.data/results.json
npm run bench -- --no-sizing  # the same without bench/spark-sizing.ts's local[1] / local[2] runs (about 25 minutes)
npm run bench -- --quick      # CI-sized (100k rows, one run each): checks that the bench runs and that every
                              # count is right (no Spark); writes bench/.data/performance-quick.md, not this file
npx jest test/bench           # the quick mode's count checks and the report's functions as tests (no timing asserted)
\`\`\`

The generated files are cached by size under \`bench/.data/\` (regenerated when the generator
changes). Close other work for steadier wall times; the ratios are measured within one run either way.
`;
