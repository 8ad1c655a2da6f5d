/** The benchmark's goals: whether each is met, and why where one is not. */
import type { LambdaBundle } from './lambda';
import type { CliFigures } from './report-fast-path';
import { rejectsGoals, rejectsWhy } from './report-rejects';
import { scalingGoals, scalingWhy } from './report-scaling';
import { startupGoals } from './report-startup';
import { dur, fileLabel, kb, mb, mib, msText, rowsLabel, s, table, x } from './report-format';
import { type EndToEndStats, type StateMachineFigures, type TransformResult, findTransform, isTransformState } from './report-tables';
import type { BenchResults } from './run';
import { median } from './stats';
import { contender } from './transform';

interface Goal {
  readonly goal: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** The goals' table: transform, memory, `etl run` end to end, validation, state machine, CLI, trigger bundle. */
export function renderGoals(
  r: BenchResults,
  stateMachine: StateMachineFigures,
  e2e: readonly EndToEndStats[],
  trigger: LambdaBundle | undefined,
  cli: CliFigures | undefined,
): string {
  const goals = [
    ...transformGoals(r.transform),
    ...rejectsGoals(r),
    ...endToEndGoals(endToEndComparison(r, e2e)),
    ...validationGoals(r.validation),
    stateMachineGoal(stateMachine, e2e),
    ...cliGoals(cli),
    ...triggerGoals(trigger),
    ...startupGoals(r),
    ...scalingGoals(r),
  ];
  return table(
    ['goal', 'target', 'measured', 'met'],
    goals.map((g) => [g.goal, g.target, g.measured, g.met === undefined ? '–' : g.met ? 'yes' : '**no**']),
  );
}

function transformGoals(transform: readonly TransformResult[]): Goal[] {
  const goals = transform.map((t): Goal => {
    const ratio = t.best ? t.job.medianMs / t.best.medianMs : Number.NaN;
    const sameAlgorithm = t.best?.kind === 'window' ? undefined : t.baselines.find((b) => b.kind === 'window');
    return {
      goal: `transform, ${rowsLabel(t.size)} rows (${t.memoryLimit})`,
      target: '≤ 1.15× the fastest single-statement baseline',
      measured:
        `${x(ratio)} of ${t.best?.kind ?? '–'} (CPU ${t.best ? x(t.job.medianCpuMs / t.best.medianCpuMs) : '–'})` +
        (sameAlgorithm?.completed ? `; ${x(t.job.medianMs / sameAlgorithm.medianMs)} of the same-algorithm baseline` : ''),
      met: Number.isFinite(ratio) ? ratio <= 1.15 : undefined,
    };
  });
  const big = findTransform(transform, '5m');
  if (big) {
    goals.push({
      goal: '5M rows under a 1 GB engine memory limit',
      target: 'completes',
      measured: big.job.completed ? `completes in ${s(big.job.medianMs)} s, peak RSS ${mib(big.job.maxRssBytes)} (memory_limit is not an RSS cap)` : 'fails',
      met: big.job.completed && big.memoryLimit === '1GB',
    });
  }
  return goals;
}

/** Validation's full scan against a bare fast-csv parse of the same bytes (throughputs). */
const VALIDATION_GOAL_RATIO = 0.8;

/** The largest full scan and its throughput against a bare fast-csv parse. */
function largestFullScan(validation: BenchResults['validation']) {
  const scan = validation.fullScan[validation.fullScan.length - 1];
  if (!scan) return undefined;
  const validateMs = median(scan.validate.map((p) => p.ms));
  const fastCsvMs = median(scan.fastCsv.map((p) => p.ms));
  return { scan, validateMs, fastCsvMs, ratio: fastCsvMs / validateMs };
}

function validationGoals(validation: BenchResults['validation']): Goal[] {
  const goals: Goal[] = [];
  const largest = largestFullScan(validation);
  if (largest) {
    goals.push({
      goal: `validation throughput (${rowsLabel(largest.scan.size)} rows, full scan)`,
      target: `≥ ${VALIDATION_GOAL_RATIO}× a bare fast-csv parse`,
      measured: x(largest.ratio),
      met: largest.ratio >= VALIDATION_GOAL_RATIO,
    });
  }
  const sampledRuns = validation.bounded.filter((b) => b.sampled);
  if (sampledRuns.length > 0) {
    const read = sampledRuns.map((b) => median(b.runs.map((p) => p.bytesRead)));
    goals.push({
      goal: 'validation bounded on large files',
      target: `files > ${mb(validation.fullScanMaxBytes)} MB: the first ${validation.sampleRows} rows only`,
      measured: `${mb(Math.max(...read))} MB read at most (files up to ${mb(Math.max(...sampledRuns.map((b) => b.bytes)))} MB)`,
      met: sampledRuns.every((b) => b.runs.every((p) => p.records === validation.sampleRows)),
    });
  }
  return goals;
}

function stateMachineGoal(stateMachine: StateMachineFigures, e2e: readonly EndToEndStats[]): Goal {
  const smPerState = stateMachine.perStateMs;
  const inSitu = e2e.length > 0 ? Math.max(...e2e.map((e) => e.overheadPerState)) : Number.NaN;
  return {
    goal: 'state-machine overhead per state (local runtime)',
    target: '< 5 ms',
    measured: `${msText(smPerState)} ms with no-op tasks${Number.isFinite(inSitu) ? `; ≤ ${msText(inSitu)} ms inside etl run (history writes included)` : ''}`,
    met: smPerState < 5 && (!Number.isFinite(inSitu) || inSitu < 5),
  };
}

/** `etl run` end to end against the fastest single-statement baseline, at this size. */
const E2E_GOAL_SIZE = '1m';
const E2E_GOAL_RATIO = 1.3;

/** `etl run` on one file against the transform section's fastest baseline on a file of the same size. */
interface EndToEndComparison {
  readonly run: EndToEndStats;
  readonly transform: TransformResult;
  readonly best: NonNullable<TransformResult['best']>;
  /** Whether the baseline's runs were interleaved with the etl runs (else: the transform section's runs). */
  readonly interleaved: boolean;
  /** `etl run`'s median wall time over the baseline's median. */
  readonly ratio: number;
  /** Whether the files are the goal's size (quick mode has no 1M-row file). */
  readonly atGoalSize: boolean;
  /** Which files are compared: the one file, or each when they differ in size or rows. */
  readonly files: string;
}

/**
 * The e2e file of the goal's size (else the largest one the transform section also ran) and that
 * size's transform comparison, from the same run.
 */
function endToEndComparison(r: BenchResults, e2e: readonly EndToEndStats[]): EndToEndComparison | undefined {
  const run = e2e.find((e) => e.file.size === E2E_GOAL_SIZE) ?? [...e2e].reverse().find((e) => findTransform(r.transform, e.file.size));
  const transform = run && findTransform(r.transform, run.file.size);
  if (!run || !transform?.best) return undefined;
  // The baseline's runs interleaved with the etl runs when the run made them (else the transform section's).
  const interleaved = run.file.baselineRuns && run.file.baselineRuns.length > 0 ? contender(transform.best.kind, run.file.baselineRuns) : undefined;
  const best = interleaved?.completed ? interleaved : transform.best;
  const e2eRows = run.file.runs.find((e) => e.rowsIn !== null)?.rowsIn ?? undefined;
  const transformRows = transform.job.runs.find((j) => j.rowsIn !== undefined)?.rowsIn;
  const transformBytes = r.datasets.find((d) => d.size === transform.size)?.bytes;
  const same = e2eRows === transformRows && run.file.bytes === transformBytes;
  const described = (rows: number | undefined, bytes: number | undefined): string => `${rows ?? '?'} rows, ${bytes === undefined ? '?' : mb(bytes)} MB`;
  return {
    run,
    transform,
    best,
    interleaved: best === interleaved,
    ratio: run.wall / best.medianMs,
    atGoalSize: run.file.size === E2E_GOAL_SIZE,
    files: same
      ? `the same file, ${fileLabel(run.file.size, run.file.bytes)}`
      : `etl run on ${described(e2eRows, run.file.bytes)}, the baseline on ${described(transformRows, transformBytes)}`,
  };
}

function endToEndGoals(c: EndToEndComparison | undefined): Goal[] {
  if (!c) return [];
  return [
    {
      goal: `\`etl run\` end to end, ${rowsLabel(c.run.file.size)} rows${c.atGoalSize ? '' : ` (the goal is at ${rowsLabel(E2E_GOAL_SIZE)})`}`,
      target: `≤ ${E2E_GOAL_RATIO}× the fastest single-statement baseline`,
      measured: `${x(c.ratio)}: ${s(c.run.wall)} s against ${s(c.best.medianMs)} s for ${c.best.kind} (${c.files}${c.interleaved ? ', runs interleaved' : ', the transform section’s runs'})`,
      met: c.atGoalSize ? c.ratio <= E2E_GOAL_RATIO : undefined,
    },
  ];
}

/** The CLI loaded: `etl --help` and `etl --version` in a fresh process. */
const CLI_LOAD_GOAL_MS = 300;
/** The trigger's bundle imported in a fresh process. */
const TRIGGER_IMPORT_GOAL_MS = 150;

function cliGoals(cli: CliFigures | undefined): Goal[] {
  if (!cli) return [];
  return [
    {
      goal: 'CLI loaded (`etl --help`, `etl --version`, a fresh process)',
      target: `< ${CLI_LOAD_GOAL_MS} ms`,
      measured: `${msText(cli.helpMs)} ms, ${msText(cli.versionMs)} ms (sources through tsx: ${msText(cli.tsxHelpMs)} ms; bare node ${msText(cli.nodeMs)} ms)`,
      met: Math.max(cli.helpMs, cli.versionMs) < CLI_LOAD_GOAL_MS,
    },
  ];
}

function triggerGoals(trigger: LambdaBundle | undefined): Goal[] {
  if (!trigger) return [];
  const importMs = median(trigger.importMs);
  const sdkMs = median(trigger.sdkMs ?? []);
  return [
    {
      goal: 'trigger bundle size (SDK from the runtime)',
      target: '< 300 KB',
      measured: `${kb(trigger.bytes)} (${(trigger.bytes / 1000).toFixed(0)} kB)`,
      met: trigger.bytes < 300 * 1000,
    },
    {
      goal: 'trigger cold import (SDK from the runtime)',
      target: `< ${TRIGGER_IMPORT_GOAL_MS} ms`,
      measured: `${msText(importMs)} ms${Number.isFinite(sdkMs) ? `, of which the AWS SDK clients ${msText(sdkMs)} ms` : ''}`,
      met: importMs < TRIGGER_IMPORT_GOAL_MS,
    },
  ];
}

/** Why a goal is not met: one paragraph for each goal that has its explanation. */
export function whyNotMet(r: BenchResults, e2e: readonly EndToEndStats[], trigger: LambdaBundle | undefined, cli: CliFigures | undefined): string[] {
  const transform = r.transform;
  const mid = findTransform(transform, '1m');
  return [
    smallTransformWhy(findTransform(transform, '100k'), mid),
    bigTransformWhy(findTransform(transform, '5m'), mid),
    ...rejectsWhy(r),
    endToEndWhy(r, endToEndComparison(r, e2e)),
    validationWhy(r.validation),
    cliWhy(cli),
    triggerBundleWhy(trigger),
    triggerImportWhy(trigger),
    ...scalingWhy(r),
  ].filter((paragraph): paragraph is string => paragraph !== undefined);
}

function cliWhy(cli: CliFigures | undefined): string | undefined {
  if (!cli || Math.max(cli.helpMs, cli.versionMs) < CLI_LOAD_GOAL_MS) return undefined;
  return (
    `**CLI load (${msText(Math.max(cli.helpMs, cli.versionMs))} ms).** A bare Node.js process takes ${msText(cli.nodeMs)} ms of it here; the rest is reading ` +
    `the bundle and its V8 code cache and running its modules' top level (commander, zod's schemas, the Powertools logger and ` +
    `metrics, the config's checks); DuckDB, SQLite, the AWS SDK and the state machine interpreter load only when used. The ` +
    `machine's load moves this figure most (see the load average): the ratio to the tsx start (${x(Math.max(cli.helpMs, cli.versionMs) / cli.tsxHelpMs)}) moves less.`
  );
}

function triggerImportWhy(trigger: LambdaBundle | undefined): string | undefined {
  if (!trigger || median(trigger.importMs) < TRIGGER_IMPORT_GOAL_MS) return undefined;
  const importMs = median(trigger.importMs);
  const sdkMs = median(trigger.sdkMs ?? []);
  return (
    `**Trigger cold import (${msText(importMs)} ms).** ${Number.isFinite(sdkMs) ? `${msText(sdkMs)} ms of it is loading \`@aws-sdk/client-sfn\` and \`@aws-sdk/client-s3\` from node_modules (the runtime's copy on Lambda); the bundle's own code — Powertools with the X-Ray SDK, zod/mini, picomatch, building the two clients — takes the other ${msText(importMs - sdkMs)} ms. ` : ''}` +
    `Both clients serve every event (a HEAD of the object, then StartExecution), so loading them on first use would only move that time from the import to the first event. ` +
    `The SDK-bundled variant below is the one deployed; bundling it from the SDK's ES modules (esbuild \`mainFields: ['module', 'main']\`) lets esbuild drop the unused commands.`
  );
}

