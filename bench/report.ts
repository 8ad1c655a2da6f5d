/**
 * Renders a benchmark run: the table printed by `npm run bench` and docs/performance.md (tables,
 * text charts, the machine, how to reproduce, the goals, the Glue cost model).
 */
import { CONTEXT_DEFAULTS } from '../infra/settings';
import type { BenchResults } from './run';
import { median, range } from './stats';

const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const msText = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(ms < 10 ? 2 : 0) : '–');
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const dur = (ms: number): string => (ms >= 1000 ? `${s(ms)} s` : `${Math.round(ms)} ms`);
const x = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–');
const rowsLabel = (size: string): string => ({ '1mb': '5.3k', '100k': '100k', '1m': '1M', '5m': '5M' })[size] ?? size;
const fileLabel = (size: string, bytes: number): string => `${rowsLabel(size)} rows, ${mb(bytes)} MB`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function bars(items: readonly { label: string; value: number; text: string }[], width = 48): string {
  const max = Math.max(...items.map((i) => i.value).filter(Number.isFinite), 1e-9);
  const labelWidth = Math.max(...items.map((i) => i.label.length));
  return items
    .map((i) => `${i.label.padEnd(labelWidth)} │${'█'.repeat(Number.isFinite(i.value) ? Math.max(1, Math.round((i.value / max) * width)) : 0)} ${i.text}`)
    .join('\n');
}

