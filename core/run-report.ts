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
