/**
 * Renders a benchmark run: the table printed by `npm run bench` and docs/performance.md (tables,
 * text charts, the machine, how to reproduce, the goals, the Glue cost model).
 */
import { type ReportParts, renderDocument } from './report-document';
import { msText } from './report-format';
import { cliFigures, renderFastPath } from './report-fast-path';
import { renderGoals, whyNotMet } from './report-goals';
import { renderRejects } from './report-rejects';
import { renderScaling } from './report-scaling';
import { renderStartup } from './report-startup';
import { renderBundles, renderEndToEnd, renderSpark, renderTransform, renderValidation, stateMachineFigures } from './report-tables';
import type { BenchResults } from './run';

/** The printed table and the document. */
export function renderReport(r: BenchResults): { table: string; document: string } {
  const stateMachine = stateMachineFigures(r.stateMachine);
  const e2e = renderEndToEnd(r.e2e);
  const bundles = renderBundles(r.bundles);
  const fastPath = renderFastPath(r);
  const cli = cliFigures(r);
  const parts: ReportParts = {
    transform: renderTransform(r.transform),
    spark: renderSpark(r.spark ?? { measured: false, size: '1m', reason: 'not in these results (saved before the bench measured Spark)' }),
    validation: renderValidation(r.validation),
    stateMachine,
    e2e,
    bundles,
    fastPath,
    cli,
    goals: renderGoals(r, stateMachine, e2e.stats, bundles.trigger, cli),
    why: whyNotMet(r, e2e.stats, bundles.trigger, cli),
    failedChecks: r.checks.filter((c) => !c.ok),
    rejects: renderRejects(r),
    scaling: renderScaling(r),
    startup: renderStartup(r),
  };
  return { table: printedTable(r, parts), document: renderDocument(r, parts) };
}

/** What `npm run bench` prints: the tables without the prose. */
function printedTable(r: BenchResults, parts: ReportParts): string {
  const { transform, spark, validation, stateMachine, e2e, bundles, goals, failedChecks } = parts;
  return [
    `## Goals\n\n${goals}`,
    `## Transform\n\n${transform.table}`,
    parts.rejects.trim(),
    `## Spark (local engine) against the DuckDB job\n\n${spark.table}`,
    parts.scaling.trim(),
    `## Validation\n\n${validation.fullScan}\n\n${validation.bounded}`,
    `## etl run\n\n${e2e.table}${parts.cli ? `\n\n${parts.cli.text}` : ''}`,
    parts.fastPath.section,
    `## State machine (no-op tasks)\n\n${msText(stateMachine.medianMs)} ms per execution of ${r.stateMachine.statesPerExecution} states: ${msText(stateMachine.perStateMs)} ms per state`,
    `## Lambda bundles\n\n${bundles.table}`,
    parts.startup.trim(),
    `checks: ${r.checks.length - failedChecks.length}/${r.checks.length} passed`,
  ].join('\n\n');
}
