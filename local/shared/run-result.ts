/**
 * The CLI's view of one finished execution: the `--json` line and the human line, built from
 * the execution record and its event history (the same facts the notification carried).
 */
import { type FastPathFacts, routeReason } from '../../core/fast-path';
import type { OutcomeStatus, OutcomeSummary, TransformEngine } from '../../core/outcome';
import { TOPICS } from '../../core/outcome';
import type { RowsInExtent } from '../../core/run-report';
import { STATE } from '../../statemachine/definition';
import type { ExecutionEvent, ExecutionRecord, ExecutionStatus } from '../runtime/execution-store';

/**
 * The execution a duplicate upload (the same key and bytes, or S3's event again) maps to: the
 * upload was not run again, and this is what became of the bytes the first time.
 */
export interface DuplicateOf {
  readonly executionName: string;
  /** Its status now, as Step Functions names it. */
  readonly status: ExecutionStatus;
  readonly startDate: string;
  readonly stopDate: string | null;
  /** The command that resumes it, when it can be redriven (ABORTED, or FAILED with its input in place). */
  readonly redrive: string | null;
}

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
  /** Rows read and not loaded because the run was refused (0 when it loaded; null without counts). */
  readonly rowsNotLoaded: number | null;
  /** Which records `rowsIn` counts: `all`, or `toRefusal` (those up to the refused one; core/run-report.ts). */
  readonly rowsInExtent: RowsInExtent | null;
  /**
   * What ran the transform (the run report's engine): `lambda` on the fast path, else the Glue
   * stand-in's `duckdb` or `spark`; null when no transform ran.
   */
  readonly engine: TransformEngine | null;
  /**
   * Why ChooseEngine took that route: `--engine` (every file to the Glue job), or the size against
   * the dataset's fastPathMaxBytes (`1.2 MiB ≤ fast path 128 MiB`); null when no transform was chosen.
   */
  readonly engineReason: string | null;
  readonly outputPrefix: string | null;
  readonly archivedKey?: string;
  readonly rejectedKey?: string;
  readonly warnings: readonly string[];
  readonly error?: { readonly name: string; readonly message: string };
  /** The execution's total: from its first start to its end (across redrives). */
  readonly durationMs: number;
  /** This attempt's: from the start, or from the last redrive, to the end. */
  readonly attemptDurationMs: number;
  /** How many times the execution was redriven. */
  readonly redriveCount: number;
  /** Set when the file was a duplicate upload: nothing ran now, the fields above are that execution's. */
  readonly duplicateOf?: DuplicateOf;
}

