/**
 * Terminal outcomes and the notifications that announce them. Every execution ends in exactly
 * one of SUCCESS, WARNING or FAILURE, published to exactly one topic.
 */
import type { ExecutionInput } from './execution-input';
import { STATE, type StateName } from './pipeline-steps';
import type { QualityFinding } from './quality';
import { failedRunCounts, type RowsInExtent, type RunReport } from './run-report';

/** The SNS topics, by their names in the seed document. */
export const TOPICS = {
  success: 'etl-job-success',
  warning: 'etl-job-warning',
  failure: 'etl-job-failure',
  critical: 'etl-critical-alerts',
} as const;

/** What ran a transform: the run report's `engine`. */
export type TransformEngine = RunReport['engine'];

/** A terminal status. */
export type OutcomeStatus = 'SUCCESS' | 'WARNING' | 'FAILURE';

/** The facts of one outcome: the notification body and the CLI's `--json` line. */
export interface OutcomeSummary {
  readonly status: OutcomeStatus;
  readonly topic: string;
  readonly dataset: string;
  readonly inputKey: string;
  readonly executionName: string;
  /** The state that built the outcome (the notification says the execution ended there). */
  readonly stage: StateName;
  readonly rowsIn: number | null;
  readonly rowsOut: number | null;
  readonly duplicatesRemoved: number | null;
  readonly malformedRows: number | null;
  /** Rows a failed run read and did not load (run-report.ts); `rowsIn = rowsOut + duplicatesRemoved + malformedRows + rowsNotLoaded`. */
  readonly rowsNotLoaded: number | null;
  /** Which records `rowsIn` counts: all of the file, or those up to the refused one (run-report.ts). */
  readonly rowsInExtent: RowsInExtent | null;
  readonly outputPrefix: string | null;
  readonly archivedKey: string | null;
  readonly rejectedKey: string | null;
  readonly reportKey: string | null;
  readonly transformDurationMs: number | null;
  /**
   * What ran the transform, from its run report: `lambda` (the fast path, TransformInLambda),
   * `spark` (the Glue job, or locally --engine spark) or `duckdb` (the local Glue stand-in);
   * null when no transform ran or it left no report.
   */
  readonly engine: TransformEngine | null;
  readonly warnings: readonly string[];
  readonly error: { readonly name: string; readonly message: string } | null;
}

/** What the state machine publishes: subject, message text and the summary behind them. */
export interface Outcome {
  readonly status: OutcomeStatus;
  readonly subject: string;
  readonly message: string;
  readonly summary: OutcomeSummary;
}

/** SNS refuses a subject of 100 characters or more ("less than 100 characters long"). */
const MAX_SUBJECT = 99;

/** The outcome of a run that loaded its data: SUCCESS, or WARNING when a warn threshold is crossed. */
export function loadedOutcome(input: ExecutionInput, report: RunReport, findings: readonly QualityFinding[]): Outcome {
  const warnings = findings.map((f) => f.message);
  const status: OutcomeStatus = warnings.length > 0 ? 'WARNING' : 'SUCCESS';
  return build({
    status,
    topic: status === 'WARNING' ? TOPICS.warning : TOPICS.success,
    dataset: report.dataset,
    inputKey: input.key,
    executionName: input.executionName,
    stage: STATE.Summarize,
    rowsIn: report.rowsIn,
    rowsOut: report.rowsOut,
    duplicatesRemoved: report.duplicatesRemoved,
    malformedRows: report.malformedRows,
    rowsNotLoaded: 0,
    rowsInExtent: 'all',
    outputPrefix: report.outputPrefix,
    archivedKey: input.archivedKey,
    rejectedKey: null,
    reportKey: input.reportKey,
    transformDurationMs: report.durationMs,
    engine: report.engine,
    warnings,
    error: null,
  });
}

/** A caught Step Functions error: `Error` is the name, `Cause` the message or a JSON document. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/**
 * The outcome of a run that failed at `stage`. For a rejected input `rejectedKey` is set; for a
 * transform failure the input stays in place for a redrive.
 */
export function failedOutcome(
  input: ExecutionInput,
  stage: StateName,
  caught: CaughtError,
  options: { readonly rejected: boolean; readonly report?: RunReport },
): Outcome {
  // Counts are worth quoting only when the transform got as far as counting.
  const report = options.report && options.report.rowsIn > 0 ? options.report : undefined;
  // Nothing loaded unless the load's files are in place (a report of an older runner may say otherwise).
  const counts = report ? failedRunCounts(report, report.error?.name ?? '') : undefined;
  return build({
    status: 'FAILURE',
    topic: TOPICS.failure,
    dataset: input.dataset ?? 'unmatched',
    inputKey: input.key,
    executionName: input.executionName,
    stage,
    rowsIn: report?.rowsIn ?? null,
    rowsOut: counts?.rowsOut ?? null,
    duplicatesRemoved: report?.duplicatesRemoved ?? null,
    malformedRows: report?.malformedRows ?? null,
    rowsNotLoaded: counts?.rowsNotLoaded ?? null,
    rowsInExtent: counts?.rowsInExtent ?? null,
    outputPrefix: null,
    archivedKey: null,
    rejectedKey: options.rejected ? input.rejectedKey : null,
    reportKey: report ? input.reportKey : null,
    transformDurationMs: report?.durationMs ?? null,
    engine: options.report?.engine ?? null,
    warnings: [],
    error: report?.error ?? namedError(caught),
  });
}

