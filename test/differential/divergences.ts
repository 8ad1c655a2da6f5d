/**
 * The divergence table: inputs on which DuckDB and Spark cannot give the same result, why, and
 * what each engine does today (pinned by the differential suite). The README lists the same.
 */

/** The part of an engine's result a divergence pins. */
export interface EngineObservation {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly errorName: string | null;
  /** rowsIn, rowsOut, exactDuplicates, keyDuplicates, malformedRows */
  readonly counts: readonly number[];
  readonly rejects: number;
}

/** One input the engines disagree on. */
export interface Divergence {
  readonly reason: string;
  readonly duckdb: EngineObservation;
  readonly spark: EngineObservation;
}

/** By the name of the suite's case. */
export const DIVERGENCES: Readonly<Record<string, Divergence>> = {};
