/**
 * The run report: what one transform run did, written as JSON to
 * `logs/glue-jobs/<dataset>/<execution>.json` by both engines and read by the Summarize step.
 */
import { z } from 'zod';

/** The counts a transform produces; the quality rules are defined over them. */
export interface RowCounts {
  /** Records read from the file (well-formed or not; the header is not a record). */
  readonly rowsIn: number;
  /** Records set aside: wrong field count, broken quoting, or a value of the wrong type. */
  readonly malformedRows: number;
  /** Well-formed rows that repeated another row exactly. */
  readonly exactDuplicates: number;
  /** Distinct rows dropped because a later row had the same key. */
  readonly keyDuplicates: number;
  /** Rows written. */
  readonly rowsOut: number;
}

/**
 * How far a run's `rowsIn` reaches: every record of the file (`all`), or the records up to and
 * including the one the run was refused at (`toRefusal`: a record whose quote nothing closes
 * holds the rest of the file, which is not split into records).
 */
export type RowsInExtent = 'all' | 'toRefusal';

/**
 * The counts of a run that failed, from what it had counted: unless its load's files are in
 * place (`outputFiles`), nothing was loaded, so `rowsOut` is 0 and the rows it would have loaded
 * are `rowsNotLoaded` — `rowsIn = rowsOut + duplicatesRemoved + malformedRows + rowsNotLoaded`
 * holds for every report. Both engines write a failed report's counts with it
 * (`glue/run_report.py` for Spark); the same result when applied again.
 */
export function failedRunCounts(
  counted: Partial<Pick<RunReport, 'rowsIn' | 'rowsOut' | 'duplicatesRemoved' | 'malformedRows' | 'outputFiles'>>,
  errorName: string,
): { readonly rowsOut: number; readonly rowsNotLoaded: number; readonly rowsInExtent: RowsInExtent } {
  // A transform raises MalformedCsvError only for a record that swallowed the lines after it.
  const rowsInExtent: RowsInExtent = errorName === 'MalformedCsvError' ? 'toRefusal' : 'all';
  if ((counted.outputFiles?.length ?? 0) > 0) return { rowsOut: counted.rowsOut ?? 0, rowsNotLoaded: 0, rowsInExtent };
  const rowsNotLoaded = Math.max(0, (counted.rowsIn ?? 0) - (counted.duplicatesRemoved ?? 0) - (counted.malformedRows ?? 0));
  return { rowsOut: 0, rowsNotLoaded, rowsInExtent };
}

const previousRunSchema = z.object({ executionName: z.string(), rowsOut: z.number() });

/** Schema of the run report (validated when read, so a corrupt report is a named error). */
export const runReportSchema = z.object({
  formatVersion: z.literal(1),
  status: z.enum(['SUCCEEDED', 'FAILED']),
  /** Who ran the transform: the fast path's Lambda, the local Glue stand-in (DuckDB), or Spark (Glue, or local). */
  engine: z.enum(['duckdb', 'spark', 'lambda']),
  dataset: z.string(),
  inputKey: z.string(),
  executionName: z.string(),
  jobRunId: z.string(),
  ingestionDate: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  rowsIn: z.number(),
  malformedRows: z.number(),
  exactDuplicates: z.number(),
  keyDuplicates: z.number(),
  duplicatesRemoved: z.number(),
  rowsOut: z.number(),
  /**
   * Rows read, well formed and not duplicates, that a failed run did not load (0 when it loaded):
   * with them the counts add up, `rowsIn = rowsOut + duplicatesRemoved + malformedRows + rowsNotLoaded`.
   * Written by a failed run; absent means 0 (a run that loaded, a report from before the field).
   */
  rowsNotLoaded: z.number().optional(),
  /** Which records `rowsIn` counts ({@link RowsInExtent}); absent means `all`. Written by a failed run. */
  rowsInExtent: z.enum(['all', 'toRefusal']).optional(),
  outputPrefix: z.string(),
  /** The dataset's state folder (`load/latest/<dataset>/`). */
  latestPrefix: z.string(),
  outputFiles: z.array(z.string()),
  /** The files of the state version this run published (none when it failed). */
  latestFiles: z.array(z.string()).default([]),
  /** Rows in the dataset's state after this run (null when it failed, or in a report before it was counted). */
  latestRows: z.number().nullable().default(null),
  rejectsKey: z.string().nullable(),
  previousRun: previousRunSchema.nullable(),
  qualityFailures: z.array(z.string()),
  error: z.object({ name: z.string(), message: z.string() }).nullable(),
});

/** A run report as written by the engines. */
export type RunReport = z.infer<typeof runReportSchema>;

/**
 * What a running transform says of itself, for a progress display (`etl run` and `etl watch` on
 * a terminal): nothing of it is recorded.
 */
export interface TransformProgress {
  /** What it is doing: `reading the input`, `writing Parquet`, or a name of the engine's own (a Spark stage). */
  readonly phase: string;
  /** How far that phase is, 0–100; null when the engine cannot tell. */
  readonly percent: number | null;
  /** Bytes of the input read so far, while the engine tells (DuckDB: its scan's share of the file). */
  readonly bytesRead?: number;
  /** The input's size in bytes, beside `bytesRead`. */
  readonly bytesTotal?: number;
  /** Records read so far by the running phase, when the engine tells (Spark: its stages' input records). */
  readonly rowsRead?: number;
}