/** The command that redrives an execution (`etl executions redrive`), with the `--root` it needs, if any. */
export function redriveCommand(executionName: string, root?: string): string {
  // A folder with a space or a quote in its name is quoted for the shell.
  const quoted = root !== undefined && /[\s'"$`\\]/.test(root) ? `'${root.replace(/'/g, `'\\''`)}'` : root;
  return `etl executions redrive ${executionName}${quoted === undefined ? '' : ` --root ${quoted}`}`;
}

/** Builds the result of an ended execution. */
export function runResult(record: ExecutionRecord, events: readonly ExecutionEvent[], file: string | null = null): RunResult {
  // A run whose latest attempt reached NotifyCritical ended there, whatever outcome an earlier
  // step had built; a redrive that then succeeded ends with its own outcome.
  const caught = record.status === 'SUCCEEDED' ? undefined : criticalError(latestAttempt(events));
  const summary = caught ? undefined : lastOutcomeSummary(events);
  const durations = durationsOf(record, events);
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
      // A summary from before these fields: a loaded run (rowsOut set) left nothing unloaded.
      rowsNotLoaded: summary.rowsNotLoaded ?? (summary.rowsOut === null ? null : 0),
      rowsInExtent: summary.rowsInExtent ?? (summary.rowsIn === null ? null : 'all'),
      engine: summary.engine ?? engineOf(latestAttempt(events)),
      engineReason: engineReasonOf(events),
      outputPrefix: summary.outputPrefix,
      ...(summary.archivedKey ? { archivedKey: summary.archivedKey } : {}),
      ...(summary.rejectedKey ? { rejectedKey: summary.rejectedKey } : {}),
      warnings: summary.warnings,
      ...(summary.error ? { error: summary.error } : {}),
      ...durations,
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
    rowsNotLoaded: null,
    rowsInExtent: null,
    engine: engineOf(latestAttempt(events)),
    engineReason: engineReasonOf(events),
    outputPrefix: null,
    warnings: [],
    error: caught ?? { name: record.error ?? 'Error', message: record.cause ?? '' },
    ...durations,
  };
}

/**
 * The result of a duplicate upload: the execution it maps to, as {@link runResult} builds it,
 * marked {@link RunResult.duplicateOf} (its line says so instead of repeating its outcome).
 */
export function duplicateResult(
  record: ExecutionRecord,
  events: readonly ExecutionEvent[],
  file: string | null = null,
  options: { readonly root?: string } = {},
): RunResult {
  const earlier = runResult(record, events, file);
  const redrivable = record.status === 'ABORTED' || (record.status === 'FAILED' && earlier.rejectedKey === undefined);
  return {
    ...earlier,
    duplicateOf: {
      executionName: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate,
      redrive: redrivable ? redriveCommand(record.name, options.root) : null,
    },
  };
}

/**
 * What a duplicate's line says after `duplicate of <execution> (<status>, started <time>)`: that
 * it was not run again, how that execution ended, and what to do when it did not succeed.
 */
export function formatDuplicateOf(result: Pick<RunResult, 'status' | 'error' | 'rejectedKey' | 'duplicateOf'>): string {
  const of = result.duplicateOf;
  if (!of) return '';
  const head = `duplicate of ${of.executionName} (${of.status}, started ${of.startDate}): not run again`;
  if (of.status === 'RUNNING') return `${head}; that execution is still running`;
  if (of.status === 'ABORTED') return `${head}; that execution was interrupted: ${of.redrive ?? ''}`;
  const ended = `that execution ended ${result.status}${result.error ? ` (${result.error.name})` : ''}`;
  if (of.redrive) return `${head}; ${ended}: fix the cause, then ${of.redrive}`;
  if (result.rejectedKey) return `${head}; ${ended}, its input rejected: fix the file and upload it again`;
  return `${head}; ${ended}`;
}

/** One human-readable line; a duplicate's says so instead of repeating the earlier outcome. */
export function formatRunResult(result: RunResult): string {
  const where = result.file ?? result.inputKey;
  if (result.duplicateOf) return ['DUPLICATE', where, formatDuplicateOf(result)].join('  ');
  const parts = [result.status.padEnd(7), where];
  if (result.rowsIn !== null) parts.push(formatCounts(result));
  if (result.error) parts.push(`${result.error.name}: ${firstLine(result.error.message)}`);
  for (const warning of result.warnings) parts.push(`warning: ${warning}`);
  if (result.engine) parts.push(`via ${result.engine}${result.engineReason ? ` (${result.engineReason})` : ''}`);
  parts.push(`→ ${result.topic}`, formatDurations(result));
  return parts.join('  ');
}

/**
 * `rows N in → M out (duplicates D, malformed X)`; for a run that loaded nothing, which records
 * `rowsIn` counts and how many rows were not loaded, so that the counts add up.
 */
function formatCounts(result: RunResult): string {
  const refused = (result.rowsNotLoaded ?? 0) > 0 || result.rowsInExtent === 'toRefusal';
  const extent = !refused ? '' : result.rowsInExtent === 'toRefusal' ? ' (the records up to the refused one)' : ' (all records)';
  const notLoaded = refused ? `, not loaded ${result.rowsNotLoaded ?? 0}` : '';
  return `rows ${result.rowsIn} in${extent} → ${result.rowsOut ?? 0} out (duplicates ${result.duplicatesRemoved ?? 0}, malformed ${result.malformedRows ?? 0}${notLoaded})`;
}

/** `1.2s`; after a redrive, this attempt's and the execution's, labelled. */
function formatDurations(result: RunResult): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  if (result.redriveCount === 0) return seconds(result.durationMs);
  return `attempt ${seconds(result.attemptDurationMs)} (redrive ${result.redriveCount}), execution ${seconds(result.durationMs)} since its first start`;
}

/** The execution's total and this attempt's (from its last redrive); 0 while it runs. */
function durationsOf(record: ExecutionRecord, events: readonly ExecutionEvent[]): Pick<RunResult, 'durationMs' | 'attemptDurationMs' | 'redriveCount'> {
  if (!record.stopDate) return { durationMs: 0, attemptDurationMs: 0, redriveCount: record.redriveCount };
  const stop = Date.parse(record.stopDate);
  const redriven = events.filter((e) => e.type === 'ExecutionRedriven').at(-1);
  const attemptStart = Date.parse(redriven?.timestamp ?? record.startDate);
  return { durationMs: stop - Date.parse(record.startDate), attemptDurationMs: stop - attemptStart, redriveCount: record.redriveCount };
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

/** Why ChooseEngine chose as it did, from the state it last chose by (core/fast-path.ts, the same rule). */
function engineReasonOf(events: readonly ExecutionEvent[]): string | null {
  const entered = events.findLast((e) => e.type === 'StateEntered' && e.state === STATE.ChooseEngine);
  const input = (entered?.detail as { state?: { input?: FastPathFacts } } | null)?.state?.input;
  if (!input || typeof input.sizeBytes !== 'number') return null;
  const reason = routeReason(input);
  if (reason.kind === 'forced') return '--engine';
  if (reason.kind === 'off') return 'fast path off';
  const size = `${binaryBytes(reason.sizeBytes)}${reason.uncompressed ? ' uncompressed' : ''}`;
  return `${size} ${reason.kind === 'fits' ? '≤' : '>'} fast path ${binaryBytes(reason.thresholdBytes)}`;
}

/** `512 B`, `1.2 KiB`, `128 MiB`: a size as fastPathMaxBytes is written (powers of two). */
function binaryBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
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
