/**
 * The CLI's view of one finished execution: the `--json` line and the human line, built from
 * the execution record and its event history (the same facts the notification carried).
 */
import type { OutcomeStatus, OutcomeSummary, TransformEngine } from '../../core/outcome';
import { TOPICS } from '../../core/outcome';
import { STATE } from '../../statemachine/definition';
import type { ExecutionEvent, ExecutionRecord } from '../runtime/execution-store';

/** One line of `etl run --json`. */
export interface RunResult {
  readonly status: OutcomeStatus;
  readonly topic: string;
  readonly dataset: string | null;
  readonly file: string | null;
  readonly inputKey: string;
  readonly executionName: string;
  readonly rowsIn: number | null;
  readonly rowsOut: number | null;
  readonly duplicatesRemoved: number | null;
  readonly malformedRows: number | null;
  /**
   * What ran the transform (the run report's engine): `lambda` on the fast path, else the Glue
   * stand-in's `duckdb` or `spark`; null when no transform ran.
   */
  readonly engine: TransformEngine | null;
  readonly outputPrefix: string | null;
  readonly archivedKey?: string;
  readonly rejectedKey?: string;
  readonly warnings: readonly string[];
  readonly error?: { readonly name: string; readonly message: string };
  readonly durationMs: number;
}

/** Builds the result of an ended execution. */
export function runResult(record: ExecutionRecord, events: readonly ExecutionEvent[], file: string | null = null): RunResult {
  // A run whose latest attempt reached NotifyCritical ended there, whatever outcome an earlier
  // step had built; a redrive that then succeeded ends with its own outcome.
  const caught = record.status === 'SUCCEEDED' ? undefined : criticalError(latestAttempt(events));
  const summary = caught ? undefined : lastOutcomeSummary(events);
  const durationMs = record.stopDate ? Date.parse(record.stopDate) - Date.parse(record.startDate) : 0;
  const input = record.input as { key: string; dataset: string | null };
  if (summary) {
    return {
      status: summary.status,
      topic: summary.topic,
      dataset: summary.dataset,
      file,
      inputKey: summary.inputKey,
      executionName: record.name,
      rowsIn: summary.rowsIn,
      rowsOut: summary.rowsOut,
      duplicatesRemoved: summary.duplicatesRemoved,
      malformedRows: summary.malformedRows,
      engine: summary.engine ?? engineOf(latestAttempt(events)),
      outputPrefix: summary.outputPrefix,
      ...(summary.archivedKey ? { archivedKey: summary.archivedKey } : {}),
      ...(summary.rejectedKey ? { rejectedKey: summary.rejectedKey } : {}),
      warnings: summary.warnings,
      ...(summary.error ? { error: summary.error } : {}),
      durationMs,
    };
  }
  // The pipeline itself failed and alerted etl-critical-alerts.
  return {
    status: 'FAILURE',
    topic: TOPICS.critical,
    dataset: input.dataset,
    file,
    inputKey: input.key,
    executionName: record.name,
    rowsIn: null,
    rowsOut: null,
    duplicatesRemoved: null,
    malformedRows: null,
    engine: engineOf(latestAttempt(events)),
    outputPrefix: null,
    warnings: [],
    error: caught ?? { name: record.error ?? 'Error', message: record.cause ?? '' },
    durationMs,
  };
}

/** One human-readable line. */
export function formatRunResult(result: RunResult): string {
  const seconds = `${(result.durationMs / 1000).toFixed(1)}s`;
  const where = result.file ?? result.inputKey;
  const parts = [result.status.padEnd(7), where];
  if (result.rowsIn !== null) {
    parts.push(`rows ${result.rowsIn} in → ${result.rowsOut ?? 0} out (duplicates ${result.duplicatesRemoved ?? 0}, malformed ${result.malformedRows ?? 0})`);
  }
  if (result.error) parts.push(`${result.error.name}: ${firstLine(result.error.message)}`);
  for (const warning of result.warnings) parts.push(`warning: ${warning}`);
  if (result.engine) parts.push(`via ${result.engine}`);
  parts.push(`→ ${result.topic}`, seconds);
  return parts.join('  ');
}

/** The states that build an outcome, and where they put it. */
const OUTCOME_FIELD: Readonly<Record<string, 'outcome' | 'failure'>> = {
  [STATE.Summarize]: 'outcome',
  [STATE.Reject]: 'outcome',
  [STATE.DescribeTransformFailure]: 'failure',
};

function lastOutcomeSummary(events: readonly ExecutionEvent[]): OutcomeSummary | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const field = events[i].state ? OUTCOME_FIELD[events[i].state as string] : undefined;
    if (events[i].type !== 'StateExited' || !field) continue;
    const output = (events[i].detail as { state?: { output?: Record<string, { summary?: OutcomeSummary }> } } | null)?.state?.output;
    const summary = output?.[field]?.summary;
    if (summary) return summary;
  }
  return undefined;
}

/**
 * The engine when no report named it: the fast path's, if the run entered TransformInLambda
 * (a Glue stand-in that left no report is not told apart).
 */
function engineOf(events: readonly ExecutionEvent[]): TransformEngine | null {
  return events.some((e) => e.type === 'StateEntered' && e.state === STATE.TransformInLambda) ? 'lambda' : null;
}

function latestAttempt(events: readonly ExecutionEvent[]): readonly ExecutionEvent[] {
  const start = events.map((e) => e.type).lastIndexOf('ExecutionRedriven');
  return start === -1 ? events : events.slice(start);
}

function criticalError(events: readonly ExecutionEvent[]): { name: string; message: string } | undefined {
  const entered = events.find((e) => e.type === 'StateEntered' && e.state === STATE.NotifyCritical);
  const error = (entered?.detail as { state?: { input?: { error?: { Error: string; Cause?: string } } } } | null)?.state?.input?.error;
  return error ? { name: error.Error, message: error.Cause ?? '' } : undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}