interface Goal {
  readonly goal: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** The Spark row: its table (or why it was not measured), the note under it, what the text names. */
function renderSpark(spark: NonNullable<BenchResults['spark']>): { table: string; note: string; rows: string; version: string; memoryLimit: string } {
  const rows = rowsLabel(spark.size);
  if (!spark.measured) return { table: `**Not measured in this run** (${rows} rows): ${spark.reason}.`, note: '', rows, version: '', memoryLimit: '' };
  const { first, duckdb, spark: warm } = spark;
  const startupMs = first.ms - warm.medianMs;
  // Before the runner's main began: the worker, the JVM, the Spark session.
  const launchMs = first.ms - (first.reportedMs ?? Number.NaN);
  const rendered = table(
    ['rows', 'DuckDB job (median)', 'Spark, warm run (median)', 'Spark / DuckDB, wall', 'Spark / DuckDB, CPU', 'Spark first run', 'Spark start-up (first − warm)', 'of which worker, JVM, session', 'Spark peak RSS', 'runs'],
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
  const runs = `first ${s(first.ms)} s; warm ${warm.runs.map((run) => s(run.ms)).join(', ')} s; DuckDB job ${duckdb.runs.map((run) => s(run.ms)).join(', ')} s`;
  const note =
    `\n"Spark start-up" is what the first run takes more than a warm one: ${s(startupMs)} s, of which ${s(launchMs)} s pass\n` +
    `before the runner's \`main\` begins (the worker, the JVM and the Spark session starting: the first run's wall time\n` +
    `less the duration its run report states) and the rest is the first transform on a cold JVM (class loading,\n` +
    `JIT compilation). All runs, wall seconds: ${runs}.\n`;
  return { table: [rendered, ...failures].join('\n\n'), note, rows, version: ` ${spark.sparkVersion}`, memoryLimit: `, memory_limit ${spark.memoryLimit}` };
}

/** The printed table and the document. */
export function renderReport(r: BenchResults): { table: string; document: string } {
  // Transform.
  const transformRows = r.transform.map((t) => {
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
  });
  const transformTable = table(
    ['rows', 'memory_limit', 'job (median)', 'fastest baseline (median)', 'job / baseline, wall', 'job / baseline, CPU', 'window', 'argmax', 'two-stage', 'row-struct', 'job peak RSS', 'runs'],
    transformRows,
  );

  // Spark.
  const spark = renderSpark(r.spark ?? { measured: false, size: '1m', reason: 'not in these results (saved before the bench measured Spark)' });
  const glueWorkers = CONTEXT_DEFAULTS['etl:glueWorkers'];

  // Validation.
  const fullScanRows = r.validation.fullScan.map((v) => {
    const vm = median(v.validate.map((p) => p.ms));
    const fm = median(v.fastCsv.map((p) => p.ms));
    const cm = median(v.csvParse.map((p) => p.ms));
    return [fileLabel(v.size, v.bytes), `${mb(v.bytes / (vm / 1000))} MB/s`, `${mb(v.bytes / (fm / 1000))} MB/s`, `${mb(v.bytes / (cm / 1000))} MB/s`, x(fm / vm), x(cm / vm), `${s(vm)} s`];
  });
  const fullScanTable = table(['file', 'validate (full scan)', 'bare fast-csv', 'bare csv-parse', 'validate / fast-csv', 'validate / csv-parse', 'validate time'], fullScanRows);
  const boundedRows = r.validation.bounded.map((b) => [
    fileLabel(b.size, b.bytes),
    b.sampled ? `sample (${r.validation.sampleRows} rows)` : 'every row',
    `${b.runs[0]?.records ?? 0}`,
    `${mb(median(b.runs.map((p) => p.bytesRead)))} MB`,
    `${msText(median(b.runs.map((p) => p.ms)))} ms`,
  ]);
  const boundedTable = table(['file', 'checked', 'rows checked', 'read', 'Validate step time (median)'], boundedRows);

  // State machine.
  const sm = r.stateMachine;
  const smMedian = median(sm.msPerExecution);
  const smPerState = smMedian / sm.statesPerExecution;

  // End to end.
  const cliStart = median(r.e2e.cliStartMs);
  const notifyStates = (name: string): boolean => name.startsWith('Notify');
  const taskNames = new Set(['Validate', 'Transform', 'Summarize', 'Archive', 'NotifySuccess', 'NotifyWarning', 'NotifyFailure', 'NotifyRejected', 'NotifyTransformFailure', 'NotifyCritical', 'Reject', 'DescribeTransformFailure', 'RedriveGate']);
  const e2eStats = r.e2e.files.map((f) => {
    const stateMs = (pick: (name: string) => boolean): number => median(f.runs.map((run) => run.states.filter((st) => pick(st.name)).reduce((a, st) => a + st.ms, 0)));
    const overheadPerState = median(
      f.runs.map((run) => (run.executionMs - run.states.filter((st) => taskNames.has(st.name)).reduce((a, st) => a + st.ms, 0)) / Math.max(1, run.states.length)),
    );
    const wall = median(f.runs.map((run) => run.wallMs));
    const execution = median(f.runs.map((run) => run.executionMs));
    return {
      f,
      wall,
      execution,
      validate: stateMs((n) => n === 'Validate'),
      transform: stateMs((n) => n === 'Transform'),
      summarize: stateMs((n) => n === 'Summarize'),
      archive: stateMs((n) => n === 'Archive'),
      notify: stateMs(notifyStates),
      overheadPerState,
      rest: wall - cliStart - execution,
      status: f.runs[0]?.status ?? '–',
    };
  });
  const e2eTable = table(
    ['file', 'outcome', 'wall (median)', 'process start + CLI load', 'execution', 'Validate', 'Transform', 'Summarize', 'Archive', 'Notify', 'state machine, per state', 'put + trigger + history + exit'],
    e2eStats.map((e) => [
      fileLabel(e.f.size, e.f.bytes),
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

  // Bundles.
  const entries = [...new Set(r.bundles.map((b) => b.entry))];
  const bundle = (entry: string, variant: string) => r.bundles.find((b) => b.entry === entry && b.variant === variant);
  const bundleRows = entries.map((entry) => {
    const ext = bundle(entry, 'sdk-external');
    const inc = bundle(entry, 'sdk-bundled');
    return [
      entry,
      ext ? kb(ext.bytes) : '–',
      ext ? `${msText(median(ext.importMs))} ms` : '–',
      ext?.bytesWithoutZod ? kb(ext.bytesWithoutZod) : '–',
      inc ? kb(inc.bytes) : '–',
      inc ? `${msText(median(inc.importMs))} ms` : '–',
      (ext ?? inc)?.largest.map((l) => `${l.name} ${kb(l.bytes)}`).join(', ') ?? '–',
    ];
  });
  const bundleTable = table(
    ['function', 'bundle, SDK from the runtime', 'cold import', 'same without zod (size only)', 'bundle, SDK bundled', 'cold import', 'largest parts (SDK from the runtime)'],
    bundleRows,
  );

  // Goals.
  const goals: Goal[] = [];
  for (const t of r.transform) {
    const ratio = t.best ? t.job.medianMs / t.best.medianMs : Number.NaN;
    const sameAlgorithm = t.best?.kind === 'window' ? undefined : t.baselines.find((b) => b.kind === 'window');
    goals.push({
      goal: `transform, ${rowsLabel(t.size)} rows (${t.memoryLimit})`,
      target: '≤ 1.15× the fastest single-statement baseline',
      measured:
        `${x(ratio)} of ${t.best?.kind ?? '–'} (CPU ${t.best ? x(t.job.medianCpuMs / t.best.medianCpuMs) : '–'})` +
        (sameAlgorithm?.completed ? `; ${x(t.job.medianMs / sameAlgorithm.medianMs)} of the same-algorithm baseline` : ''),
      met: Number.isFinite(ratio) ? ratio <= 1.15 : undefined,
    });
  }
  const big = r.transform.find((t) => t.size === '5m');
  if (big) {
    goals.push({
      goal: '5M rows under a 1 GB engine memory limit',
      target: 'completes',
      measured: big.job.completed ? `completes in ${s(big.job.medianMs)} s, peak RSS ${mib(big.job.maxRssBytes)} (memory_limit is not an RSS cap)` : 'fails',
      met: big.job.completed && big.memoryLimit === '1GB',
    });
  }
  const largestScan = r.validation.fullScan[r.validation.fullScan.length - 1];
  if (largestScan) {
    const ratio = median(largestScan.fastCsv.map((p) => p.ms)) / median(largestScan.validate.map((p) => p.ms));
    goals.push({ goal: `validation throughput (${rowsLabel(largestScan.size)} rows, full scan)`, target: '≥ 0.8× a bare fast-csv parse', measured: x(ratio), met: ratio >= 0.8 });
  }
  const sampledRuns = r.validation.bounded.filter((b) => b.sampled);
  if (sampledRuns.length > 0) {
    const read = sampledRuns.map((b) => median(b.runs.map((p) => p.bytesRead)));
    goals.push({
      goal: 'validation bounded on large files',
      target: `files > ${mb(r.validation.fullScanMaxBytes)} MB: the first ${r.validation.sampleRows} rows only`,
      measured: `${mb(Math.max(...read))} MB read at most (files up to ${mb(Math.max(...sampledRuns.map((b) => b.bytes)))} MB)`,
      met: sampledRuns.every((b) => b.runs.every((p) => p.records === r.validation.sampleRows)),
    });
  }
  const inSitu = e2eStats.length > 0 ? Math.max(...e2eStats.map((e) => e.overheadPerState)) : Number.NaN;
  goals.push({
    goal: 'state-machine overhead per state (local runtime)',
    target: '< 5 ms',
    measured: `${msText(smPerState)} ms with no-op tasks${Number.isFinite(inSitu) ? `; ≤ ${msText(inSitu)} ms inside etl run (history writes included)` : ''}`,
    met: smPerState < 5 && (!Number.isFinite(inSitu) || inSitu < 5),
  });
  const trigger = bundle('trigger', 'sdk-external');
  if (trigger) {
    goals.push({
      goal: 'trigger bundle size (SDK from the runtime)',
      target: '< 300 KB',
      measured: `${kb(trigger.bytes)} (${(trigger.bytes / 1000).toFixed(0)} kB)`,
      met: trigger.bytes < 300 * 1000,
    });
    const importMs = median(trigger.importMs);
    goals.push({ goal: 'trigger cold import', target: '< 150 ms', measured: `${msText(importMs)} ms`, met: importMs < 150 });
  }
  const goalTable = table(
    ['goal', 'target', 'measured', 'met'],
    goals.map((g) => [g.goal, g.target, g.measured, g.met === undefined ? '–' : g.met ? 'yes' : '**no**']),
  );

  // Charts.
  const transformChart = bars(
    r.transform.flatMap((t) => [
      { label: `${rowsLabel(t.size)} job`, value: t.job.medianMs, text: `${s(t.job.medianMs)} s` },
      ...(t.best ? [{ label: `${rowsLabel(t.size)} ${t.best.kind}`, value: t.best.medianMs, text: `${s(t.best.medianMs)} s` }] : []),
    ]),
  );
  const largestE2e = e2eStats[e2eStats.length - 1];
  const e2eChart = largestE2e
    ? bars(
        [
          { label: 'process start + CLI load', value: cliStart },
          { label: 'Validate', value: largestE2e.validate },
          { label: 'Transform', value: largestE2e.transform },
          { label: 'Summarize', value: largestE2e.summarize },
          { label: 'Archive', value: largestE2e.archive },
          { label: 'Notify', value: largestE2e.notify },
          { label: 'state machine (all states)', value: largestE2e.overheadPerState * (largestE2e.f.runs[0]?.states.length ?? 0) },
          { label: 'put + trigger + history + exit', value: largestE2e.rest },
        ].map((item) => ({ ...item, text: dur(item.value) })),
      )
    : '';
  const validationChart = bars(
    r.validation.bounded.map((b) => ({
      label: fileLabel(b.size, b.bytes),
      value: median(b.runs.map((p) => p.ms)),
      text: `${msText(median(b.runs.map((p) => p.ms)))} ms (${b.sampled ? 'sample' : 'every row'})`,
    })),
  );

  // Why a goal is not met.
  const why: string[] = [];
  const small = r.transform.find((t) => t.size === '100k');
  const mid = r.transform.find((t) => t.size === '1m');
  if (small?.best && small.job.medianMs / small.best.medianMs > 1.15) {
    why.push(
      `**Transform on a small file (${rowsLabel(small.size)} rows: ${x(small.job.medianMs / small.best.medianMs)}).** The whole transform takes a few tenths of a ` +
        `second there, and the job's fixed costs — reading the header with fast-csv to match it with the dataset (about 25 ms in a cold process), ` +
        `the working database, a dozen short statements instead of one, reading the previous run's report and writing this one, moving the staged ` +
        `files and copying them to latest/ — add up to ${s(small.job.medianMs - small.best.medianMs)} s. They do not grow with the file` +
        (mid?.best ? `: at ${rowsLabel(mid.size)} rows the ratio is ${x(mid.job.medianMs / mid.best.medianMs)}.` : '.'),
    );
  }
  if (big?.best && big.job.medianMs / big.best.medianMs > 1.15) {
    why.push(
      `**Transform on 5M rows under 1 GB (${x(big.job.medianMs / big.best.medianMs)} of ${big.best.kind}).** The plan dedupes with the same ` +
        `\`ROW_NUMBER()\` window as the \`window\` baseline; what the job adds is what a pipeline needs and a single statement skips: the ` +
        `grouped pass that yields the run report's counts (rows in, malformed rows, exact and key duplicates) for the quality gate, staging ` +
        `the output before the gate publishes it, and refreshing latest/. Under a 1 GB memory limit these passes spill, so they weigh more at ` +
        `5M rows than at 1M` +
        (mid?.best ? ` (${x(mid.job.medianMs / mid.best.medianMs)} there).` : '.'),
    );
  }
  const triggerBundle = bundle('trigger', 'sdk-external');
  if (triggerBundle && triggerBundle.bytes >= 300 * 1024) {
    const zod = triggerBundle.largest.find((l) => l.name === 'zod');
    why.push(
      `**Trigger bundle (${kb(triggerBundle.bytes)}).** ${zod ? `zod is ${kb(zod.bytes)} of it` : 'zod is most of it'}: the handlers and \`core/\` import \`z\` ` +
        `from \`zod\` (v4 classic), and that namespace object keeps the whole library in the bundle — every schema type, the JSON-schema ` +
        `converters, some 40 locales.${triggerBundle.bytesWithoutZod ? ` Without zod the trigger bundle is ${kb(triggerBundle.bytesWithoutZod)}.` : ''} Ways under 300 KB: \`zod/mini\` ` +
        `(the tree-shakable functional API) for the schemas a Lambda loads (the dataset config, the S3 event, the execution input), or plain ` +
        `checks of the S3 event in the trigger. Both change \`handlers/\` and \`core/config/\`, outside this change. The cold import is within ` +
        `its goal all the same (${msText(median(triggerBundle.importMs))} ms).`,
    );
  }

  const m = r.machine;
  const failed = r.checks.filter((c) => !c.ok);
  const printed = [
    `## Goals\n\n${goalTable}`,
    `## Transform\n\n${transformTable}`,
    `## Spark (local engine) against the DuckDB job\n\n${spark.table}`,
    `## Validation\n\n${fullScanTable}\n\n${boundedTable}`,
    `## etl run\n\n${e2eTable}`,
    `## State machine (no-op tasks)\n\n${msText(smMedian)} ms per execution of ${sm.statesPerExecution} states: ${msText(smPerState)} ms per state`,
    `## Lambda bundles\n\n${bundleTable}`,
    `checks: ${r.checks.length - failed.length}/${r.checks.length} passed`,
  ].join('\n\n');

  const transformRanges = r.transform
    .map((t) => `${rowsLabel(t.size)}: job ${t.job.runs.filter((run) => !run.error).map((run) => s(run.ms)).join(', ')} s; ${t.best ? `${t.best.kind} ${t.best.runs.map((run) => s(run.ms)).join(', ')} s` : ''}`)
    .join('\n');
  const jobRssRange = r.transform.map((t) => `${rowsLabel(t.size)} ${mib(range(t.job.runs.map((run) => run.maxRssBytes))[1])}`).join(', ');

  const document = `# Performance

The numbers below come from \`npm run bench\` (${r.quick ? '**quick mode: CI-sized, not representative**' : 'full run'}, ${r.startedAt}, ${r.durationS.toFixed(0)} s).
Every figure is the median of repeated runs; every ratio compares runs made in the same benchmark
run, interleaved (job, then each baseline, round after round), so that a change in the machine's
load affects both sides alike. CPU time (all threads of the process) is given next to wall time: it
moves less when other processes compete for the cores. Correctness is checked for every run that is
timed: ${r.checks.length - failed.length} of ${r.checks.length} checks passed${failed.length > 0 ? ` (**failed: ${failed.map((f) => f.name).join('; ')}**)` : ''}.

## Machine

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

## Goals

${goalTable}
${why.length > 0 ? `\n### Not met, and why\n\n${why.join('\n\n')}\n` : ''}
## Data

\`bench/generate.ts\` writes \`orders\` files (the columns of \`etl.config.json\`) from a seeded PRNG, so
the same size always gives the same bytes, and it knows what the transform must find:

${table(
  ['file', 'size', 'records', 'lines', 'quoted newlines', 'exact duplicates', 'key duplicates', 'rows out'],
  r.datasets.map((d) => [`orders-${d.size}.csv`, `${mb(d.bytes)} MB`, `${d.rows}`, `${d.lines}`, `${d.quotedNewlines}`, `${d.exactDuplicates}`, `${d.keyDuplicates}`, `${d.distinctKeys}`]),
)}

About 5% of the records repeat a recent record exactly, about 5% are a later version of a recent
order (same \`order_id\`, later \`order_ts\`, next status), and about 5% hold a quoted newline in
\`notes\` (plus quoted commas and doubled quotes). Every record is well formed, so rows out = distinct
\`order_id\`s and every run's counts are checked against these figures.

## Transform: our job against the engine

**job** is the local Glue stand-in, \`DuckDbGlueJob.run\`: the compiled plan
(\`core/transform/compile-plan.ts\`) through our engine layer, writing the partitioned Snappy Parquet,
\`latest/\`, the run report with its counts (and a rejects file when there are malformed rows).
The **baselines** are single hand-written DuckDB statements (\`bench/baseline-sql.ts\`) doing the same
transform on the same file with the same engine settings — read every column as text, type it behind
the same patterns, drop malformed rows, remove exact duplicates, keep the latest \`order_ts\` per
\`order_id\` with the same hash tiebreak, write Snappy Parquet partitioned by date — and nothing a
pipeline needs besides (no counts, no report, no \`latest/\`). They differ in how they keep one row per
key: \`window\` (\`QUALIFY row_number() OVER (…)\`), \`argmax\` (\`arg_max(hash, (order_ts, -hash))\` per key
and a semi-join), \`two-stage\` (max per key and a semi-join, then min hash and a semi-join: the plan's
earlier algorithm) and \`row-struct\` (\`arg_max\` of the whole row). The plan itself uses the window. The job is compared with the fastest
one that completed. Each run is a fresh process; peak RSS is that process's.

${transformTable}

\`\`\`text
Transform, median wall time (job and the fastest baseline)
${transformChart}
\`\`\`

All runs, wall seconds:

\`\`\`text
${transformRanges}
\`\`\`

What the engine layer does (\`local/glue/duckdb-job.ts\`, \`core/transform/compile-plan.ts\`):

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
  the quality gate then publishes or discards the staging folder; \`latest/\` is a copy (a clone where
  the file system can) of the written files, which hold exactly its rows (the partition column is
  not stored in them), instead of a second dedupe and a second Parquet write.
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

## Memory: 5M rows under a 1 GB engine limit

${big ? `The job completes the 5M-row file (${mb(r.datasets.find((d) => d.size === '5m')?.bytes ?? 0)} MB) with \`memory_limit = 1GB\`: median ${s(big.job.medianMs)} s, peak RSS of the process ${mib(big.job.maxRssBytes)} (peak RSS by size: ${jobRssRange}). DuckDB's \`memory_limit\` bounds its buffer pool, not the process: the CSV reader, the Parquet writer's buffers and the Node.js runtime come on top. Baselines: ${big.baselines.map((b) => `${b.kind} ${b.completed ? `${s(b.medianMs)} s, peak RSS ${mib(b.maxRssBytes)}` : 'out of memory'}`).join('; ')}.` : 'Not run in quick mode.'}

## Spark: the Glue script on local Spark

**Spark** is the local Spark engine, \`SparkGlueJob\` (\`local/glue/spark-job.ts\`, \`etl run --engine spark\`):
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
${spark.note}
## Glue cost model

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

## Validation

Full scan: the Validate step's checks (\`validateCsv\`: UTF-8 check, fast-csv parse, header, value of
every typed column) over the whole file, against a bare fast-csv parse and a bare csv-parse of the
same bytes (each counts records, nothing else). Ratios are throughputs: above 1× is faster than the
parser alone.

${fullScanTable}

As configured (\`validation.fullScanMaxBytes\` ${mb(r.validation.fullScanMaxBytes)} MB, \`sampleRows\`
${r.validation.sampleRows}): files up to the limit are checked row by row, larger ones on their leading
rows only — the stream is destroyed after the sample, so the bytes read and the time stay flat however
large the file is; the transform checks every row and counts what it sets aside.

${boundedTable}

\`\`\`text
Validate step time by file size (as configured)
${validationChart}
\`\`\`

What changed: each column's check is compiled once per type (\`wellFormedCheck\` in
\`core/value-rules.ts\`): no pattern string is built and no map looked up per value (the timestamp
pattern was rebuilt and hashed as a map key for every value), no \`Date\` or array allocated
(calendar and clock checks read the digits directly). Before, the row checks cost about a quarter of
the parse time and validation ran at 0.59–0.72× a bare fast-csv parse on the 100k file; what remains
on top of the parse is mostly the UTF-8 check and reading the parser as an async iterator.

## \`etl run\` end to end

A fresh \`etl run <file> --json\` process and local root per run; the state times come from the
execution history (\`etl executions show --json\`). "process start + CLI load" is \`etl --help\` (Node.js,
tsx, the CLI, the local runtime and DuckDB loaded, nothing run); "put + trigger + history + exit" is
the rest of the wall time (copying the file into the bucket, the trigger, SQLite, exit).

${e2eTable}

${largestE2e ? `\`\`\`text\nWhere the time goes, ${fileLabel(largestE2e.f.size, largestE2e.f.bytes)} (medians)\n${e2eChart}\n\`\`\`` : ''}

## State machine overhead

The real ASL (\`statemachine/etl.asl.json\`) run by aws-local-stepfunctions with every Task state
served by a no-op handler (\`taskResourceLocalHandlers\`, as the local runtime serves the real ones) and
its event log consumed: ${sm.executions} executions of the success path (${sm.path.join(' → ')}),
${msText(smMedian)} ms per execution, **${msText(smPerState)} ms per state**. Building the
\`StateMachine\` (definition validation) costs ${msText(sm.constructMs)} ms once per process. Inside
\`etl run\`, the time of an execution not spent in a Task state (choices, transitions, the SQLite
history writes of every event) divided by the states entered is the "state machine, per state" column
above.

## Lambda bundles

Each \`handlers/lambda/*.ts\` entry point bundled with esbuild (\`platform: node\`, \`target: node20\`, CJS,
minified), and \`require\`d in a fresh Node.js process with the environment a function sees (median of
${r.bundles[0]?.importMs.length ?? 0}). "SDK from the runtime" leaves \`@aws-sdk/*\` external: the
Node.js 24 Lambda runtime ships the AWS SDK for JavaScript v3, so a deploy may rely on it (the import
time then includes loading the SDK client from \`node_modules\`, as the runtime loads its copy).
"SDK bundled" is what \`infra/\` deploys today (\`bundleAwsSDK: true\`, pinning the tested SDK version).

${bundleTable}

## Reproduce

\`\`\`sh
npm ci
npm run bench                 # full run: generates bench/.data/ (about 1.2 GB, git-ignored), 10–15 minutes,
                              # prints the table, writes this file and bench/.data/results.json
npm run bench -- --quick      # CI-sized (100k rows, one run each): checks that the bench runs and that every
                              # count is right (no Spark row); writes bench/.data/performance-quick.md, not this file
npx jest test/bench           # the quick mode's count checks as a test (no timing asserted)
\`\`\`

The generated files are cached by size under \`bench/.data/\` (regenerated when the generator
changes). Close other work for steadier wall times; the ratios are measured within one run either way.
`;
  return { table: printed, document };
}