/**
 * Turns a caught error into `{ name, message }`. Glue's `.sync` integration reports a failed job
 * run as `States.TaskFailed` with the job run as JSON in `Cause`; its `ErrorMessage` starts with
 * the runner's error name (`QualityThresholdError: …`), which is the name worth reporting. A
 * Lambda function's error (TransformInLambda's on AWS) is caught under its own name (`Error` is
 * the `errorType`, the thrown error's `name`), with `{"errorType","errorMessage","trace"}` as
 * `Cause`; locally `Cause` is the message itself. A plain `Error`'s message may still start with
 * the name worth reporting.
 */
export function namedError(caught: CaughtError): { name: string; message: string } {
  const cause = caught.Cause ?? '';
  let message = cause;
  try {
    const parsed = JSON.parse(cause) as { ErrorMessage?: unknown; errorMessage?: unknown; errorType?: unknown };
    if (typeof parsed.errorMessage === 'string' && parsed.errorType === caught.Error && caught.Error !== 'Error') {
      // The function threw a named error: its message is not searched for another name.
      return { name: caught.Error, message: parsed.errorMessage || caught.Error };
    }
    const inner = parsed.ErrorMessage ?? parsed.errorMessage;
    if (typeof inner === 'string') message = inner;
  } catch {
    // Cause is plain text.
  }
  // Glue may put its own prefix ("Error Category: …; ") before the runner's "<Name>Error: …".
  const prefixed = /(?:^|[\s;])([A-Z][\w.]*Error): ([\s\S]*)$/.exec(message);
  if (prefixed) return { name: prefixed[1], message: prefixed[2] };
  return { name: caught.Error, message: message || caught.Error };
}

/** How the notification names an engine. */
const ENGINE_TEXT: Readonly<Record<TransformEngine, string>> = {
  lambda: 'lambda (the fast path, TransformInLambda)',
  spark: 'spark (the Glue job)',
  duckdb: 'duckdb (the Glue job, local stand-in)',
};

function build(summary: OutcomeSummary): Outcome {
  const file = summary.inputKey.slice(summary.inputKey.lastIndexOf('/') + 1);
  const subject = `[${summary.status}] ${summary.dataset}: ${file}`;
  const lines = [
    `${summary.status} — dataset ${summary.dataset}, input s3 key ${summary.inputKey}`,
    `execution: ${summary.executionName} (ended at ${summary.stage})`,
  ];
  if (summary.error) lines.push(`error: ${summary.error.name}: ${summary.error.message}`);
  if (summary.rowsIn !== null) {
    const extent = summary.rowsInExtent === 'toRefusal' ? ' (the records up to the refused one)' : '';
    const notLoaded = summary.rowsNotLoaded ? `, not loaded: ${summary.rowsNotLoaded}` : '';
    lines.push(
      `rows in: ${summary.rowsIn}${extent}, rows out: ${summary.rowsOut ?? 0}, duplicates removed: ${summary.duplicatesRemoved ?? 0}, malformed rows: ${summary.malformedRows ?? 0}${notLoaded}`,
    );
  }
  for (const warning of summary.warnings) lines.push(`warning: ${warning}`);
  if (summary.outputPrefix) lines.push(`output: ${summary.outputPrefix}`);
  if (summary.archivedKey) lines.push(`input archived to: ${summary.archivedKey}`);
  if (summary.rejectedKey) lines.push(`input moved to: ${summary.rejectedKey}`);
  if (summary.status === 'FAILURE' && !summary.rejectedKey) lines.push('input left in place: fix the cause, then redrive the execution');
  if (summary.engine !== null) lines.push(`transform engine: ${ENGINE_TEXT[summary.engine]}`);
  if (summary.transformDurationMs !== null) lines.push(`transform duration: ${summary.transformDurationMs} ms`);
  lines.push('', JSON.stringify(summary));
  return {
    status: summary.status,
    subject: fitSubject(subject),
    message: lines.join('\n'),
    summary,
  };
}

/**
 * Shortens a subject to {@link MAX_SUBJECT} UTF-16 units, ending in `…`, never splitting a
 * surrogate pair (half an emoji is not UTF-8, and SNS would refuse it too).
 */
function fitSubject(subject: string): string {
  if (subject.length <= MAX_SUBJECT) return subject;
  const cut = subject.slice(0, MAX_SUBJECT - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