function smallTransformWhy(small: TransformResult | undefined, mid: TransformResult | undefined): string | undefined {
  if (!(small?.best && small.job.medianMs / small.best.medianMs > 1.15)) return undefined;
  return (
    `**Transform on a small file (${rowsLabel(small.size)} rows: ${x(small.job.medianMs / small.best.medianMs)}).** The whole transform takes a few tenths of a ` +
    `second there, and the job's fixed costs — reading the header with fast-csv to match it with the dataset (about 25 ms in a cold process), ` +
    `the working database, a dozen short statements instead of one, reading the previous run's report and writing this one, moving the staged ` +
    `files and copying them to the dataset's state — add up to ${s(small.job.medianMs - small.best.medianMs)} s. They do not grow with the file` +
    (mid?.best ? `: at ${rowsLabel(mid.size)} rows the ratio is ${x(mid.job.medianMs / mid.best.medianMs)}.` : '.')
  );
}

function bigTransformWhy(big: TransformResult | undefined, mid: TransformResult | undefined): string | undefined {
  if (!(big?.best && big.job.medianMs / big.best.medianMs > 1.15)) return undefined;
  return (
    `**Transform on 5M rows under 1 GB (${x(big.job.medianMs / big.best.medianMs)} of ${big.best.kind}).** The plan dedupes with the same ` +
    `\`ROW_NUMBER()\` window as the \`window\` baseline; what the job adds is what a pipeline needs and a single statement skips: the ` +
    `grouped pass that yields the run report's counts (rows in, malformed rows, exact and key duplicates) for the quality gate, staging ` +
    `the output before the gate publishes it, and publishing the dataset's state. Under a 1 GB memory limit these passes spill, so they weigh more at ` +
    `5M rows than at 1M` +
    (mid?.best ? ` (${x(mid.job.medianMs / mid.best.medianMs)} there).` : '.')
  );
}

