/**
 * The rejects' part of the report (bench/rejects.ts): the same file with and without rejects on
 * each engine, and a file whose every record is malformed through each engine; their goals.
 */
import type { AllMalformed, AllMalformedRun, NotMeasured, RejectsComparison, WithAndWithout } from './rejects';
import { fileLabel, mib, rowsLabel, s, table, x } from './report-format';
import type { BenchResults } from './run';

/** The goal of the rejects' cost: with rejects against without, each engine. */
export const REJECTS_GOAL_RATIO = 1.15;

/** One goal row (report-goals.ts shows them). */
export interface ReportGoal {
  readonly goal: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** What the DuckDB transform (the job and the fast path alike) does for its rejects beyond a run without them. */
const DUCKDB_REJECTS_WORK =
  'each rejected row’s record as JSON, a running line count over every row, a scan of the input’s bytes for blank lines (no CSV parse) and the rejects file’s COPY';

/** The engines of the rejects' comparison, each measured or why not, and what its rejects cost in work (from its code, not measured part by part). */
function engines(r: RejectsComparison): [string, WithAndWithout | NotMeasured, string][] {
  return [
    ['DuckDB job (local Glue stand-in)', r.duckdb, DUCKDB_REJECTS_WORK],
    ['fast path (TransformInLambda)', r.fastPath, DUCKDB_REJECTS_WORK],
    ['Spark (glue/etl_runner.py, local)', r.spark, 'a pass over the cached records writing the rejects by line, after the counts decided the gate'],
  ];
}

const measuredPair = (pair: WithAndWithout | NotMeasured): pair is WithAndWithout => 'withRejects' in pair;

/** With rejects over without: wall and CPU medians. */
export function rejectsRatios(pair: WithAndWithout): { wall: number; cpu: number } {
  return { wall: pair.withRejects.medianMs / pair.withoutRejects.medianMs, cpu: pair.withRejects.medianCpuMs / pair.withoutRejects.medianCpuMs };
}

/** Why a run of the every-row-malformed file is not what the gate should make it, if it is not. */
function allMalformedVerdict(a: AllMalformedRun): { met: boolean | undefined; text: string } {
  const run = a.run;
  if (!run) return { met: undefined, text: `not measured: ${a.reason ?? 'unknown'}` };
  const refused = run.failedWith === 'QualityThresholdError';
  const within = a.rssCapBytes === undefined || run.maxRssBytes <= a.rssCapBytes;
  const ended = refused
    ? 'QualityThresholdError'
    : run.failedWith
      ? `ended in ${run.failedWith}`
      : run.error
        ? `failed: ${run.error.split('\n')[0].slice(0, 160)}`
        : 'succeeded';
  return {
    met: refused && within,
    text: `${a.engine}: ${ended} after ${s(run.ms)} s, peak RSS ${mib(run.maxRssBytes)}${a.rssCapBytes === undefined ? '' : ` of ${mib(a.rssCapBytes)}`} (${a.memory})`,
  };
}

/** The goals: the rejects' cost on each engine, and a file whose every row is malformed. */
export function rejectsGoals(r: BenchResults): ReportGoal[] {
  const goals: ReportGoal[] = [];
  const rejects = r.rejects;
  if (rejects) {
    for (const [name, pair] of engines(rejects)) {
      const goal = `${rowsLabel(rejects.size)} rows with ${rejects.malformedRows} malformed (about 1%) against the same file without rejects, ${name}`;
      const target = `≤ ${REJECTS_GOAL_RATIO}×`;
      if (!measuredPair(pair)) {
        goals.push({ goal, target, measured: `not measured: ${pair.reason}`, met: undefined });
        continue;
      }
      const { wall, cpu } = rejectsRatios(pair);
      goals.push({
        goal,
        target,
        measured: `${x(wall)}: ${s(pair.withRejects.medianMs)} s against ${s(pair.withoutRejects.medianMs)} s (CPU ${x(cpu)})`,
        met: pair.withRejects.completed && pair.withoutRejects.completed ? wall <= REJECTS_GOAL_RATIO : false,
      });
    }
  }
  const all = r.allMalformed;
  if (all) {
    for (const a of all.runs) {
      const verdict = allMalformedVerdict(a);
      goals.push({
        goal: `rejects memory: every row of a ${rowsLabel(all.size)}-row file malformed, ${a.engine}`,
        target: 'QualityThresholdError, peak RSS within the engine’s memory',
        measured: verdict.text,
        met: verdict.met,
      });
    }
  }
  return goals;
}

/** Why a rejects goal is not met, an engine a paragraph: what the rejects add, and by how much. */
export function rejectsWhy(r: BenchResults): string[] {
  const rejects = r.rejects;
  const paragraphs: string[] = [];
  if (rejects) {
    for (const [name, pair, work] of engines(rejects)) {
      if (!measuredPair(pair)) continue;
      const { wall, cpu } = rejectsRatios(pair);
      if (wall <= REJECTS_GOAL_RATIO) continue;
      paragraphs.push(
        `**Rejects on ${name} (${x(wall)}, CPU ${x(cpu)}).** With ${rejects.malformedRows} rejects the run takes ` +
          `${s(pair.withRejects.medianMs - pair.withoutRejects.medianMs)} s more (CPU ${s(pair.withRejects.medianCpuMs - pair.withoutRejects.medianCpuMs)} s) ` +
          `than the same file with no rejects: the cost of finding, numbering and writing them (runs ${runsText(pair.withRejects)} s against ${runsText(pair.withoutRejects)} s). ` +
          (cpu <= 1.05
            ? `A CPU ratio near 1× with a higher wall ratio points at a single-threaded part and at load on the machine, not at more work.`
            : `The CPU time grew as well, so it is work, not only waiting: ${work}.`),
      );
    }
  }
  for (const a of r.allMalformed?.runs ?? []) {
    const verdict = allMalformedVerdict(a);
    if (verdict.met === false) paragraphs.push(`**Every row malformed, ${a.engine}.** ${verdict.text}.`);
  }
  return paragraphs;
}

const runsText = (c: WithAndWithout['withRejects']): string => c.runs.map((run) => (run.error ? 'failed' : s(run.ms))).join(', ');

/** The section of the document (and of the printed table). */
export function renderRejects(r: BenchResults): string {
  const parts: string[] = ['## Rejects: the same file with and without bad rows'];
  if (r.rejects) parts.push(rejectsText(r.rejects));
  if (r.allMalformed) parts.push(allMalformedText(r.allMalformed));
  if (parts.length === 1) parts.push('**Not measured in this run** (results saved before the bench measured it).');
  return `${parts.join('\n\n')}\n`;
}

function rejectsText(r: RejectsComparison): string {
  const rows = engines(r).map(([name, pair]) => {
    if (!measuredPair(pair)) return [name, '–', '–', '–', '–', `not measured: ${pair.reason}`];
    const { wall, cpu } = rejectsRatios(pair);
    return [
      name,
      `${s(pair.withRejects.medianMs)} s`,
      `${s(pair.withoutRejects.medianMs)} s`,
      x(wall),
      x(cpu),
      `${runsText(pair.withRejects)} / ${runsText(pair.withoutRejects)} s`,
    ];
  });
  return (
    `The same file, ${fileLabel(r.size, r.bytes)}, in which ${r.malformedRows} records (about 1%) lack the required \`customer_email\` ` +
    `(\`bench/generate.ts\` \`ensureMalformed\`), through each engine under the dataset's config — the rejects found, numbered and written — ` +
    `and under one where that column is nullable (no rejects), interleaved (DuckDB job memory_limit ${r.memoryLimit}; the fast path under its ` +
    `function's limit; Spark: one worker for both configs, after a first run not counted). Every run's counts are checked against the generator's, under each config.\n\n` +
    table(['engine', 'with rejects', 'without', 'with / without, wall', 'with / without, CPU', 'runs (with / without)'], rows)
  );
}

function allMalformedText(a: AllMalformed): string {
  const rows = a.runs.map((m) => {
    const run = m.run;
    if (!run) return [m.engine, m.memory, `not measured: ${m.reason ?? 'unknown'}`, '–', '–', '–'];
    return [
      m.engine,
      m.memory,
      run.failedWith ?? (run.error ? `failed: ${run.error.split('\n')[0].slice(0, 120)}` : 'succeeded'),
      `${run.malformedRows ?? '?'} of ${run.rowsIn ?? '?'}`,
      `${s(run.ms)} s (CPU ${s(run.cpuMs)} s)`,
      mib(run.maxRssBytes),
    ];
  });
  return (
    `**Every row malformed.** ${fileLabel(a.size, a.bytes)} whose every record lacks its \`customer_email\`, one run per engine: the quality ` +
    `gate must refuse it (QualityThresholdError) with bounded memory. Peak RSS is the process's (Spark: the worker and its JVM, a first run on a fresh worker).\n\n` +
    table(['engine', 'memory', 'outcome', 'malformed rows', 'time', 'peak RSS'], rows)
  );
}