function triggerBundleWhy(trigger: LambdaBundle | undefined): string | undefined {
  if (!(trigger && trigger.bytes >= 300 * 1024)) return undefined;
  const zod = trigger.largest.find((l) => l.name === 'zod');
  return (
    `**Trigger bundle (${kb(trigger.bytes)}).** ${zod ? `zod is ${kb(zod.bytes)} of it` : 'zod is most of it'}: the handlers and \`core/\` import \`z\` ` +
    `from \`zod\` (v4 classic), and that namespace object keeps the whole library in the bundle — every schema type, the JSON-schema ` +
    `converters, some 40 locales.${trigger.bytesWithoutZod ? ` Without zod the trigger bundle is ${kb(trigger.bytesWithoutZod)}.` : ''} Ways under 300 KB: \`zod/mini\` ` +
    `(the tree-shakable functional API) for the schemas a Lambda loads (the dataset config, the S3 event, the execution input), or plain ` +
    `checks of the S3 event in the trigger. Both change \`handlers/\` and \`core/config/\`, outside this change. The cold import is within ` +
    `its goal all the same (${msText(median(trigger.importMs))} ms).`
  );
}

/** Cores kept busy on average: CPU time (all threads) over wall time. */
const busyCores = (cpuMs: number, wallMs: number): number => cpuMs / wallMs;

function endToEndWhy(r: BenchResults, c: EndToEndComparison | undefined): string | undefined {
  if (!(c?.atGoalSize && c.ratio > E2E_GOAL_RATIO)) return undefined;
  const { run, transform, best } = c;
  const isolated = transform.best ?? best;
  const job = transform.job;
  const stateMachineMs = run.overheadPerState * (run.file.runs[0]?.states.length ?? 0);
  const outsideTransform = run.wall - run.transform;
  const transformRuns = run.file.runs.map((e) => e.states.filter((st) => isTransformState(st.name)).reduce((a, st) => a + st.ms, 0));
  const jobRuns = job.runs.filter((j) => !j.error).map((j) => j.ms);
  const parts =
    `**\`etl run\` end to end (${rowsLabel(run.file.size)} rows: ${x(c.ratio)} of ${best.kind}).** Of its ${s(run.wall)} s (median of ${run.file.runs.length}), ` +
    `process start + CLI load takes ${dur(r.e2e.cliStartMs.length > 0 ? median(r.e2e.cliStartMs) : Number.NaN)}, Validate ${dur(run.validate)}, ` +
    `Transform ${dur(run.transform)}, Archive ${dur(run.archive)} and put + trigger + history + exit ${dur(run.rest)} (loading DuckDB, SQLite and the ` +
    `interpreter, copying the file into the bucket, the trigger, the history, exit); Summarize, Notify and the state machine's own steps ` +
    `${dur(run.summarize + run.notify + stateMachineMs)} together. Everything but the Transform takes ${s(outsideTransform)} s, ${x(outsideTransform / best.medianMs)} ` +
    `the baseline by itself, while the goal allows ${s((E2E_GOAL_RATIO - 1) * best.medianMs)} s (${(E2E_GOAL_RATIO - 1).toFixed(1)}× the baseline) on top of the baseline's time for ` +
    // The isolated job against the baseline runs interleaved with it (the transform section's), not the etl runs' baseline.
    `all of that plus what the job spends over the baseline: the isolated job is ${x(job.medianMs / isolated.medianMs)} of ${isolated.kind} in the transform section, ${s(job.medianMs - isolated.medianMs)} s over it` +
    (job.medianMs / isolated.medianMs > E2E_GOAL_RATIO
      ? `, already above the goal on its own, so trimming the parts around the transform cannot meet it.`
      : '.');
  const slower = run.transform / job.medianMs;
  if (!(slower > 1.1)) return parts;
  const transformText =
    `The Transform inside \`etl run\` (the ${run.status.includes('fast path') ? 'fast path' : 'Glue stand-in'}, the same DuckDB transform with the same engine settings) ` +
    `took ${s(run.transform)} s (runs ${transformRuns.map(s).join(', ')} s) against ${s(job.medianMs)} s (runs ${jobRuns.map(s).join(', ')} s) for ` +
    `the isolated job runs on the same file: ${x(slower)}. At the isolated job's time \`etl run\` would take about ` +
    `${s(run.wall - run.transform + job.medianMs)} s, ${x((run.wall - run.transform + job.medianMs) / best.medianMs)} of the baseline.`;
  return `${parts}\n\n${transformText} ${loadWhy(r, run, job)}`;
}

/**
 * Whether the saved figures point at load on the machine: the `etl run` runs save no CPU time, but
 * the fast path's runs of the same file, measured just before them with the same DuckDB transform,
 * do. Fewer cores kept busy for the same CPU time than in the isolated job runs means the process
 * waited for the cores.
 */
function loadWhy(r: BenchResults, run: EndToEndStats, job: TransformResult['job']): string {
  const noCpu = 'The `etl run` runs save wall times only, no CPU time';
  const fastPath = r.fastPath?.measured ? r.fastPath.files.find((f) => f.size === run.file.size && f.bytes === run.file.bytes) : undefined;
  const fpRuns = fastPath?.runs.filter((f) => !f.error) ?? [];
  const jobCores = busyCores(job.medianCpuMs, job.medianMs);
  if (fpRuns.length === 0 || !Number.isFinite(jobCores))
    return `${noCpu}, and no other run of this file near them does either: the saved figures do not tell whether load on the machine or the run itself made the difference.`;
  const fpWall = median(fpRuns.map((f) => f.ms));
  const fpCpu = median(fpRuns.map((f) => f.cpuMs));
  const fpCores = busyCores(fpCpu, fpWall);
  const m = r.machine;
  const figures =
    `the fast path's runs of the same file, measured just before them with the same DuckDB transform (memory_limit ${r.fastPath?.measured ? r.fastPath.memoryLimit : '–'}), ` +
    `took ${s(fpWall)} s for ${s(fpCpu)} s of CPU time (${fpCores.toFixed(2)} cores busy on average; runs ${fpRuns.map((f) => `${s(f.ms)} s, CPU ${s(f.cpuMs)} s`).join('; ')}) ` +
    `where the isolated job runs took ${s(job.medianMs)} s for ${s(job.medianCpuMs)} s (${jobCores.toFixed(2)} cores)`;
  if (fpCores < 0.75 * jobCores && fpCpu < 1.25 * job.medianCpuMs) {
    return (
      `${noCpu}; ${figures}: about the same CPU work, with the cores far less available. Load on the machine during that part of the run is ` +
      `therefore the likely cause (the load average was ${m.loadAfter.map((l) => l.toFixed(2)).join(', ')} over 1, 5 and 15 minutes at the end of the run, ` +
      `${m.loadBefore.map((l) => l.toFixed(2)).join(', ')} before it, on ${m.nproc} cores) rather than something \`etl run\` adds to the transform; the \`etl run\` runs' own CPU time (not saved) or a run on an idle machine would confirm it.`
    );
  }
  return `${noCpu}; ${figures}: those do not point at load on the machine, so the saved figures leave the difference unexplained.`;
}

function validationWhy(validation: BenchResults['validation']): string | undefined {
  const largest = largestFullScan(validation);
  if (!largest || largest.ratio >= VALIDATION_GOAL_RATIO) return undefined;
  const { scan, validateMs, fastCsvMs, ratio } = largest;
  const report = scan.validate.find((v) => v.report)?.report;
  const rows = scan.validate[0]?.records ?? 0;
  const columns = report?.header.length;
  const extraMs = validateMs - fastCsvMs;
  const validateCpu = median(scan.validate.map((p) => p.cpuMs));
  const fastCsvCpu = median(scan.fastCsv.map((p) => p.cpuMs));
  const rounds = scan.validate.map((v, i) => (scan.fastCsv[i] ? scan.fastCsv[i].ms / v.ms : Number.NaN)).filter(Number.isFinite);
  const us = (ms: number): string => `${((ms * 1000) / rows).toFixed(1)} µs`;
  const oneCore = busyCores(validateCpu, validateMs) > 0.9 && busyCores(fastCsvCpu, fastCsvMs) > 0.9;
  return (
    `**Validation throughput (${fileLabel(scan.size, scan.bytes)}, full scan: ${x(ratio)} a bare fast-csv parse).** Validate parses with fast-csv too, ` +
    `so the parse is in both figures: ${s(validateMs)} s against ${s(fastCsvMs)} s for the bare parse (medians of ${scan.validate.length}, interleaved; ` +
    `${rounds.map(x).join(', ')} round by round; CPU ${s(validateCpu)} s against ${s(fastCsvCpu)} s, ${x(fastCsvCpu / validateCpu)} in CPU time` +
    `${oneCore ? ': both run on one core, CPU ≈ wall, so the ratio does not come from load on the machine' : ''}). ` +
    `That is ${s(extraMs)} s more for ${rows} rows, ${us(extraMs)} per row${columns ? ` (${((extraMs * 1000) / rows / columns).toFixed(2)} µs per value of its ${columns} columns)` : ''}. ` +
    `Beyond the parse, Validate decodes every chunk with a fatal UTF-8 \`TextDecoder\` and scans it for NUL bytes before fast-csv sees it, reads the ` +
    `parser as an async iterator, matches the header with the dataset's columns (once per file, compiling each column's check), and for every row ` +
    `compares its field count with the header's, runs every non-empty value through its column's check from \`core/value-rules.ts\` (the type's anchored ` +
    `pattern, then the range check of an integer or the calendar check of a date or timestamp; for a string, a control-character scan and the ` +
    `record-split pattern) and counts the rows checked and the malformed ones (${report?.malformedRows ?? 0} here). The results time the whole ` +
    `step and the bare parse, not these parts one by one. ${VALIDATION_GOAL_RATIO}× leaves the checks ${s(fastCsvMs * (1 / VALIDATION_GOAL_RATIO - 1))} s ` +
    `(${((1 / VALIDATION_GOAL_RATIO - 1) * 100).toFixed(0)}% of the parse time); they take ${s(extraMs)} s (${((extraMs / fastCsvMs) * 100).toFixed(0)}%).`
  );
}
